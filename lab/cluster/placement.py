"""Pure scheduling decisions: whether a pod fits a node (with the kube-scheduler's reason texts), how a node
scores, and the FailedScheduling message. Filters run in kube-scheduler's order and stop at the first failure:
NodeUnschedulable, TaintToleration, NodeAffinity (nodeSelector + required affinity), NodeResourcesFit,
InterPodAffinity (required anti-affinity of the pod and of the pods already there)."""

import json

from .podutil import (SCORING_DEFAULT_CPU, SCORING_DEFAULT_MEMORY, is_terminal, labels_of, name_of,
                      namespace_of, node_allocatable, pod_requests)
from lab.quantity import parse_quantity
from .taints import UNSCHEDULABLE, taint_label, tolerates, untolerated

UNSCHEDULABLE_REASON = "node(s) were unschedulable"
AFFINITY_REASON = "node(s) didn't match Pod's node affinity/selector"
ANTI_AFFINITY_REASON = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY_REASON = "node(s) didn't satisfy existing pods anti-affinity rules"
TOO_MANY_PODS = "Too many pods"


# --- label and field matching ---
def match_expression(values_of, expr) -> bool:
    key, op = expr.get("key"), expr.get("operator")
    values = expr.get("values") or []
    present, value = values_of(key)
    if op == "In":
        return present and value in values
    if op == "NotIn":
        return not present or value not in values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    if op in ("Gt", "Lt"):
        try:
            mine, bound = int(value), int(values[0])
        except (TypeError, ValueError, IndexError):
            return False
        return present and (mine > bound if op == "Gt" else mine < bound)
    return False


def node_selector_term_matches(term: dict, node: dict) -> bool:
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False        # an empty term selects nothing
    labels = labels_of(node)

    def label(key):
        return key in labels, labels.get(key)

    def field(key):
        return (True, name_of(node)) if key == "metadata.name" else (False, None)

    return all(match_expression(label, e) for e in expressions) and all(match_expression(field, f) for f in fields)


def label_selector_matches(selector: dict | None, labels: dict) -> bool:
    """metav1.LabelSelector; a nil selector matches nothing, an empty one everything."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False

    def label(key):
        return key in labels, labels.get(key)

    return all(match_expression(label, e) for e in selector.get("matchExpressions") or [])


def node_affinity_matches(pod: dict, node: dict) -> bool:
    spec = pod.get("spec") or {}
    labels = labels_of(node)
    for key, value in (spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution"))
    if required is None:
        return True
    return any(node_selector_term_matches(t, node) for t in required.get("nodeSelectorTerms") or [])


# --- inter-pod anti-affinity ---
def _anti_affinity_terms(pod) -> list:
    anti = ((pod.get("spec") or {}).get("affinity") or {}).get("podAntiAffinity") or {}
    return anti.get("requiredDuringSchedulingIgnoredDuringExecution") or []


def _term_selects(term, owner_pod, candidate, namespace_labels) -> bool:
    if "namespaceSelector" in term and term.get("namespaceSelector") is not None:
        ns_ok = label_selector_matches(term["namespaceSelector"], namespace_labels.get(namespace_of(candidate), {}))
        ns_ok = ns_ok or namespace_of(candidate) in (term.get("namespaces") or [])
    else:
        ns_ok = namespace_of(candidate) in (term.get("namespaces") or [namespace_of(owner_pod)])
    return ns_ok and label_selector_matches(term.get("labelSelector"), labels_of(candidate))


def has_anti_affinity(pod) -> bool:
    return bool(_anti_affinity_terms(pod))


def pods_with_anti_affinity(infos) -> list:
    """(pod, node) pairs of the placed pods that carry required anti-affinity terms (computed once per pass)."""
    return [(other, info.node) for info in infos for other in info.anti_affinity_pods]


def _same_domain_nodes(key, node, nodes_by_name):
    if key == "kubernetes.io/hostname":
        return [name_of(node)]
    value = labels_of(node).get(key)
    return [name for name, other in nodes_by_name.items() if labels_of(other).get(key) == value]


def anti_affinity_reason(pod, node, nodes_by_name, pods_by_node, namespace_labels, placed_with_terms=None):
    node_labels = labels_of(node)
    for term in _anti_affinity_terms(pod):
        key = term.get("topologyKey")
        if key not in node_labels:
            continue
        for other_name in _same_domain_nodes(key, node, nodes_by_name):
            for other in pods_by_node.get(other_name, ()):
                if not is_terminal(other) and _term_selects(term, pod, other, namespace_labels):
                    return ANTI_AFFINITY_REASON
    if placed_with_terms is None:
        placed_with_terms = [(other, nodes_by_name[name]) for name, pods in pods_by_node.items()
                             if name in nodes_by_name for other in pods
                             if not is_terminal(other) and _anti_affinity_terms(other)]
    for other, other_node in placed_with_terms:
        for term in _anti_affinity_terms(other):
            key = term.get("topologyKey")
            if key in node_labels and labels_of(other_node).get(key) == node_labels[key] \
                    and _term_selects(term, other, pod, namespace_labels):
                return EXISTING_ANTI_AFFINITY_REASON
    return None


# --- resources ---
class NodeInfo:
    """A node with the sums of its placed pods' requests (kept up to date as the scheduler assumes pods)."""

    def __init__(self, node, pods):
        self.name = name_of(node)
        self.pods = [p for p in pods if not is_terminal(p)]
        self.requested: dict = {}
        self.scoring = {"cpu": 0.0, "memory": 0.0}
        self.owners: dict = {}
        self.anti_affinity_pods: list = []
        self._allocatable_source = None
        self.refresh_node(node)
        for pod in self.pods:
            self._account(pod)

    def refresh_node(self, node):
        """The node object changed (status heartbeats mostly): re-read allocatable only if it changed."""
        self.node = node
        source = (node.get("status") or {}).get("allocatable") or (node.get("status") or {}).get("capacity")
        if source != self._allocatable_source:
            self._allocatable_source = source
            self.allocatable = node_allocatable(node)

    def _account(self, pod):
        if _anti_affinity_terms(pod):
            self.anti_affinity_pods.append(pod)
        owner = controller_ref_uid(pod)
        if owner:
            self.owners[owner] = self.owners.get(owner, 0) + 1
        req = pod_requests(pod)
        for res, qty in req.items():
            self.requested[res] = self.requested.get(res, 0.0) + qty
        self.scoring["cpu"] += req.get("cpu") or SCORING_DEFAULT_CPU
        self.scoring["memory"] += req.get("memory") or SCORING_DEFAULT_MEMORY

    def assume(self, pod):
        self.pods.append(pod)
        self._account(pod)


