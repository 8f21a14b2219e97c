"""The thread that runs KubeVirt's controllers (virt-controller is its own process on a real cluster).

It is lab.cluster's controller runner with one change: a batch of queued work is not abandoned as soon as a new
store event arrives. The whole lab writes to the store all the time; yielding to every event starved KubeVirt's
queue on large scenarios. Events only enqueue work, so handling them a little later costs no correctness.
It also takes store events without a private copy: the loops only read them and the index shares them read-only,
so copying every object of every write in the lab (tens of thousands per second at scale) bought nothing.
"""
import logging

from ..cluster.runner import _CALL, Runner

log = logging.getLogger("lab.kubevirt")


class KubeVirtRunner(Runner):
    def subscribe(self):
        self._token = self.store.subscribe(self._on_store_event, copy=False)

    def _work(self, limit):
        for _ in range(limit):
            with self._cond:
                if not self._queue:
                    return
                _, (controller, item) = self._queue.popitem(last=False)
            if controller is _CALL:
                self._guard(item)
                continue
            try:
                controller.sync(item)
                self._failures.pop((id(controller), item), None)
            except Exception as exc:  # noqa: BLE001 - one broken item must not stop the others
                self.errors += 1
                attempts = self._failures.get((id(controller), item), 0) + 1
                self._failures[(id(controller), item)] = attempts
                if getattr(exc, "code", None) != 409:
                    log.warning("%s failed on %r (attempt %d): %s", controller.name, item, attempts, exc)
                self.enqueue_after(min(5.0, self.retry_seconds * attempts), controller, item)
