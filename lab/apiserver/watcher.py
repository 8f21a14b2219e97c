"""A watch on one resource type: filters committed events and queues them for one consumer."""
import threading
from collections import deque

from .selectors import labels_of

MAX_BACKLOG = 200000


class Watcher:
    def __init__(self, store, key, namespace, name, label_predicate, field_predicate):
        self.store = store
        self.key = key
        self.namespace = namespace
        self.name = name
        self.label_predicate = label_predicate
        self.field_predicate = field_predicate
        self._queue: deque = deque()
        self._ready = threading.Condition(threading.Lock())
        self.closed = False
        self.expired = False

    def _matches(self, entry) -> bool:
        if entry is None:
            return False
        meta = entry.obj["metadata"]
        if self.namespace and meta.get("namespace") != self.namespace:
            return False
        if self.name and meta.get("name") != self.name:
            return False
        return self.label_predicate(labels_of(entry.obj)) and self.field_predicate(entry.obj)

    def offer(self, event_type, entry, old_entry):
        """Called by the store under its lock, in commit order."""
        if self.closed:
            return
        now = self._matches(entry)
        if event_type == "MODIFIED":
            before = self._matches(old_entry)
            if now and not before:
                event_type = "ADDED"
            elif before and not now:
                event_type, now = "DELETED", True
        if not now:
            return
        with self._ready:
            if len(self._queue) >= MAX_BACKLOG:
                self.expired = True
                self._queue.clear()
            self._queue.append((event_type, entry))
            self._ready.notify()

    def next_raw(self, timeout: float):
        """(type, Entry) or None on timeout/close; ("ERROR", None) when the consumer fell too far behind."""
        with self._ready:
            if not self._queue and not self.closed and not self.expired:
                self._ready.wait(timeout)
            if self.expired:
                return ("ERROR", None)
            if self._queue:
                return self._queue.popleft()
            return None

    def next(self, timeout: float) -> dict | None:
        event = self.next_raw(timeout)
        if event is None:
            return None
        event_type, entry = event
        if entry is None:
            return {"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                                "reason": "Expired", "code": 410,
                                                "message": "watch consumer fell too far behind"}}
        return {"type": event_type, "object": entry.clone()}

    def pending(self) -> int:
        return len(self._queue)

    def bookmark_version(self) -> str | None:
        """The store's resourceVersion when nothing is queued for this watcher, else None."""
        with self.store._lock:
            if self._queue:
                return None
            return self.store.current_resource_version

    def close(self):
        self.closed = True
        self.store._forget_watcher(self)
        with self._ready:
            self._ready.notify_all()

    def __iter__(self):
        while not self.closed:
            event = self.next(1.0)
            if event is not None:
                yield event
