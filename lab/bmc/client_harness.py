"""One sushy-emulator without the rest of the lab, for tests and benchmarks of a Redfish client.

Unlike the lab's BMCs (one port per node behind the fault proxy), all Systems share one endpoint, as on a BMC of a
multi-node chassis, so a client must pick its System by UUID. The emulator is the lab's (EmulatorProcess, its
configuration and short-delay wrapper); this file adds TLS served by the emulator itself, and Systems that accept
power commands and never change ("stuck"; "stuck-on": only power-on is ignored).

    with ClientHarness(tmp_dir, [{"uuid": u, "name": "w1", "power_state": "On"}], tls=True, delay=1) as emu:
        emu.url, emu.ca_path, emu.power_state(u), emu.request_count()

Run as a program it is the emulator process: ``python -m lab.bmc.client_harness [--stuck U,..] [--stuck-on U,..]
-- <lab.bmc.emulator_wrapper arguments>``.
"""

from __future__ import annotations

import os
import re
import sys

import requests

from lab.bmc import certs
from lab.bmc.config import EmulatorConfig, SystemSpec, htpasswd_line
from lab.bmc.emulator import EmulatorProcess, free_port
from lab.bmc.standalone import wait_until

USERNAME = "fence-admin"
PASSWORD = "Fence-S3cret-pw-7d1c"
_REQUEST_LINE = re.compile(r'"(?:\x1b\[[0-9;]*m)*(GET|POST|PATCH|PUT|DELETE) /')


class ClientHarness(EmulatorProcess):
    """systems: [{"uuid", "name", "power_state"}]; delay: seconds of every power change (None: the emulator's
    own random 1-11 s); stuck / stuck_on: UUIDs whose System ignores every / only the power-on command."""

    def __init__(self, directory, systems, tls=False, auth=True, delay=0, stuck_on=(), stuck=()):
        port = free_port()
        workdir = os.path.join(str(directory), "emulator-%d" % port)
        extra = {}
        self.ca_path = None
        if tls:
            os.makedirs(workdir, exist_ok=True)
            self.ca_path, ca_key = certs.make_ca(workdir)
            extra["SUSHY_EMULATOR_SSL_CERT"], extra["SUSHY_EMULATOR_SSL_KEY"] = certs.issue_server_cert(
                workdir, self.ca_path, ca_key)
        auth_file = None
        if auth:
            os.makedirs(workdir, exist_ok=True)
            auth_file = os.path.join(workdir, "htpasswd")
            with open(auth_file, "w", encoding="utf-8") as handle:
                handle.write(htpasswd_line(USERNAME, PASSWORD))
        specs = [SystemSpec(node=s["name"], uuid=s["uuid"], powered=s.get("power_state", "On") == "On")
                 for s in systems]
        config = EmulatorConfig(port=port, state_dir=os.path.join(workdir, "state"), systems=specs,
                                auth_file=auth_file, extra=extra)
        super().__init__(workdir, config, None if delay is None else (int(delay), int(delay)),
                         auth=(USERNAME, PASSWORD) if auth else None)
        self.tls = tls
        self.stuck = tuple(stuck)
        self.stuck_on = tuple(stuck_on)

    @property
    def port(self) -> int:
        return self.config.port

    @property
    def url(self) -> str:
        return "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.port)

    def command(self) -> list[str]:
        wrapper = super().command()
        return [sys.executable, "-m", "lab.bmc.client_harness", "--stuck", ",".join(self.stuck),
                "--stuck-on", ",".join(self.stuck_on), "--"] + wrapper[3:]

    def _wait_ready(self, timeout: float) -> None:
        if not wait_until(self._answers, timeout, interval=0.1):
            self.stop()
            raise RuntimeError(f"sushy-emulator did not answer within {timeout} s; see {self.log_path}")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"sushy-emulator exited with {self.process.returncode}; see {self.log_path}")
        try:
            # the fake driver creates its Systems (and their persistent state) on the first Systems request
            return self._get("/redfish/v1/Systems", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def _get(self, path: str, timeout: float) -> requests.Response:
        return requests.get(self.url + path, auth=self.auth, verify=self.ca_path or False, timeout=timeout)

    def power_state(self, uuid: str, timeout: float = 5.0) -> str:
        answer = self._get(f"/redfish/v1/Systems/{uuid}", timeout)
        answer.raise_for_status()
        return answer.json()["PowerState"]

    def request_count(self) -> int:
        """HTTP requests served so far (one access-log line each)."""
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return sum(1 for line in handle if _REQUEST_LINE.search(line))

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


def main(argv: list[str]) -> int:
    split = argv.index("--")
    options, rest = argv[:split], argv[split + 1:]
    ignored = {"--stuck": set(), "--stuck-on": set()}
    for flag, value in zip(options[::2], options[1::2]):
        ignored[flag] = set(filter(None, value.split(",")))
    from sushy_tools.emulator.resources.systems import fakedriver
    from lab.bmc import emulator_wrapper

    original = fakedriver.FakeDriver.set_power_state

    def set_power_state(driver, identity, state):
        uuid = driver.uuid(identity)
        if uuid in ignored["--stuck"] or (uuid in ignored["--stuck-on"] and "On" in state):
            return None  # accepted (204) but the machine never changes: the fault under test
        return original(driver, identity, state)

    fakedriver.FakeDriver.set_power_state = set_power_state
    return emulator_wrapper.main(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
