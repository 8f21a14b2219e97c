"""Evacuation controller: migrates VMIs marked with status.evacuationNodeName away from that node.

Like KubeVirt's, it only creates as many migrations as the limits leave room for, and retries failed
evacuation migrations with an exponential backoff.
"""
import time

from . import crds
from .kubevirt_cr import vmi_eviction_strategy
from .migration_admission import VMI_NAME_LABEL, mutate_migration
from .migration_plan import FINAL_PHASES, evacuation_capacity, phase_of
from .objects import name_of, namespace_of, uid_of
from ..apiserver.errors import ApiError

EVACUATION_ANNOTATION = "kubevirt.io/evacuationMigration"
ALL = ("all",)


def evacuation_migration(vmi: dict, node: str) -> dict:
    migration = {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachineInstanceMigration",
        "metadata": {"generateName": "kubevirt-evacuation-", "namespace": namespace_of(vmi),
                     "annotations": {EVACUATION_ANNOTATION: node}},
        "spec": {"vmiName": name_of(vmi)},
    }
    mutate_migration(migration)
    return migration


def backoff_seconds(failures: int, first: float, ceiling: float) -> float:
    return 0.0 if failures <= 0 else min(ceiling, first * 2 ** (failures - 1))


class EvacuationController:
    name = "kubevirt-evacuation"

    def __init__(self, store, index, settings, cluster_config, requeue, monotonic=time.monotonic):
        self.store = store
        self.index = index
        self.settings = settings
        self.cluster_config = cluster_config
        self.requeue = requeue
        self.monotonic = monotonic
        self._failure_seen: dict[str, tuple[int, float]] = {}   # VMI uid -> (failures, when first seen)

    def _failures(self, vmi) -> int:
        """Consecutive failed evacuation migrations of this VMI."""
        history = sorted(self.index.migrations_of(namespace_of(vmi), name_of(vmi)),
                         key=lambda m: m["metadata"].get("creationTimestamp", ""))
        count = 0
        for migration in history:
            if EVACUATION_ANNOTATION not in (migration["metadata"].get("annotations") or {}):
                continue
            if phase_of(migration) == "Failed":
                count += 1
            elif phase_of(migration) == "Succeeded":
                count = 0
        return count

    def sync(self, item=ALL):
        config = self.cluster_config().migrations
        vmi_nodes = self.index.vmi_nodes()
        retry_in = None
        for vmi in sorted(self.index.vmis(), key=lambda v: (namespace_of(v), name_of(v))):
            status = vmi.get("status") or {}
            node = status.get("evacuationNodeName")
            if not node:
                continue
            if status.get("nodeName") != node:
                self._clear(vmi)
                continue
            if status.get("phase") != "Running":
                continue
            if vmi_eviction_strategy(self.cluster_config(), vmi) == "External":
                continue    # marked for an external controller (e.g. cluster-api-provider-kubevirt) to act on
            migrations = self.index.migrations_of(namespace_of(vmi), name_of(vmi))
            if any(phase_of(m) not in FINAL_PHASES for m in migrations):
                continue
            failures = self._failures(vmi)
            seen = self._failure_seen.get(uid_of(vmi))
            if seen is None or seen[0] != failures:
                seen = self._failure_seen[uid_of(vmi)] = (failures, self.monotonic())
            wait = backoff_seconds(failures, float(self.settings["evacuation_backoff_seconds"]),
                                   float(self.settings["evacuation_backoff_max_seconds"]))
            if wait:
                remaining = wait - (self.monotonic() - seen[1])
                if remaining > 0:
                    retry_in = remaining if retry_in is None else min(retry_in, remaining)
                    continue
            if evacuation_capacity(self.index.all_migrations(), vmi_nodes, config, node) <= 0:
                continue
            if not self._still_needed(vmi, node):
                continue
            created = self.store.create(crds.VMIM_KEY, evacuation_migration(vmi, node), copy=False)
            self.index.put(crds.VMIM_KEY, created)
        if retry_in is not None:
            self.requeue(retry_in, ALL)

    def _still_needed(self, vmi, node) -> bool:
        """Re-check against the store: the index may not have seen a migration that just moved the VMI."""
        try:
            fresh = self.store.get(crds.VMI_KEY, namespace_of(vmi), name_of(vmi))
        except ApiError:
            return False
        status = fresh.get("status") or {}
        if status.get("evacuationNodeName") != node or status.get("nodeName") != node \
                or status.get("phase") != "Running":
            return False
        others, _ = self.store.list(crds.VMIM_KEY, namespace_of(vmi),
                                    label_selector=f"{VMI_NAME_LABEL}={name_of(vmi)}")
        return all(phase_of(m) in FINAL_PHASES for m in others)

    def _clear(self, vmi):
        def apply(obj):
            if uid_of(obj) != uid_of(vmi):
                return None
            status = obj.setdefault("status", {})
            if not status.get("evacuationNodeName") or status.get("nodeName") == status["evacuationNodeName"]:
                return None
            status.pop("evacuationNodeName")
            return obj
        try:
            self.store.mutate(crds.VMI_KEY, namespace_of(vmi), name_of(vmi), apply, subresource="status", copy=False)
        except ApiError as error:
            if error.code != 404:
                raise

