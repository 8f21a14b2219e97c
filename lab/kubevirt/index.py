"""Indexes over store events that the KubeVirt controllers read instead of scanning every pod.

Fed by the runner (as its "cache") before controllers see an event; objects held here are shared: never
mutate them.
"""
import threading

from . import crds
from .launcher import APP_LABEL, CREATED_BY_LABEL


def _rv(obj) -> int:
    try:
        return int((obj.get("metadata") or {}).get("resourceVersion") or 0)
    except ValueError:
        return 0


def _newer(obj, current) -> bool:
    if current is None or current["metadata"].get("uid") != obj["metadata"].get("uid"):
        return True
    return _rv(obj) >= _rv(current)


class KubeVirtIndex:
    def __init__(self):
        self._lock = threading.RLock()
        self._launchers: dict[str, dict[str, dict]] = {}     # VMI uid -> {pod uid: pod}
        self._migrations: dict[tuple, dict[str, dict]] = {}  # (namespace, vmi) -> {vmim uid: vmim}
        self._vmis: dict[tuple, dict] = {}                   # (namespace, name) -> vmi
        self._vms: set = set()                               # (namespace, name) of VirtualMachines
        self._deleted: set = set()                           # uids seen deleted: late events must not revive them

    def prime(self, store):
        pods, _ = store.list("pods", label_selector=f"{APP_LABEL}=virt-launcher")
        for pod in pods:
            self.apply("ADDED", "pods", pod)
        for key in (crds.VMIM_KEY, crds.VMI_KEY, crds.VM_KEY):
            objects, _ = store.list(key)
            for obj in objects:
                self.apply("ADDED", key, obj)

    def apply(self, event_type, key, obj):
        if not obj:
            return
        meta = obj.get("metadata") or {}
        with self._lock:
            if event_type == "DELETED":
                self._deleted.add(meta.get("uid"))
            elif meta.get("uid") in self._deleted:
                return
            if key == crds.VM_KEY:
                ident = (meta.get("namespace"), meta.get("name"))
                if event_type == "DELETED":
                    self._vms.discard(ident)
                else:
                    self._vms.add(ident)
            elif key == "pods":
                owner = (meta.get("labels") or {}).get(CREATED_BY_LABEL)
                if not owner or (meta.get("labels") or {}).get(APP_LABEL) != "virt-launcher":
                    return
                pods = self._launchers.setdefault(owner, {})
                if event_type == "DELETED":
                    pods.pop(meta.get("uid"), None)
                    if not pods:
                        self._launchers.pop(owner, None)
                elif _newer(obj, pods.get(meta.get("uid"))):
                    pods[meta.get("uid")] = obj
            elif key == crds.VMIM_KEY:
                ident = (meta.get("namespace"), (obj.get("spec") or {}).get("vmiName"))
                migrations = self._migrations.setdefault(ident, {})
                if event_type == "DELETED":
                    migrations.pop(meta.get("uid"), None)
                    if not migrations:
                        self._migrations.pop(ident, None)
                elif _newer(obj, migrations.get(meta.get("uid"))):
                    migrations[meta.get("uid")] = obj
            elif key == crds.VMI_KEY:
                ident = (meta.get("namespace"), meta.get("name"))
                if event_type == "DELETED":
                    current = self._vmis.get(ident)
                    if current is not None and current["metadata"].get("uid") == meta.get("uid"):
                        self._vmis.pop(ident, None)
                elif _newer(obj, self._vmis.get(ident)):
                    self._vmis[ident] = obj

    def put(self, key, obj):
        self.apply("MODIFIED", key, obj)

    def launcher_pods(self, vmi_uid: str) -> list:
        with self._lock:
            pods = list((self._launchers.get(vmi_uid) or {}).values())
        return sorted(pods, key=lambda p: (p["metadata"].get("creationTimestamp", ""),
                                           int(p["metadata"].get("resourceVersion") or 0)))

    def pod_exists(self, pod_uid: str) -> bool:
        with self._lock:
            return any(pod_uid in pods for pods in self._launchers.values())

    def migrations_of(self, namespace: str, vmi_name: str) -> list:
        with self._lock:
            return list((self._migrations.get((namespace, vmi_name)) or {}).values())

    def all_migrations(self) -> list:
        with self._lock:
            return [m for group in self._migrations.values() for m in group.values()]

    def vm_idents(self) -> list:
        with self._lock:
            return sorted(self._vms)

    def vmis(self) -> list:
        with self._lock:
            return list(self._vmis.values())

    def vmi(self, namespace: str, name: str) -> dict | None:
        with self._lock:
            return self._vmis.get((namespace, name))

    def vmi_nodes(self) -> dict:
        with self._lock:
            return {ident: (vmi.get("status") or {}).get("nodeName") for ident, vmi in self._vmis.items()}
