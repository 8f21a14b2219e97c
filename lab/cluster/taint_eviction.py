"""Taint-based eviction (the NoExecute taint manager): a pod on a node with NoExecute taints it does not
tolerate is deleted at once; one that tolerates them for tolerationSeconds is deleted when that time is up,
counted from when the controller first saw the pod under those taints. Deletion is graceful, so on a dead node
the pod stays Terminating until its kubelet returns or someone force-deletes it."""

import time

from .podutil import is_deleting, is_terminal, name_of, namespace_of, now_rfc3339, set_condition, uid_of
from .taints import eviction_delay


def noexecute_taints(node) -> list:
    return [t for t in ((node or {}).get("spec") or {}).get("taints") or [] if t.get("effect") == "NoExecute"]


class TaintEviction:
    name = "taint-eviction"

    def __init__(self, api, cache, runner, recorder):
        self.api = api
        self.cache = cache
        self.runner = runner
        self.recorder = recorder
        self._since: dict = {}   # pod uid -> monotonic time its eviction countdown started

    def on_event(self, event_type, key, obj, old):
        if key == "nodes":
            if noexecute_taints(obj) or noexecute_taints(old):
                self.runner.enqueue(self, ("node", name_of(obj)))
        elif key == "pods":
            node = (obj.get("spec") or {}).get("nodeName")
            if event_type == "DELETED":
                self._since.pop(uid_of(obj), None)
            elif node and noexecute_taints(self.cache.get("nodes", "", node)):
                self.runner.enqueue(self, ("pod", namespace_of(obj), name_of(obj)))

    def resync(self):
        for node in self.cache.list("nodes"):
            if noexecute_taints(node):
                self.runner.enqueue(self, ("node", name_of(node)))

    def sync(self, item):
        if item[0] == "node":
            for pod in self.cache.pods_on(item[1]):
                self._process(pod)
        else:
            pod = self.cache.get("pods", item[1], item[2])
            if pod is not None:
                self._process(pod)

    def _process(self, pod):
        uid = uid_of(pod)
        node = self.cache.get("nodes", "", (pod.get("spec") or {}).get("nodeName"))
        taints = noexecute_taints(node)
        if is_deleting(pod) or is_terminal(pod) or not taints:
            self._since.pop(uid, None)
            return
        delay = eviction_delay((pod.get("spec") or {}).get("tolerations") or [], taints)
        if delay is None:
            self._since.pop(uid, None)
            return
        started = self._since.setdefault(uid, time.monotonic())
        remaining = started + delay - time.monotonic()
        if remaining > 0:
            self.runner.enqueue_after(remaining, self, ("pod", namespace_of(pod), name_of(pod)))
            return
        self._evict(pod)

    def _evict(self, pod):
        now = now_rfc3339()

        def mark(obj):
            set_condition(obj, "DisruptionTarget", "True", reason="DeletionByTaintManager",
                          message="Taint manager: deleting due to NoExecute taint", now=now)
            return obj

        namespace, name = namespace_of(pod), name_of(pod)
        self.api.mutate("pods", namespace, name, mark, subresource="status")
        self.recorder.record(pod, "TaintManagerEviction", f"Marking for deletion Pod {namespace}/{name}")
        self.api.delete("pods", namespace, name, uid=uid_of(pod))
        self._since.pop(uid_of(pod), None)
