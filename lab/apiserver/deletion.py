"""What a DELETE does to an object: pure decisions, applied by the store.

Kubernetes keeps an object while finalizers remain, gives bound pods a grace period their kubelet ends, and
records the propagation policy as the `foregroundDeletion` or `orphan` finalizer for the garbage collector.
"""
from dataclasses import dataclass

from .clock import timestamp

SYSTEM_FINALIZERS = ("orphan", "foregroundDeletion")
KEEP, MARK, REMOVE = "keep", "mark", "remove"


@dataclass
class DeletePlan:
    action: str          # KEEP: nothing changes; MARK: store `obj` with deletionTimestamp; REMOVE: delete `obj`
    obj: dict


def grace_period(key, obj, requested) -> int:
    """Only bound, unfinished pods are deleted gracefully; their default is terminationGracePeriodSeconds."""
    if key != "pods":
        return 0
    spec = obj.get("spec") or {}
    if not spec.get("nodeName") or (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return 0
    if requested is not None:
        return max(int(requested), 0)
    return int(spec.get("terminationGracePeriodSeconds", 30))


def blocking_finalizers(key, obj) -> list:
    finalizers = list(obj["metadata"].get("finalizers") or [])
    if key == "namespaces":
        finalizers += (obj.get("spec") or {}).get("finalizers") or []
    return finalizers


def deletion_complete(key, obj) -> bool:
    """An object marked for deletion goes once its grace period is over and no finalizer holds it."""
    meta = obj["metadata"]
    return (bool(meta.get("deletionTimestamp")) and meta.get("deletionGracePeriodSeconds", 0) == 0
            and not blocking_finalizers(key, obj))


def _finalizers_for(policy, current) -> list:
    if not policy:
        return list(current)
    finalizers = [f for f in current if f not in SYSTEM_FINALIZERS]
    if policy == "Foreground":
        finalizers.append("foregroundDeletion")
    elif policy == "Orphan":
        finalizers.append("orphan")
    return finalizers


def plan(key, current: dict, requested_grace, propagation_policy, now: float) -> DeletePlan:
    """The outcome of deleting `current` (a copy the plan may modify)."""
    meta = current["metadata"]
    before = list(meta.get("finalizers") or [])
    finalizers = _finalizers_for(propagation_policy, before)
    if finalizers:
        meta["finalizers"] = finalizers
    else:
        meta.pop("finalizers", None)
    grace = grace_period(key, current, requested_grace)
    already = meta.get("deletionTimestamp")
    if already and grace >= meta.get("deletionGracePeriodSeconds", 0) and finalizers == before:
        return DeletePlan(KEEP, current)
    if grace > 0 or blocking_finalizers(key, current):
        meta["deletionTimestamp"] = timestamp(now + grace) if grace > 0 or not already else already
        meta["deletionGracePeriodSeconds"] = grace
        if not already and "generation" in meta:
            meta["generation"] += 1
        if key == "namespaces":
            current.setdefault("status", {})["phase"] = "Terminating"
        return DeletePlan(MARK, current)
    if not already:
        meta["deletionTimestamp"] = timestamp(now)
        meta["deletionGracePeriodSeconds"] = 0
    return DeletePlan(REMOVE, current)
