"""Small helpers over Kubernetes object dicts shared by the KubeVirt controllers."""
import datetime
import time


def now_rfc3339(clock=time.time) -> str:
    return datetime.datetime.fromtimestamp(clock(), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(obj: dict) -> dict:
    return obj.setdefault("metadata", {})


def name_of(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("name", "")


def namespace_of(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("namespace", "")


def uid_of(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("uid", "")


def labels_of(obj: dict) -> dict:
    return (obj.get("metadata") or {}).get("labels") or {}


def annotations_of(obj: dict) -> dict:
    return (obj.get("metadata") or {}).get("annotations") or {}


def is_deleting(obj: dict) -> bool:
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def find_condition(obj: dict, type_: str) -> dict | None:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == type_:
            return condition
    return None


def condition_is_true(obj: dict, type_: str) -> bool:
    condition = find_condition(obj, type_)
    return bool(condition) and condition.get("status") == "True"


def set_condition(conditions: list, type_: str, status: str, reason: str = "", message: str = "",
                  now: str = "") -> list:
    """A new list with the condition replaced; lastTransitionTime only moves when the status changes."""
    previous = next((c for c in conditions if c.get("type") == type_), None)
    condition = {"type": type_, "status": status, "lastProbeTime": None,
                 "lastTransitionTime": now if previous is None or previous.get("status") != status
                 else previous.get("lastTransitionTime")}
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    out = [c for c in conditions if c.get("type") != type_]
    out.append(condition)
    return out


def owner_reference(owner: dict, controller: bool = True) -> dict:
    return {"apiVersion": owner.get("apiVersion"), "kind": owner.get("kind"), "name": name_of(owner),
            "uid": uid_of(owner), "controller": controller, "blockOwnerDeletion": True}


def has_finalizer(obj: dict, finalizer: str) -> bool:
    return finalizer in ((obj.get("metadata") or {}).get("finalizers") or [])


def without_finalizer(obj: dict, finalizer: str) -> dict | None:
    finalizers = (obj.get("metadata") or {}).get("finalizers") or []
    if finalizer not in finalizers:
        return None
    obj["metadata"]["finalizers"] = [f for f in finalizers if f != finalizer]
    return obj


def with_finalizer(obj: dict, finalizer: str) -> dict | None:
    finalizers = meta(obj).setdefault("finalizers", [])
    if finalizer in finalizers:
        return None
    finalizers.append(finalizer)
    return obj


def vm_key(namespace: str, name: str) -> str:
    return f"{namespace}/{name}"
