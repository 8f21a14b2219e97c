"""Keeps the machines' power (physical truth, lab.cluster) in step with what the emulated BMCs report.

The fake driver applies a power change only when its System is next read. The emulator notifies the lab (PUT of the
System's JSON) whenever it stores a change; the notification wakes this loop, which then reads the Systems whose
pending change is due so the change takes effect on time, and hands every difference to the machines.
"""

from __future__ import annotations

import logging
import threading
import time

from lab.bmc.fake_state import pending_due

LOG = logging.getLogger(__name__)


def power_action(system: dict, machine_powered: bool) -> str | None:
    """What the machine must do so that it matches its BMC: "power_off", "power_on" or None."""
    state = system.get("power_state")
    if state == "Off" and machine_powered:
        return "power_off"
    if state == "On" and not machine_powered:
        return "power_on"
    return None


class PowerSync:
    def __init__(self, emulator, state, machines, node_by_uuid: dict[str, str], poll_interval: float,
                 on_reported=None):
        self.emulator = emulator
        self.state = state
        self.machines = machines
        self.node_by_uuid = node_by_uuid
        self.poll_interval = poll_interval
        self.on_reported = on_reported or (lambda node, power_state: None)
        self.reported: dict[str, str] = {}
        self.notifications = 0
        self.applied_reads = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="bmc-power-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=10)

    def notified(self, system: dict) -> None:
        """Called with the body of the emulator's external notification."""
        self.notifications += 1
        uuid = system.get("uuid") if isinstance(system, dict) else None
        if uuid in self.node_by_uuid and self.state is not None:
            # Notifications from concurrent emulator requests may arrive out of order: act on the stored state.
            self.reconcile({uuid: self.state.get(uuid)})
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync_once()
            except Exception:  # the loop must survive a slow or restarting emulator
                LOG.exception("bmc power sync failed; retrying")
            self._wake.wait(self.poll_interval)
            self._wake.clear()

    def sync_once(self) -> None:
        systems = self.state.all()
        due = [uuid for uuid in pending_due(systems, time.time()) if uuid in self.node_by_uuid]
        for uuid in due:
            self.emulator.get_system(uuid)
            self.applied_reads += 1
        if due:
            systems = self.state.all()
        self.reconcile(systems)

    def reconcile(self, systems: dict[str, dict]) -> None:
        with self._lock:
            for uuid, system in systems.items():
                node = self.node_by_uuid.get(uuid)
                if node is None:
                    continue
                action = power_action(system, self.machines.is_powered(node))
                if action == "power_off":
                    LOG.info("BMC of %s reports Off: powering the machine off", node)
                    self.machines.power_off(node)
                elif action == "power_on":
                    LOG.info("BMC of %s reports On: powering the machine on", node)
                    self.machines.power_on(node)
                state = system.get("power_state")
                if self.reported.get(node) != state:
                    self.reported[node] = state
                    self.on_reported(node, state)