def resource_reasons(pod, info: NodeInfo, requests=None) -> list:
    reasons = []
    requests = pod_requests(pod) if requests is None else requests
    if len(info.pods) + 1 > info.allocatable.get("pods", 110):
        reasons.append(TOO_MANY_PODS)
    for res, qty in sorted(requests.items()):
        if qty <= 0:
            continue
        if info.requested.get(res, 0.0) + qty > info.allocatable.get(res, 0.0) + 1e-9:
            reasons.append(f"Insufficient {res}")
    return reasons


# --- the filter chain ---
def required_node_names(pod):
    """The node names a pod's required node affinity allows by `matchFields metadata.name In`, when every term
    names them (DaemonSet pods); None when any node may do (kube-scheduler's NodeAffinity PreFilter)."""
    required = ((((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution")) or {}
    terms = required.get("nodeSelectorTerms") or []
    names = set()
    for term in terms:
        fields = [f for f in term.get("matchFields") or []
                  if f.get("key") == "metadata.name" and f.get("operator") == "In"]
        if not fields:
            return None
        names.update(fields[0].get("values") or [])
    return names if terms else None


def static_key(pod) -> str:
    """What the node-only filters and scores depend on: pods with the same key get the same verdict per node."""
    spec = pod.get("spec") or {}
    affinity = spec.get("affinity") or {}
    return json.dumps([spec.get("nodeSelector"), affinity.get("nodeAffinity"), spec.get("tolerations")],
                      sort_keys=True)


def static_reasons(pod, info: NodeInfo) -> list:
    """NodeUnschedulable, TaintToleration, NodeAffinity: they depend on the node alone."""
    node = info.node
    spec = pod.get("spec") or {}
    tolerations = spec.get("tolerations") or []
    if (node.get("spec") or {}).get("unschedulable"):
        unschedulable_taint = {"key": UNSCHEDULABLE, "effect": "NoSchedule"}
        if not any(tolerates(t, unschedulable_taint) for t in tolerations):
            return [UNSCHEDULABLE_REASON]
    bad = untolerated(tolerations, (node.get("spec") or {}).get("taints") or [])
    if bad:
        return [f"node(s) had untolerated taint {taint_label(bad[0])}"]
    if not node_affinity_matches(pod, node):
        return [AFFINITY_REASON]
    return []


def dynamic_reasons(pod, info: NodeInfo, nodes_by_name, pods_by_node, namespace_labels, placed_with_terms=None,
                    requests=None) -> list:
    """NodeResourcesFit and InterPodAffinity: they depend on the pods placed so far."""
    reasons = resource_reasons(pod, info, requests)
    if reasons:
        return reasons
    reason = anti_affinity_reason(pod, info.node, nodes_by_name, pods_by_node, namespace_labels, placed_with_terms)
    return [reason] if reason else []


def filter_reasons(pod, info: NodeInfo, nodes_by_name, pods_by_node, namespace_labels, placed_with_terms=None,
                   requests=None) -> list:
    """Empty list: the pod fits. Otherwise the reasons of the first failing filter."""
    return static_reasons(pod, info) or dynamic_reasons(pod, info, nodes_by_name, pods_by_node, namespace_labels,
                                                        placed_with_terms, requests)


def score(pod, info: NodeInfo, requests=None, static=None) -> float:
    """LeastAllocated + BalancedAllocation on cpu/memory (weight 1 each), TaintToleration on PreferNoSchedule
    (weight 3), preferred node affinity (weight 2); higher is better."""
    static = static_score(pod, info) if static is None else static
    return resource_score(pod, info, requests) + static


def resource_score(pod, info: NodeInfo, requests=None) -> float:
    req = pod_requests(pod) if requests is None else requests
    used = {"cpu": info.scoring["cpu"] + (req.get("cpu") or SCORING_DEFAULT_CPU),
            "memory": info.scoring["memory"] + (req.get("memory") or SCORING_DEFAULT_MEMORY)}
    fractions = []
    for res in ("cpu", "memory"):
        cap = info.allocatable.get(res, 0.0)
        fractions.append(min(1.0, used[res] / cap) if cap > 0 else 1.0)
    least = sum((1.0 - f) * 100 for f in fractions) / len(fractions)
    balanced = (1.0 - abs(fractions[0] - fractions[1])) * 100
    return least + balanced


def static_score(pod, info: NodeInfo) -> float:
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    prefer_no = [t for t in (info.node.get("spec") or {}).get("taints") or []
                 if t.get("effect") == "PreferNoSchedule"]
    intolerable = sum(1 for t in prefer_no if not any(tolerates(tol, t) for tol in tolerations))
    taint_score = 100.0 / (1 + intolerable) if intolerable else 100.0
    return 3 * taint_score + 2 * preferred_affinity_score(pod, info.node)


def same_owner_count(pod, info: NodeInfo) -> int:
    """Pods on the node with the pod's controller: the default topology spread (by hostname) counts these."""
    ref = controller_ref_uid(pod)
    return info.owners.get(ref, 0) if ref else 0


def controller_ref_uid(pod):
    for ref in (pod.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref.get("uid")
    return None


def spread_scores(pod, infos: list) -> list:
    """Default PodTopologySpread (weight 2): nodes with fewer pods of the same controller score higher."""
    counts = [same_owner_count(pod, info) for info in infos]
    most = max(counts) if counts else 0
    return [200.0 * (most - c) / most if most else 200.0 for c in counts]


def preferred_affinity_score(pod, node) -> float:
    preferred = (((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {}) \
        .get("preferredDuringSchedulingIgnoredDuringExecution") or []
    total = sum(int(p.get("weight", 0)) for p in preferred)
    if not total:
        return 0.0
    got = sum(int(p.get("weight", 0)) for p in preferred if node_selector_term_matches(p.get("preference") or {}, node))
    return 100.0 * got / total


PREEMPTION_UNHELPFUL = "Preemption is not helpful for scheduling"
PREEMPTION_NO_VICTIMS = "No preemption victims found for incoming pod"


def nodes_to_find(total: int) -> int:
    """kube-scheduler's adaptive percentageOfNodesToScore: enough feasible nodes to stop searching."""
    if total < 100:
        return total
    percentage = max(5, 50 - total // 125)
    return max(100, total * percentage // 100)


def failure_message(total_nodes: int, reasons_by_node: dict) -> str:
    """kube-scheduler's FitError text: reason counts, then the preemption summary."""
    counts: dict = {}
    preemption: dict = {}
    for reasons in reasons_by_node.values():
        for reason in reasons:
            counts[reason] = counts.get(reason, 0) + 1
        resolvable = any(r.startswith("Insufficient ") or r == TOO_MANY_PODS for r in reasons)
        verdict = PREEMPTION_NO_VICTIMS if resolvable else PREEMPTION_UNHELPFUL
        preemption[verdict] = preemption.get(verdict, 0) + 1
    # Sorted as whole "<count> <reason>" strings, as the scheduler's FitError does.
    parts = ", ".join(sorted(f"{n} {reason}" for reason, n in counts.items()))
    pre = ", ".join(sorted(f"{n} {reason}" for reason, n in preemption.items()))
    head = f"0/{total_nodes} nodes are available"
    if not parts:
        return f"{head}: no nodes available to schedule pods."
    return f"{head}: {parts}. preemption: {head}: {pre}."


__all__ = ["NodeInfo", "filter_reasons", "score", "failure_message", "node_affinity_matches",
           "label_selector_matches", "node_selector_term_matches", "parse_quantity"]
