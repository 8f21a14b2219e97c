"""Taint and toleration matching, as the scheduler, node lifecycle and DaemonSet controllers apply it."""

UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
OUT_OF_SERVICE = "node.kubernetes.io/out-of-service"


def tolerates(toleration: dict, taint: dict) -> bool:
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    operator = toleration.get("operator") or "Equal"
    if not key:
        return operator == "Exists"
    if key != taint.get("key"):
        return False
    if operator == "Exists":
        return True
    return (toleration.get("value") or "") == (taint.get("value") or "")


def untolerated(tolerations: list, taints: list, effects=("NoSchedule", "NoExecute")) -> list:
    return [t for t in taints if t.get("effect") in effects and not any(tolerates(tol, t) for tol in tolerations)]


def taint_label(taint: dict) -> str:
    """The scheduler's rendering of a taint in FailedScheduling messages: {key: value}."""
    return "{%s: %s}" % (taint.get("key"), taint.get("value") or "")


def eviction_delay(tolerations: list, noexecute_taints: list):
    """None: the pod tolerates the taints forever; 0: evict now; otherwise seconds to wait (the smallest
    tolerationSeconds among the tolerations that match, as the taint eviction controller computes)."""
    smallest = None
    for taint in noexecute_taints:
        matching = [tol for tol in tolerations if tolerates(tol, taint)]
        if not matching:
            return 0
        for tol in matching:
            seconds = tol.get("tolerationSeconds")
            if seconds is None:
                continue
            seconds = max(0, int(seconds))
            smallest = seconds if smallest is None else min(smallest, seconds)
    return smallest


def has_taint(node: dict, key: str, effect: str | None = None) -> bool:
    for taint in (node.get("spec") or {}).get("taints") or []:
        if taint.get("key") == key and (effect is None or taint.get("effect") == effect):
            return True
    return False
