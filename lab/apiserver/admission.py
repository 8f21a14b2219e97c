"""Admission hooks: plain callables run by the HTTP layer before a write is stored."""
import threading
from dataclasses import dataclass, field


@dataclass
class AdmissionRequest:
    operation: str            # CREATE | UPDATE | DELETE
    key: str                  # ResourceType.key
    namespace: str | None
    name: str | None
    object: dict | None       # hooks may mutate it (CREATE/UPDATE) or raise ApiError
    old_object: dict | None
    subresource: str | None = None
    user: str = ""
    dry_run: bool = False
    options: dict = field(default_factory=dict)


class Admission:
    def __init__(self):
        self._lock = threading.Lock()
        self._hooks: dict[tuple, list] = {}
        self._eviction_guards: list = []

    def register(self, key, operation, fn, subresource=None):
        with self._lock:
            self._hooks.setdefault((key, operation, subresource), []).append(fn)

    def unregister(self, key, operation, fn, subresource=None):
        with self._lock:
            hooks = self._hooks.get((key, operation, subresource), [])
            if fn in hooks:
                hooks.remove(fn)

    def register_eviction_guard(self, fn):
        with self._lock:
            self._eviction_guards.append(fn)

    def run(self, request: AdmissionRequest):
        with self._lock:
            hooks = list(self._hooks.get((request.key, request.operation, request.subresource), ()))
        for hook in hooks:
            hook(request)

    def check_eviction(self, pod: dict, eviction: dict):
        with self._lock:
            guards = list(self._eviction_guards)
        for guard in guards:
            guard(pod, eviction)
