"""Ground truth about virtual machines: where each one really runs (reported by lab.kubevirt), whether it
should run, and the intervals in which it ran twice (split brain) or should have run and did not (lost)."""

import threading
import time
from datetime import datetime, timezone


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class GroundTruth:
    def __init__(self, clock=time.time):
        self._lock = threading.Lock()
        self._clock = clock
        self._running: dict[str, set] = {}
        self._expected: dict[str, bool] = {}
        self._open_split: dict[str, dict] = {}
        self._open_lost: dict[str, dict] = {}
        self._closed: list[dict] = []
        self._has_run: set = set()

    def vm_started(self, vm_key, node):
        with self._lock:
            self._running.setdefault(vm_key, set()).add(node)
            self._has_run.add(vm_key)
            self._update(vm_key)

    def vm_stopped(self, vm_key, node):
        with self._lock:
            self._running.setdefault(vm_key, set()).discard(node)
            self._update(vm_key)

    def node_lost_power(self, node) -> list:
        """Stops every VM of a machine that lost power; returns the VM keys that were running there."""
        with self._lock:
            stopped = [vm for vm, nodes in self._running.items() if node in nodes]
            for vm in stopped:
                self._running[vm].discard(node)
                self._update(vm)
            return stopped

    def running_on(self, vm_key) -> set:
        with self._lock:
            return set(self._running.get(vm_key, ()))

    def vms_on(self, node) -> list:
        with self._lock:
            return sorted(vm for vm, nodes in self._running.items() if node in nodes)

    def expect_running(self, vm_key, expected: bool):
        with self._lock:
            self._expected[vm_key] = bool(expected)
            self._update(vm_key)

    def forget(self, vm_key):
        """The VM was deleted: nothing is expected of it any more (open intervals end now)."""
        with self._lock:
            self._expected.pop(vm_key, None)
            self._has_run.discard(vm_key)
            self._update(vm_key)

    def _update(self, vm_key):
        now = self._clock()
        nodes = self._running.get(vm_key, set())
        split = len(nodes) > 1
        # A VM that never ran yet is starting, not lost.
        lost = self._expected.get(vm_key, False) and not nodes and vm_key in self._has_run
        self._track(self._open_split, "split_brain", vm_key, split, now, nodes)
        self._track(self._open_lost, "lost", vm_key, lost, now, nodes)

    def _track(self, table, kind, vm_key, active, now, nodes):
        interval = table.get(vm_key)
        if active and interval is None:
            table[vm_key] = {"kind": kind, "vm": vm_key, "start": now, "nodes": sorted(nodes)}
        elif active and kind == "split_brain":
            interval["nodes"] = sorted(set(interval["nodes"]) | nodes)
        elif not active and interval is not None:
            interval["end"] = now
            self._closed.append(table.pop(vm_key))

    def counters(self) -> dict:
        """split_brain / lost: intervals ever recorded (open or closed); *_active: open now."""
        with self._lock:
            now = self._clock()
            intervals = [dict(i) for i in self._closed]
            intervals += [dict(i) for i in self._open_split.values()]
            intervals += [dict(i) for i in self._open_lost.values()]
            for interval in intervals:
                end = interval.get("end")
                interval["seconds"] = round((end if end is not None else now) - interval["start"], 3)
                interval["start"] = _iso(interval["start"])
                interval["end"] = _iso(end) if end is not None else None
            intervals.sort(key=lambda i: i["start"])
            return {
                "split_brain": sum(1 for i in intervals if i["kind"] == "split_brain"),
                "lost": sum(1 for i in intervals if i["kind"] == "lost"),
                "split_brain_active": len(self._open_split),
                "lost_active": len(self._open_lost),
                "intervals": intervals,
            }
