"""Direct access to the fake driver's persistent state (sqlite under the emulator's state dir).

The lab reads it to find Systems with a pending power change (the emulator applies one only when the System is
next read over HTTP), and writes it to cut a machine's power the way a dead power supply would: no Redfish
command, no delay, the BMC simply reports Off afterwards.
"""

from __future__ import annotations

import os

from sushy_tools.emulator.memoize import PersistentDict

DB_NAME = "fakedriver"


class FakeSystemsState:
    def __init__(self, state_dir: str):
        self.path = os.path.join(state_dir, DB_NAME + ".sqlite")
        self._dict = PersistentDict()
        self._dict.make_permanent(state_dir, DB_NAME)

    def all(self) -> dict[str, dict]:
        """Every System in one query (polled often; one read per System would not scale to 500 nodes)."""
        with self._dict.connection() as cursor:
            cursor.execute("select key, value from cache")
            rows = cursor.fetchall()
        return {PersistentDict.decode(key): PersistentDict.decode(value) for key, value in rows}

    def get(self, uuid: str) -> dict:
        return self._dict[uuid]

    def force_power(self, uuid: str, power_state: str) -> None:
        """Set the System's power state at once and drop any pending change."""
        system = self._dict[uuid]
        system["power_state"] = power_state
        system["pending_power"] = None
        self._dict[uuid] = system


def pending_due(systems: dict[str, dict], now: float) -> list[str]:
    """UUIDs whose pending power change is due, i.e. would apply on the next read."""
    due = []
    for uuid, system in systems.items():
        pending = system.get("pending_power")
        if pending and now >= pending["apply_time"]:
            due.append(uuid)
    return sorted(due)
