"""An informer-like local copy of the objects the cluster controllers read, fed by store events and by the
controllers' own writes (so a controller sees what it just wrote). Objects in here are shared: never mutate them."""

import threading

from .podutil import meta

CACHED_KEYS = (
    "nodes",
    "pods",
    "namespaces",
    "leases.coordination.k8s.io",
    "poddisruptionbudgets.policy",
    "replicasets.apps",
    "deployments.apps",
    "daemonsets.apps",
    "statefulsets.apps",
    "volumeattachments.storage.k8s.io",
)


def _rv(obj) -> int:
    try:
        return int(meta(obj).get("resourceVersion") or 0)
    except ValueError:
        return 0


class Cache:
    def __init__(self):
        self._lock = threading.RLock()
        self._objects: dict[str, dict] = {key: {} for key in CACHED_KEYS}
        self._pods_by_node: dict[str, dict] = {}
        self._deleted_uids: set = set()

    def handles(self, key) -> bool:
        return key in self._objects

    def apply(self, event_type, key, obj):
        if key not in self._objects or not obj:
            return
        if event_type == "DELETED":
            self.remove(key, obj)
        else:
            self.put(key, obj)

    def put(self, key, obj):
        if key not in self._objects or not obj:
            return
        md = meta(obj)
        ident = (md.get("namespace") or "", md.get("name"))
        with self._lock:
            if md.get("uid") in self._deleted_uids:
                return
            current = self._objects[key].get(ident)
            if current is not None and meta(current).get("uid") == md.get("uid") and _rv(current) > _rv(obj):
                return
            self._objects[key][ident] = obj
            if key == "pods":
                self._index_pod(ident, current, obj)

    def remove(self, key, obj):
        if key not in self._objects or not obj:
            return
        md = meta(obj)
        ident = (md.get("namespace") or "", md.get("name"))
        with self._lock:
            if md.get("uid"):
                self._deleted_uids.add(md.get("uid"))
            current = self._objects[key].get(ident)
            if current is None or (md.get("uid") and meta(current).get("uid") != md.get("uid")):
                return
            del self._objects[key][ident]
            if key == "pods":
                self._index_pod(ident, current, None)

    def _index_pod(self, ident, old, new):
        old_node = ((old or {}).get("spec") or {}).get("nodeName")
        new_node = ((new or {}).get("spec") or {}).get("nodeName")
        if old_node and old_node != new_node:
            self._pods_by_node.get(old_node, {}).pop(ident, None)
        if new_node:
            self._pods_by_node.setdefault(new_node, {})[ident] = new

    def get(self, key, namespace, name):
        with self._lock:
            return self._objects.get(key, {}).get((namespace or "", name))

    def list(self, key, namespace=None) -> list:
        with self._lock:
            objects = self._objects.get(key, {})
            if namespace is None:
                return list(objects.values())
            return [obj for (ns, _), obj in objects.items() if ns == namespace]

    def pods_on(self, node) -> list:
        with self._lock:
            return list(self._pods_by_node.get(node, {}).values())

    def node_names(self) -> list:
        with self._lock:
            return [name for (_, name) in self._objects["nodes"]]
