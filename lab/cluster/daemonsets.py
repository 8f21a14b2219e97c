"""DaemonSet controller: one pod per eligible node. Pods get the DaemonSet tolerations (not-ready/unreachable
NoExecute without a time limit, the pressure and unschedulable NoSchedule taints) and a required node affinity
on metadata.name, and the default scheduler binds them. A node is eligible when the template's node
selector/affinity match it and it has no untolerated NoSchedule/NoExecute taint; an existing pod stays while
its NoExecute taints are tolerated."""

import copy

from .controller import PodOwnerController
from .placement import node_affinity_matches
from .podtemplate import default_pod, pod_from_template, template_hash
from .podutil import (is_active, is_deleting, is_pod_ready, name_of, namespace_of, owner_ref,
                      phase, uid_of)
from .replicasets import owned_pods
from .taints import untolerated

DS = "daemonsets.apps"
DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]


def daemon_pod_spec(template_spec: dict, node_name: str) -> dict:
    spec = copy.deepcopy(template_spec or {})
    tolerations = spec.setdefault("tolerations", [])
    for tol in DAEMON_TOLERATIONS:
        if not any(t.get("key") == tol["key"] and t.get("effect") == tol["effect"] for t in tolerations):
            tolerations.append(dict(tol))
    if spec.get("hostNetwork"):
        tolerations.append({"key": "node.kubernetes.io/network-unavailable", "operator": "Exists",
                            "effect": "NoSchedule"})
    affinity = spec.setdefault("affinity", {})
    node_affinity = affinity.setdefault("nodeAffinity", {})
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}]}
    return spec


def _placement_changed(node, old, event_type) -> bool:
    """Only what decides DaemonSet placement matters, not the heartbeats in the node's status."""
    if event_type != "MODIFIED" or old is None:
        return True
    return ((node.get("metadata") or {}).get("labels") != (old.get("metadata") or {}).get("labels")
            or node.get("spec") != old.get("spec"))


def should_run(template_spec: dict, node: dict, tolerations=None) -> tuple[bool, bool]:
    """(should run a new pod, may keep an existing pod) on this node."""
    if not node_affinity_matches({"spec": template_spec or {}}, node):
        return False, False
    if tolerations is None:
        tolerations = daemon_pod_spec(template_spec, name_of(node)).get("tolerations") or []
    taints = (node.get("spec") or {}).get("taints") or []
    keep = not untolerated(tolerations, taints, effects=("NoExecute",))
    run = keep and not untolerated(tolerations, taints, effects=("NoSchedule",))
    return run, keep


def _pod_node(pod) -> str:
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return spec["nodeName"]
    terms = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
             .get("requiredDuringSchedulingIgnoredDuringExecution") or {}).get("nodeSelectorTerms") or []
    for term in terms:
        for field in term.get("matchFields") or []:
            if field.get("key") == "metadata.name" and field.get("values"):
                return field["values"][0]
    return ""


class DaemonSets(PodOwnerController):
    name = "daemonset"
    key = DS
    owner_kind = "DaemonSet"

    def on_event(self, event_type, key, obj, old):
        if key == "nodes" and _placement_changed(obj, old, event_type):
            self.resync()
        else:
            super().on_event(event_type, key, obj, old)

    def sync(self, item):
        namespace, name = item
        ds = self.cache.get(DS, namespace, name)
        if ds is None or is_deleting(ds):
            return
        template = (ds.get("spec") or {}).get("template") or {}
        revision_hash = template_hash(template)
        by_node: dict = {}
        for pod in owned_pods(self.cache, ds):
            by_node.setdefault(_pod_node(pod), []).append(pod)
        desired = scheduled = ready = updated = misscheduled = 0
        tolerations = daemon_pod_spec(template.get("spec") or {}, "").get("tolerations") or []
        for node in self.cache.list("nodes"):
            node_name = name_of(node)
            run, keep = should_run(template.get("spec") or {}, node, tolerations)
            pods = [p for p in by_node.pop(node_name, []) if not is_deleting(p)]
            for pod in [p for p in pods if phase(p) == "Failed"]:
                self.api.delete("pods", namespace, name_of(pod), uid=uid_of(pod))
                pods.remove(pod)
            if run:
                desired += 1
            if pods and not keep:
                misscheduled += 1
                for pod in pods:
                    self.api.delete("pods", namespace, name_of(pod), uid=uid_of(pod))
                continue
            if not pods and run:
                pods = [self._create(ds, template, node_name, revision_hash)]
            if pods:
                scheduled += 1 if run else 0
                live = [p for p in pods if is_active(p)]
                ready += 1 if any(is_pod_ready(p) for p in live) else 0
                updated += 1 if any((p["metadata"].get("labels") or {}).get("controller-revision-hash")
                                    == revision_hash for p in live) else 0
                for extra in live[1:]:
                    self.api.delete("pods", namespace, name_of(extra), uid=uid_of(extra))
        for leftovers in by_node.values():     # pods for nodes that no longer exist
            for pod in leftovers:
                if not is_deleting(pod) and not (pod.get("spec") or {}).get("nodeName"):
                    self.api.delete("pods", namespace, name_of(pod), uid=uid_of(pod))
        self._status(ds, desired, scheduled, ready, updated, misscheduled)

    def _create(self, ds, template, node_name, revision_hash):
        pod = pod_from_template(template, namespace_of(ds), owner_ref(ds), generate_name=f"{name_of(ds)}-",
                                extra_labels={"controller-revision-hash": revision_hash,
                                              "pod-template-generation": str(ds["metadata"].get("generation", 1))})
        pod["spec"] = daemon_pod_spec(pod["spec"], node_name)
        return self.api.create("pods", default_pod(pod, self.timings.default_toleration_seconds))

    def _status(self, ds, desired, scheduled, ready, updated, misscheduled):
        wanted = {
            "desiredNumberScheduled": desired,
            "currentNumberScheduled": scheduled,
            "numberReady": ready,
            "numberAvailable": ready,
            "numberUnavailable": max(0, desired - ready),
            "updatedNumberScheduled": updated,
            "numberMisscheduled": misscheduled,
            "observedGeneration": ds["metadata"].get("generation", 1),
        }

        def update(obj):
            status = obj.setdefault("status", {})
            if all(status.get(k) == v for k, v in wanted.items()):
                return None
            status.update(wanted)
            if not status.get("numberUnavailable"):
                status.pop("numberUnavailable", None)
            return obj

        self.api.mutate(DS, namespace_of(ds), name_of(ds), update, subresource="status")
