"""Lab controls that make live migrations fail or stall (KubeVirt itself has no such switch)."""
import random
import threading

INJECTED_FAILURE = ("Live migration failed error encountered during MigrateToURI3 libvirt api call: "
                    "lab-injected failure")


class MigrationFaults:
    def __init__(self, seed: int = 0):
        self._lock = threading.Lock()
        self._fail_next: dict[str, int] = {}
        self._stall_next: dict[str, int] = {}
        self.failure_rate = 0.0
        self._random = random.Random(seed)

    def fail_next(self, namespace: str, vmi: str, count: int = 1):
        with self._lock:
            self._fail_next[f"{namespace}/{vmi}"] = int(count)

    def stall_next(self, namespace: str, vmi: str, count: int = 1):
        with self._lock:
            self._stall_next[f"{namespace}/{vmi}"] = int(count)

    def set_failure_rate(self, rate: float):
        if not 0.0 <= float(rate) <= 1.0:
            raise ValueError("failure rate must be between 0 and 1")
        self.failure_rate = float(rate)

    def clear(self):
        with self._lock:
            self._fail_next.clear()
            self._stall_next.clear()
            self.failure_rate = 0.0

    def draw(self, namespace: str, vmi: str) -> str | None:
        """The fate of a migration entering Running: "fail", "stall" or None."""
        key = f"{namespace}/{vmi}"
        with self._lock:
            if self._fail_next.get(key, 0) > 0:
                self._fail_next[key] -= 1
                return "fail"
            if self._stall_next.get(key, 0) > 0:
                self._stall_next[key] -= 1
                return "stall"
            if self.failure_rate and self._random.random() < self.failure_rate:
                return "fail"
        return None

    def describe(self) -> dict:
        with self._lock:
            return {"fail_next": {k: v for k, v in self._fail_next.items() if v},
                    "stall_next": {k: v for k, v in self._stall_next.items() if v},
                    "failure_rate": self.failure_rate}
