"""Physical truth about the lab's machines: power, boot, kubelet process, network partition, and which pods'
containers really run on each machine. The API only ever shows what kubelets managed to report."""

import threading
import time
from dataclasses import dataclass, field


@dataclass
class Machine:
    name: str
    system_uuid: str
    cpu_cores: int
    memory_bytes: int
    role: str = "worker"
    powered: bool = True
    booting_until: float = 0.0          # monotonic time at which a boot completes; 0 when not booting
    kubelet_running: bool = True
    kubelet_disabled: bool = False      # the kubelet-stop fault: stays stopped across boots until recovered
    partitioned: bool = False
    boot_id: str = ""
    external_load: dict = field(default_factory=lambda: {"cpu": 0.0, "memory": 0.0})
    running_pods: dict = field(default_factory=dict)   # pod uid -> (namespace, name): containers alive here


class Machines:
    """Thread-safe. Subscribers get fn(node, change) synchronously and must not block; changes are
    power_off, power_on, booted, partition, heal, kubelet_stop, kubelet_start."""

    def __init__(self, schedule=None, boot_seconds: float = 0.5):
        self._lock = threading.RLock()
        self._machines: dict[str, Machine] = {}
        self._subscribers: dict[int, object] = {}
        self._next_token = 0
        self._schedule = schedule          # schedule(delay, fn): runs fn later (the controller runner's timer)
        self.boot_seconds = boot_seconds
        self._boot_counter = 0

    def add(self, machine: Machine):
        with self._lock:
            machine.boot_id = machine.boot_id or self._new_boot_id(machine)
            self._machines[machine.name] = machine

    def names(self) -> list:
        with self._lock:
            return list(self._machines)

    def get(self, node) -> Machine:
        with self._lock:
            return self._machines[node]

    def is_powered(self, node) -> bool:
        with self._lock:
            return self._machines[node].powered

    def kubelet_running(self, node) -> bool:
        with self._lock:
            return self._machines[node].kubelet_running

    def is_partitioned(self, node) -> bool:
        with self._lock:
            return self._machines[node].partitioned

    def reaches_api(self, node) -> bool:
        """The kubelet of this machine runs and can talk to the API server."""
        with self._lock:
            machine = self._machines[node]
            return machine.kubelet_running and not machine.partitioned

    def subscribe(self, fn) -> int:
        with self._lock:
            self._next_token += 1
            self._subscribers[self._next_token] = fn
            return self._next_token

    def unsubscribe(self, token):
        with self._lock:
            self._subscribers.pop(token, None)

    def _notify(self, node, change):
        with self._lock:
            subscribers = list(self._subscribers.values())
        for fn in subscribers:
            fn(node, change)

    def _new_boot_id(self, machine) -> str:
        self._boot_counter += 1
        tail = f"{self._boot_counter:012x}"
        return machine.system_uuid[:24] + tail

    # --- power (lab.bmc calls these when the emulator reports a change) ---
    def power_off(self, node):
        with self._lock:
            machine = self._machines[node]
            if not machine.powered:
                return
            machine.powered = False
            machine.booting_until = 0.0
            was_running = machine.kubelet_running
            machine.kubelet_running = False
            machine.running_pods.clear()
        if was_running:
            self._notify(node, "kubelet_stop")
        self._notify(node, "power_off")

    def power_on(self, node):
        with self._lock:
            machine = self._machines[node]
            if machine.powered:
                return
            machine.powered = True
            machine.booting_until = time.monotonic() + self.boot_seconds
            boot_id = machine.booting_until
        self._notify(node, "power_on")
        if self._schedule is not None:
            self._schedule(self.boot_seconds, lambda: self.finish_boot(node, boot_id))
        else:
            timer = threading.Timer(self.boot_seconds, self.finish_boot, args=(node, boot_id))
            timer.daemon = True
            timer.start()

    def finish_boot(self, node, expected_boot=None):
        """Completes a boot started by power_on (called by the timer; tests may call it directly)."""
        with self._lock:
            machine = self._machines[node]
            if not machine.powered or not machine.booting_until:
                return
            if expected_boot is not None and machine.booting_until != expected_boot:
                return
            machine.booting_until = 0.0
            machine.boot_id = self._new_boot_id(machine)
            start_kubelet = not machine.kubelet_disabled
            machine.kubelet_running = start_kubelet
        self._notify(node, "booted")
        if start_kubelet:
            self._notify(node, "kubelet_start")

    # --- faults of this component ---
    def stop_kubelet(self, node):
        with self._lock:
            machine = self._machines[node]
            machine.kubelet_disabled = True
            was_running = machine.kubelet_running
            machine.kubelet_running = False
        if was_running:
            self._notify(node, "kubelet_stop")

    def start_kubelet(self, node):
        with self._lock:
            machine = self._machines[node]
            machine.kubelet_disabled = False
            start = machine.powered and not machine.booting_until and not machine.kubelet_running
            if start:
                machine.kubelet_running = True
        if start:
            self._notify(node, "kubelet_start")

    def partition(self, node):
        with self._lock:
            machine = self._machines[node]
            if machine.partitioned:
                return
            machine.partitioned = True
        self._notify(node, "partition")

    def heal(self, node):
        with self._lock:
            machine = self._machines[node]
            if not machine.partitioned:
                return
            machine.partitioned = False
        self._notify(node, "heal")

    def set_load(self, node, cpu=None, memory=None):
        with self._lock:
            machine = self._machines[node]
            if cpu is not None:
                machine.external_load["cpu"] = float(cpu)
            if memory is not None:
                machine.external_load["memory"] = float(memory)

    # --- containers really running (kept by the kubelets) ---
    def running_pods(self, node) -> dict:
        with self._lock:
            return dict(self._machines[node].running_pods)

    def pod_started(self, node, uid, namespace, name) -> bool:
        with self._lock:
            machine = self._machines[node]
            if not machine.powered or machine.booting_until:
                return False
            machine.running_pods[uid] = (namespace, name)
            return True

    def pod_stopped(self, node, uid):
        with self._lock:
            self._machines[node].running_pods.pop(uid, None)
