"""The etcd operator's guard controller, as far as the lab needs it: every control-plane node has its
etcd-guard pod; one that is deleted is created again while its node exists."""

from .bootstrap import ETCD_NAMESPACE, guard_pod
from .controller import Controller
from .podtemplate import default_pod
from .podutil import labels_of, name_of, namespace_of

CONTROL_PLANE_LABEL = "node-role.kubernetes.io/master"


class EtcdGuards(Controller):
    name = "etcd-guard"

    def on_event(self, event_type, key, obj, old):
        if key == "nodes" and CONTROL_PLANE_LABEL in labels_of(obj):
            self.runner.enqueue(self, name_of(obj))
        elif key == "pods" and event_type == "DELETED" and namespace_of(obj) == ETCD_NAMESPACE:
            node = (obj.get("spec") or {}).get("nodeName")
            if node:
                self.runner.enqueue(self, node)

    def resync(self):
        for node in self.cache.list("nodes"):
            if CONTROL_PLANE_LABEL in labels_of(node):
                self.runner.enqueue(self, name_of(node))

    def sync(self, node_name):
        node = self.cache.get("nodes", "", node_name)
        if node is None or CONTROL_PLANE_LABEL not in labels_of(node):
            return
        if self.cache.get("pods", ETCD_NAMESPACE, f"etcd-guard-{node_name}") is None:
            self.api.ensure("pods", default_pod(guard_pod(node_name), self.timings.default_toleration_seconds))
