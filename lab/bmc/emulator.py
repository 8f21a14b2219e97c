"""The sushy-emulator subprocess: write its config, start it, wait until it answers, stop it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import requests

from lab.bmc.config import EmulatorConfig, render_config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmulatorProcess:
    """One sushy-emulator (fake driver) serving every System of the lab on 127.0.0.1, plain HTTP.

    TLS, per-node ports and faults live in the fault proxy in front of it.
    """

    def __init__(self, workdir: str, config: EmulatorConfig, power_delay: tuple | None,
                 auth: tuple | None = None):
        self.workdir = workdir
        self.config = config
        self.power_delay = power_delay
        self.auth = auth
        self.process: subprocess.Popen | None = None
        self.config_path = os.path.join(workdir, "sushy-emulator.conf")
        self.log_path = os.path.join(workdir, "sushy-emulator.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.config.port}"

    def command(self) -> list[str]:
        delay = [] if self.power_delay is None else ["--delay", str(self.power_delay[0]), str(self.power_delay[1])]
        return [sys.executable, "-m", "lab.bmc.emulator_wrapper", *delay, "--", "--config", self.config_path]

    def start(self, timeout: float = 30.0) -> None:
        os.makedirs(self.workdir, exist_ok=True)
        with open(self.config_path, "w", encoding="utf-8") as handle:
            handle.write(render_config(self.config))
        env = dict(os.environ)
        env.pop("SUSHY_EMULATOR_CONFIG", None)
        # Requests from the notifier must never go through a proxy configured for the user's shell.
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, env=env,
                                        start_new_session=True)
        log.close()
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sushy-emulator exited with {self.process.returncode}; see {self.log_path}")
            try:
                # The fake driver creates its Systems (and their persistent state) on the first Systems request.
                if requests.get(self.url + "/redfish/v1/Systems", auth=self.auth, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"sushy-emulator did not answer within {timeout} s; see {self.log_path}")

    def get_system(self, uuid: str, timeout: float = 5.0) -> dict:
        """Read a System directly (no proxy, no faults); reading is what makes a pending power change apply."""
        response = requests.get(f"{self.url}/redfish/v1/Systems/{uuid}", auth=self.auth, timeout=timeout)
        response.raise_for_status()
        return response.json()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None
