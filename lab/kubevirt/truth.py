"""Where VMs really run: reports starts and stops to the cluster's GroundTruth.

A VM stops really running when its machine loses power, or when the kubelet of a live, reachable machine
kills its launcher. A pod deleted from the API while its node is partitioned or its kubelet is stopped keeps
running on the machine until the kubelet comes back and kills the orphan.
"""
import threading


class TruthBridge:
    def __init__(self, truth=None, machines=None, pod_exists=None):
        self.truth = truth                  # GroundTruth of lab.cluster, or None when absent
        self.machines = machines            # Machines of lab.cluster, or None
        self.pod_exists = pod_exists or (lambda namespace, uid: False)
        self._lock = threading.Lock()
        self._running: dict[str, dict[str, str]] = {}   # vm key -> {node: launcher pod uid}
        self._expected: dict[str, bool] = {}

    def running_on(self, key: str) -> dict:
        with self._lock:
            return dict(self._running.get(key, {}))

    def _report(self, method, key, node):
        if self.truth is not None:
            getattr(self.truth, method)(key, node)

    def started(self, key: str, node: str, pod_uid: str):
        if self.machines is not None and not self.machines.is_powered(node):
            return
        with self._lock:
            places = self._running.setdefault(key, {})
            fresh = node not in places
            places[node] = pod_uid
        if fresh:
            self._report("vm_started", key, node)

    def stopped(self, key: str, node: str):
        with self._lock:
            places = self._running.get(key, {})
            known = places.pop(node, None) is not None
            if not places:
                self._running.pop(key, None)
        if known:
            self._report("vm_stopped", key, node)

    def moved(self, key: str, source: str, target: str, target_pod_uid: str):
        """End of a live migration: the guest pauses on the source and resumes on the target.

        GroundTruth has no atomic move; the switch is reported as a pause (not expected to run for an instant)
        so that it shows neither as two places nor as a lost VM.
        """
        with self._lock:
            expected = self._expected.get(key)
        paused = expected and self.truth is not None and hasattr(self.truth, "expect_running")
        if paused:
            self.truth.expect_running(key, False)
        self.stopped(key, source)
        self.started(key, target, target_pod_uid)
        if paused:
            self.truth.expect_running(key, True)

    def expect(self, key: str, expected: bool):
        with self._lock:
            if self._expected.get(key) == expected:
                return
            self._expected[key] = expected
        if self.truth is not None and hasattr(self.truth, "expect_running"):
            self.truth.expect_running(key, expected)

    def forget(self, key: str):
        with self._lock:
            self._expected.pop(key, None)
        if self.truth is not None and hasattr(self.truth, "forget"):
            self.truth.forget(key)

    def _kubelet_acts(self, node: str) -> bool:
        if self.machines is None:
            return True
        return (self.machines.is_powered(node) and self.machines.kubelet_running(node)
                and not self.machines.is_partitioned(node))

    def launcher_gone(self, key: str, node: str, pod_uid: str):
        """The launcher pod was deleted from the API or completed."""
        with self._lock:
            if self._running.get(key, {}).get(node) != pod_uid:
                return
        if self._kubelet_acts(node):
            self.stopped(key, node)

    def machine_changed(self, node: str, change: str, namespace_of_key=lambda key: key.split("/", 1)[0]):
        if change == "power_off":
            for key in self._keys_on(node):
                self.stopped(key, node)
        elif change in ("heal", "kubelet_start", "booted", "power_on"):
            for key in self._keys_on(node):
                uid = self.running_on(key).get(node)
                if uid and not self.pod_exists(namespace_of_key(key), uid) and self._kubelet_acts(node):
                    self.stopped(key, node)

    def _keys_on(self, node):
        with self._lock:
            return [key for key, places in self._running.items() if node in places]

    def snapshot(self) -> dict:
        with self._lock:
            return {key: sorted(places) for key, places in self._running.items()}
