"""Pod garbage collection: force-deletes pods bound to nodes that no longer exist (after a quarantine), and
Terminating pods of a node that is not Ready and carries node.kubernetes.io/out-of-service:NoExecute; for such a
node it also removes the VolumeAttachments, as the attach-detach controller's forced detach leads to."""

import time

from .podutil import is_deleting, meta, name_of, namespace_of, node_ready_status, now_rfc3339, set_condition, uid_of
from .taints import OUT_OF_SERVICE, has_taint

VOLUME_ATTACHMENTS = "volumeattachments.storage.k8s.io"


def out_of_service(node) -> bool:
    return node is not None and node_ready_status(node) != "True" and has_taint(node, OUT_OF_SERVICE, "NoExecute")


class PodGC:
    name = "pod-gc"

    def __init__(self, api, cache, timings, runner, recorder):
        self.api = api
        self.cache = cache
        self.timings = timings
        self.runner = runner
        self.recorder = recorder
        self._missing_since: dict = {}

    def on_event(self, event_type, key, obj, old):
        if key == "nodes":
            name = name_of(obj)
            if event_type == "DELETED":
                self.runner.enqueue(self, ("orphans", name))
            elif out_of_service(obj):
                self.runner.enqueue(self, ("out-of-service", name))
        elif key == "pods" and event_type != "DELETED":
            node = (obj.get("spec") or {}).get("nodeName")
            if node and is_deleting(obj) and out_of_service(self.cache.get("nodes", "", node)):
                self.runner.enqueue(self, ("out-of-service", node))
        elif key == VOLUME_ATTACHMENTS and event_type != "DELETED":
            node = (obj.get("spec") or {}).get("nodeName")
            if node and out_of_service(self.cache.get("nodes", "", node)):
                self.runner.enqueue(self, ("out-of-service", node))

    def resync(self):
        nodes = set(self.cache.node_names())
        for node in nodes:
            if out_of_service(self.cache.get("nodes", "", node)):
                self.runner.enqueue(self, ("out-of-service", node))
        bound = {(p.get("spec") or {}).get("nodeName") for p in self.cache.list("pods")}
        for node in bound - nodes - {None, ""}:
            self.runner.enqueue(self, ("orphans", node))

    def sync(self, item):
        kind, node = item
        if kind == "orphans":
            self._orphans(node)
        else:
            self._out_of_service(node)

    def _orphans(self, node):
        if self.cache.get("nodes", "", node) is not None:
            self._missing_since.pop(node, None)
            return
        since = self._missing_since.setdefault(node, time.monotonic())
        remaining = since + self.timings.orphan_pod_quarantine_seconds - time.monotonic()
        if remaining > 0:
            self.runner.enqueue_after(remaining, self, ("orphans", node))
            return
        for pod in self.cache.pods_on(node):
            self._force_delete(pod, "PodGC: node no longer exists")
        self._missing_since.pop(node, None)

    def _out_of_service(self, node_name):
        node = self.cache.get("nodes", "", node_name)
        if not out_of_service(node):
            return
        for pod in self.cache.pods_on(node_name):
            if is_deleting(pod):
                self._force_delete(pod, "PodGC: node is out of service")
        if self.api.registered(VOLUME_ATTACHMENTS):
            for attachment in self.cache.list(VOLUME_ATTACHMENTS):
                if (attachment.get("spec") or {}).get("nodeName") == node_name:
                    self._detach(attachment)

    def _force_delete(self, pod, message):
        now = now_rfc3339()

        def failed(obj):
            status = obj.setdefault("status", {})
            if status.get("phase") in ("Succeeded", "Failed"):
                return None
            status["phase"] = "Failed"
            set_condition(obj, "DisruptionTarget", "True", reason="DeletionByPodGC", message=message, now=now)
            return obj

        namespace, name = namespace_of(pod), name_of(pod)
        self.api.mutate("pods", namespace, name, failed, subresource="status")
        self.api.delete("pods", namespace, name, grace_period_seconds=0, uid=uid_of(pod))

    def _detach(self, attachment):
        name = name_of(attachment)
        if meta(attachment).get("finalizers"):
            def release(obj):
                obj["metadata"].pop("finalizers", None)
                return obj
            self.api.mutate(VOLUME_ATTACHMENTS, "", name, release)
        self.api.delete(VOLUME_ATTACHMENTS, "", name, uid=uid_of(attachment))
