"""BMC fault modes and the pure per-request decision of the fault proxy."""

from __future__ import annotations

import json
from dataclasses import dataclass

# Connection-level modes act on the node's listening socket; request-level modes act on each HTTP request.
CONNECTION_MODES = ("refuse", "blackhole", "hang")
REQUEST_MODES = ("slow", "error", "unauthorized", "stuck-power")
MODES = ("none",) + CONNECTION_MODES + REQUEST_MODES

DESCRIPTIONS = {
    "none": "the BMC answers normally",
    "refuse": "nothing listens on the BMC port: connection refused",
    "blackhole": "the port never completes a TCP handshake: connect timeout",
    "hang": "connections are accepted but requests never get an answer: read timeout",
    "slow": "every answer is delayed by `seconds`",
    "error": "every request except the service root answers `status` (default 500) with a Redfish error",
    "unauthorized": "every request except the service root answers 401, whatever the credentials",
    "stuck-power": "ComputerSystem.Reset answers 204 but the power state never changes",
}

ROOT_PATHS = frozenset(["", "redfish", "redfish/v1"])
RESET_SUFFIX = "/Actions/ComputerSystem.Reset"


@dataclass(frozen=True)
class Fault:
    mode: str = "none"
    seconds: float | None = None
    status: int | None = None

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"unknown BMC fault mode {self.mode!r}; expected one of {', '.join(MODES)}")
        if self.mode == "error" and self.status is not None and not 500 <= self.status <= 599:
            raise ValueError(f"BMC fault 'error' needs a 5xx status, got {self.status}")

    @classmethod
    def from_dict(cls, data: dict) -> "Fault":
        return cls(mode=data.get("mode", "none"), seconds=data.get("seconds"), status=data.get("status"))

    def to_dict(self) -> dict:
        result = {"mode": self.mode}
        if self.seconds is not None:
            result["seconds"] = self.seconds
        if self.status is not None:
            result["status"] = self.status
        return result


NO_FAULT = Fault()


@dataclass(frozen=True)
class Decision:
    """What the proxy does with one request: answer locally (status, body), wait, or forward."""
    delay: float = 0.0
    status: int | None = None
    body: bytes = b""
    headers: tuple = ()
    hang: bool = False
    check_auth: bool = False   # answer locally only if the credentials would have been accepted

    @property
    def forwards(self) -> bool:
        return self.status is None and not self.hang


def redfish_error(message: str, message_id: str = "Base.1.0.GeneralError") -> bytes:
    return json.dumps({"error": {"code": message_id, "message": message,
                                 "@Message.ExtendedInfo": [{"MessageId": message_id, "Message": message}]}}).encode()


def decide(fault: Fault, method: str, path: str, default_slow: float) -> Decision:
    bare = path.split("?", 1)[0].strip("/")
    if fault.mode == "hang":
        return Decision(hang=True)
    if fault.mode == "slow":
        return Decision(delay=fault.seconds if fault.seconds is not None else default_slow)
    if bare in ROOT_PATHS:
        return Decision()
    if fault.mode == "error":
        status = fault.status or 500
        return Decision(status=status, body=redfish_error(f"BMC internal error (lab fault, HTTP {status})"),
                        headers=(("Content-Type", "application/json"),))
    if fault.mode == "unauthorized":
        return Decision(status=401, body=redfish_error("Authentication failed", "Base.1.0.NoValidSession"),
                        headers=(("Content-Type", "application/json"),
                                 ("WWW-Authenticate", 'Basic realm="Restricted"')))
    if fault.mode == "stuck-power" and method == "POST" and bare.endswith(RESET_SUFFIX.strip("/")):
        return Decision(status=204, check_auth=True)
    return Decision()
