"""One thread runs every cluster controller: store events feed the cache and the controllers' queues, timers
schedule delayed work, and a periodic resync re-examines everything (as informers' resync does).

A controller has `name`, `on_event(event_type, key, obj, old)` (cheap: only enqueues), `resync()` and
`sync(item)`; items are hashable and de-duplicated while queued."""

import heapq
import itertools
import logging
import threading
import time
from collections import OrderedDict, deque

log = logging.getLogger("lab.cluster")


class Runner:
    # Go back to the store's events before each queued item, so that the cluster's controllers act on fresh state.
    yield_to_events = True
    thread_name = "lab-cluster-controllers"
    log = log

    def __init__(self, store, cache, resync_seconds: float, retry_seconds: float = 0.2):
        self.store = store
        self.cache = cache
        self.resync_seconds = resync_seconds
        self.retry_seconds = retry_seconds
        self.controllers: list = []
        self._cond = threading.Condition()
        self._events: deque = deque()
        self._queue: OrderedDict = OrderedDict()
        self._urgent: OrderedDict = OrderedDict()   # heartbeats and health checks go before everything else
        self._timers: list = []
        self._seq = itertools.count()
        self._thread = None
        self._stopping = False
        self._token = None
        self._failures: dict = {}
        self.errors = 0

    def add(self, controller):
        self.controllers.append(controller)

    # --- called from any thread ---
    def enqueue(self, controller, item, urgent=False):
        with self._cond:
            (self._urgent if urgent else self._queue)[(id(controller), item)] = (controller, item)
            self._cond.notify()

    def enqueue_after(self, delay, controller, item, urgent=False):
        with self._cond:
            heapq.heappush(self._timers, (time.monotonic() + max(0.0, delay), next(self._seq), controller, item,
                                          urgent))
            self._cond.notify()

    def call_after(self, delay, fn):
        """Runs fn() in the runner thread after delay seconds."""
        self.enqueue_after(delay, _CALL, fn)

    def _on_store_event(self, event_type, key, obj, old=None):
        with self._cond:
            self._events.append((event_type, key, obj, old))
            self._cond.notify()

    # --- lifecycle ---
    def subscribe(self):
        """Subscribe before the initial listing so that nothing committed in between is missed.

        Events carry the committed objects themselves (no copy): the cache and the controllers only read them."""
        self._token = self.store.subscribe(self._on_store_event, copy=False)

    def start(self):
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self):
        if self._token is not None:
            self.store.unsubscribe(self._token)
            self._token = None
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self):
        next_resync = time.monotonic() + self.resync_seconds
        while True:
            with self._cond:
                while not self._stopping and not self._events and not self._queue and not self._urgent:
                    now = time.monotonic()
                    due = min(next_resync, self._timers[0][0] if self._timers else next_resync)
                    if due <= now:
                        break
                    self._cond.wait(timeout=due - now)
                if self._stopping:
                    return
                events = list(self._events)
                self._events.clear()
                now = time.monotonic()
                while self._timers and self._timers[0][0] <= now:
                    _, _, controller, item, urgent = heapq.heappop(self._timers)
                    if controller is _CALL:
                        self._queue[(id(item), "call")] = (controller, item)
                    else:
                        (self._urgent if urgent else self._queue)[(id(controller), item)] = (controller, item)
            for event_type, key, obj, old in events:
                self._dispatch_event(event_type, key, obj, old)
            if time.monotonic() >= next_resync:
                next_resync = time.monotonic() + self.resync_seconds
                for controller in self.controllers:
                    self._guard(controller.resync)
            self._work(limit=200)

    def _dispatch_event(self, event_type, key, obj, old):
        self.cache.apply(event_type, key, obj)
        for controller in self.controllers:
            try:
                controller.on_event(event_type, key, obj, old)
            except Exception:  # noqa: BLE001 - one broken handler must not stop the cluster
                self.errors += 1
                self.log.exception("%s failed handling %s %s", controller.name, event_type, key)

    def _work(self, limit):
        for _ in range(limit):
            with self._cond:
                if self._events and self.yield_to_events:
                    return
                if self._urgent:
                    _, (controller, item) = self._urgent.popitem(last=False)
                elif self._queue:
                    _, (controller, item) = self._queue.popitem(last=False)
                else:
                    return
            if controller is _CALL:
                self._guard(item)
            else:
                self._sync(controller, item)

    def _sync(self, controller, item):
        try:
            controller.sync(item)
            self._failures.pop((id(controller), item), None)
        except Exception as exc:  # noqa: BLE001 - one broken item must not stop the others
            self.errors += 1
            attempts = self._failures.get((id(controller), item), 0) + 1
            self._failures[(id(controller), item)] = attempts
            if getattr(exc, "code", None) != 409:
                self.log.warning("%s failed on %r (attempt %d): %s", controller.name, item, attempts, exc)
            self.enqueue_after(min(5.0, self.retry_seconds * attempts), controller, item)

    def _guard(self, fn):
        try:
            fn()
        except Exception:  # noqa: BLE001
            self.errors += 1
            self.log.exception("controller task failed")


class _Call:
    name = "call"


_CALL = _Call()
