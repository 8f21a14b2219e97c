"""A BMC-only lab: the emulator, the fault proxy and real lab.cluster Machines, without an API server.

Used by the BMC conformance tests and by anyone who needs Redfish endpoints wired to machines and nothing else.
"""

from __future__ import annotations

import time
import uuid as uuidlib

from lab.bmc import BmcComponent
from lab.cluster.machines import Machine, Machines


class BmcOnlyLab:
    """Just what BmcComponent reads from a Lab when no API server runs: workdir, preset, overrides, machines."""

    def __init__(self, workdir, nodes=("node-a", "node-b"), tls=False, auth=True, delay=(0, 1), seed=7,
                 overrides=None):
        self.workdir = str(workdir)
        self.preset = "fast"
        self.overrides = {"bmc_power_delay": delay} if delay is not None else {}
        self.overrides.update(overrides or {})
        self.seed = seed
        self.bmc, self.bmc_auth, self.bmc_tls = True, auth, tls
        self.store = None
        self.server = None
        self.machines = Machines(schedule=None, boot_seconds=0.1)
        for index, name in enumerate(nodes):
            self.machines.add(Machine(name=name, system_uuid=str(uuidlib.UUID(int=0xB3C0000 + index)),
                                      cpu_cores=8, memory_bytes=32 << 30))
        self.bmc_component = BmcComponent(self, machines=self.machines)

    def __enter__(self):
        self.bmc_component.start()
        return self

    def __exit__(self, *exc):
        self.bmc_component.stop()


def wait_until(predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
