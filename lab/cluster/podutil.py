"""Read-only questions about pods, nodes and their conditions, shared by the controllers."""

from datetime import datetime, timezone

from lab.quantity import parse_quantity

TERMINAL_PHASES = ("Succeeded", "Failed")
# The scheduler scores pods that request nothing as if they asked for this much (kube-scheduler's non-zero defaults).
SCORING_DEFAULT_CPU = 0.1
SCORING_DEFAULT_MEMORY = 200 * 1024 * 1024


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_micro() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text):
    if not text:
        return None
    text = text.replace("Z", "+00:00")
    return datetime.fromisoformat(text).timestamp()


def meta(obj) -> dict:
    return obj.get("metadata") or {}


def name_of(obj) -> str:
    return meta(obj).get("name", "")


def namespace_of(obj) -> str:
    return meta(obj).get("namespace", "")


def uid_of(obj) -> str:
    return meta(obj).get("uid", "")


def labels_of(obj) -> dict:
    return meta(obj).get("labels") or {}


def is_deleting(obj) -> bool:
    return bool(meta(obj).get("deletionTimestamp"))


def phase(pod) -> str:
    return (pod.get("status") or {}).get("phase") or "Pending"


def is_terminal(pod) -> bool:
    return phase(pod) in TERMINAL_PHASES


def is_active(pod) -> bool:
    """Counts toward a controller's replicas: not finished and not being deleted."""
    return not is_terminal(pod) and not is_deleting(pod)


def condition(obj, ctype):
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == ctype:
            return cond
    return None


def condition_status(obj, ctype) -> str:
    cond = condition(obj, ctype)
    return cond.get("status", "Unknown") if cond else "Unknown"


def is_pod_ready(pod) -> bool:
    return phase(pod) == "Running" and condition_status(pod, "Ready") == "True"


def set_condition(obj, ctype, status, reason=None, message=None, now=None, heartbeat=False) -> bool:
    """Sets a condition in place; lastTransitionTime moves only when the status changes. Returns True if changed."""
    now = now or now_rfc3339()
    conds = obj.setdefault("status", {}).setdefault("conditions", [])
    for cond in conds:
        if cond.get("type") == ctype:
            changed = cond.get("status") != status
            if changed:
                cond["lastTransitionTime"] = now
            if (reason is not None and cond.get("reason") != reason) or (
                message is not None and cond.get("message") != message
            ):
                changed = True
            cond["status"] = status
            if reason is not None:
                cond["reason"] = reason
            if message is not None:
                cond["message"] = message
            if heartbeat:
                cond["lastHeartbeatTime"] = now
            return changed or heartbeat
    new = {"type": ctype, "status": status, "lastTransitionTime": now}
    if heartbeat:
        new["lastHeartbeatTime"] = now
    if reason is not None:
        new["reason"] = reason
    if message is not None:
        new["message"] = message
    conds.append(new)
    return True


def controller_ref(obj):
    for ref in meta(obj).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def owner_ref(owner: dict, controller=True, block=True) -> dict:
    return {
        "apiVersion": owner.get("apiVersion", "v1"),
        "kind": owner.get("kind", ""),
        "name": name_of(owner),
        "uid": uid_of(owner),
        "controller": controller,
        "blockOwnerDeletion": block,
    }


_REQUESTS_MEMO: dict = {}


def pod_requests(pod) -> dict:
    """Effective requests: sum over containers (limits stand in for missing requests), max with each init
    container, plus the pod overhead. Memoized per pod uid and generation (a pod's spec changes bump it)."""
    md = pod.get("metadata") or {}
    memo_key = (md.get("uid"), md.get("generation")) if md.get("uid") else None
    if memo_key is not None:
        known = _REQUESTS_MEMO.get(memo_key)
        if known is not None:
            return known
    total = _compute_requests(pod)
    if memo_key is not None:
        if len(_REQUESTS_MEMO) > 200000:
            _REQUESTS_MEMO.clear()
        _REQUESTS_MEMO[memo_key] = total
    return total


def _compute_requests(pod) -> dict:
    spec = pod.get("spec") or {}
    total: dict = {}
    for container in spec.get("containers") or []:
        for res, qty in _container_requests(container).items():
            total[res] = total.get(res, 0.0) + qty
    for container in spec.get("initContainers") or []:
        for res, qty in _container_requests(container).items():
            total[res] = max(total.get(res, 0.0), qty)
    for res, qty in (spec.get("overhead") or {}).items():
        total[res] = total.get(res, 0.0) + parse_quantity(qty)
    return total


def _container_requests(container) -> dict:
    resources = container.get("resources") or {}
    merged = dict(resources.get("limits") or {})
    merged.update(resources.get("requests") or {})
    return {res: parse_quantity(qty) for res, qty in merged.items()}


def node_allocatable(node) -> dict:
    status = node.get("status") or {}
    source = status.get("allocatable") or status.get("capacity") or {}
    return {res: parse_quantity(qty) for res, qty in source.items()}


def node_ready_status(node) -> str:
    return condition_status(node, "Ready")


def taints_of(node) -> list:
    return (node.get("spec") or {}).get("taints") or []
