"""ReplicaSet controller: keeps spec.replicas active pods (not finished, not being deleted) labelled by the
template and owned by the ReplicaSet, replacing deleted or failed pods and removing surplus ones."""

from .controller import PodOwnerController
from .podtemplate import default_pod, pod_from_template
from .podutil import (controller_ref, is_active, is_pod_ready, is_terminal, name_of, namespace_of, owner_ref,
                      phase, uid_of)

RS = "replicasets.apps"


def owned_pods(cache, owner) -> list:
    uid = uid_of(owner)
    return [p for p in cache.list("pods", namespace_of(owner)) if (controller_ref(p) or {}).get("uid") == uid]


def surplus_order(pod):
    """Which pods go first when scaling down: unscheduled, pending, not ready, then the youngest."""
    return (bool((pod.get("spec") or {}).get("nodeName")), phase(pod) == "Running", is_pod_ready(pod),
            -_created(pod))


def _created(pod) -> float:
    from .podutil import parse_time
    return parse_time((pod.get("metadata") or {}).get("creationTimestamp")) or 0.0


class ReplicaSets(PodOwnerController):
    name = "replicaset"
    key = RS
    owner_kind = "ReplicaSet"

    def sync(self, item):
        namespace, name = item
        rs = self.cache.get(RS, namespace, name)
        if rs is None:
            return
        pods = owned_pods(self.cache, rs)
        active = [p for p in pods if is_active(p)]
        for pod in pods:
            if is_terminal(pod) and phase(pod) == "Failed":
                self.api.delete("pods", namespace, name_of(pod), uid=uid_of(pod))
        desired = int((rs.get("spec") or {}).get("replicas", 1))
        if not (rs.get("metadata") or {}).get("deletionTimestamp"):
            if len(active) < desired:
                ref = owner_ref(rs)
                for _ in range(desired - len(active)):
                    template = (rs.get("spec") or {}).get("template") or {}
                    pod = pod_from_template(template, namespace, ref, generate_name=f"{name}-")
                    active.append(self.api.create("pods", default_pod(pod, self.timings.default_toleration_seconds)))
            elif len(active) > desired:
                for pod in sorted(active, key=surplus_order)[: len(active) - desired]:
                    self.api.delete("pods", namespace, name_of(pod), uid=uid_of(pod))
                    active.remove(pod)
        self._status(rs, active)

    def _status(self, rs, active):
        ready = sum(1 for p in active if is_pod_ready(p))
        template_labels = (((rs.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
        labelled = sum(1 for p in active
                       if all(((p.get("metadata") or {}).get("labels") or {}).get(k) == v
                              for k, v in template_labels.items()))
        wanted = {
            "replicas": len(active),
            "fullyLabeledReplicas": labelled,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": (rs.get("metadata") or {}).get("generation", 1),
        }

        def update(obj):
            status = obj.setdefault("status", {})
            if all(status.get(k) == v for k, v in wanted.items()):
                return None
            status.update(wanted)
            return obj

        self.api.mutate(RS, namespace_of(rs), name_of(rs), update, subresource="status")
