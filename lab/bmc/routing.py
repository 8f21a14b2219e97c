"""Pure request/response rewriting that makes one shared emulator look like one BMC per node."""

from __future__ import annotations

import json

SYSTEMS_PREFIX = "/redfish/v1/Systems"

# sushy-emulator's fake driver has no PowerCycle; a power cycle is what its ForceRestart does (Off now, On later).
RESET_ALIASES = {"PowerCycle": "ForceRestart"}


def system_id(path: str) -> str | None:
    """The System identity named by a path under /redfish/v1/Systems/<id>, else None."""
    bare = path.split("?", 1)[0].rstrip("/")
    if not bare.startswith(SYSTEMS_PREFIX + "/"):
        return None
    return bare[len(SYSTEMS_PREFIX) + 1:].split("/", 1)[0] or None


def is_systems_collection(path: str) -> bool:
    return path.split("?", 1)[0].rstrip("/") == SYSTEMS_PREFIX


def foreign_system(path: str, uuid: str, name: str) -> bool:
    """True when a node's BMC is asked for a System that is not its own."""
    identity = system_id(path)
    return identity is not None and identity not in (uuid, name)


def only_own_member(body: bytes, uuid: str) -> bytes:
    data = json.loads(body)
    members = [m for m in data.get("Members", []) if m.get("@odata.id", "").rstrip("/").endswith("/" + uuid)]
    data["Members"] = members
    data["Members@odata.count"] = len(members)
    return json.dumps(data).encode()


def rewrite_reset_request(body: bytes) -> bytes:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return body
    if isinstance(data, dict) and data.get("ResetType") in RESET_ALIASES:
        data["ResetType"] = RESET_ALIASES[data["ResetType"]]
        return json.dumps(data).encode()
    return body


def advertise_reset_aliases(body: bytes) -> bytes:
    """Add PowerCycle to the allowed ResetType values of a System answer."""
    try:
        data = json.loads(body)
    except ValueError:
        return body
    reset = data.get("Actions", {}).get("#ComputerSystem.Reset") if isinstance(data, dict) else None
    if not reset:
        return body
    allowed = reset.get("ResetType@Redfish.AllowableValues", [])
    for alias in RESET_ALIASES:
        if alias not in allowed:
            allowed.append(alias)
    reset["ResetType@Redfish.AllowableValues"] = allowed
    return json.dumps(data).encode()
