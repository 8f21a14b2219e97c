"""A single worker thread running callbacks now or after a delay, in order; errors are logged, never fatal."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time

LOG = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, name: str):
        self.name = name
        self._queue: list = []
        self._counter = itertools.count()
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout=5)

    def call(self, fn, delay: float = 0.0) -> None:
        with self._cond:
            heapq.heappush(self._queue, (time.monotonic() + delay, next(self._counter), fn))
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (not self._queue or self._queue[0][0] > time.monotonic()):
                    timeout = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._cond.wait(timeout)
                if self._stopping:
                    return
                _, _, fn = heapq.heappop(self._queue)
            try:
                fn()
            except Exception:  # noqa: BLE001 - one failed step must not stop the controller
                LOG.exception("%s: step failed", self.name)
