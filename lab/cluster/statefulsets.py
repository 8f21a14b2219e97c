"""StatefulSet controller (OrderedReady): pods <name>-0..N-1 created one at a time, each only after the previous
ones are Running and Ready, removed from the highest ordinal down. A pod stuck Terminating keeps its name, so
its replacement waits until the old pod is really gone, as on a real cluster."""

from .controller import PodOwnerController
from .podtemplate import default_pod, pod_from_template, template_hash
from .podutil import is_deleting, is_pod_ready, name_of, namespace_of, owner_ref, phase, uid_of
from .replicasets import owned_pods

STS = "statefulsets.apps"


class StatefulSets(PodOwnerController):
    name = "statefulset"
    key = STS
    owner_kind = "StatefulSet"

    def sync(self, item):
        namespace, name = item
        sts = self.cache.get(STS, namespace, name)
        if sts is None or is_deleting(sts):
            return
        spec = sts.get("spec") or {}
        desired = int(spec.get("replicas", 1))
        template = spec.get("template") or {}
        revision = f"{name}-{template_hash(template)}"
        pods = {name_of(p): p for p in owned_pods(self.cache, sts)}
        for pod in list(pods.values()):
            if phase(pod) == "Failed" and not is_deleting(pod):
                self.api.delete("pods", namespace, name_of(pod), uid=uid_of(pod))
        parallel = spec.get("podManagementPolicy") == "Parallel"
        for ordinal in range(desired):
            pod_name = f"{name}-{ordinal}"
            pod = pods.get(pod_name)
            if pod is None and self.cache.get("pods", namespace, pod_name) is None:
                created = pod_from_template(template, namespace, owner_ref(sts), name=pod_name, extra_labels={
                    "statefulset.kubernetes.io/pod-name": pod_name,
                    "apps.kubernetes.io/pod-index": str(ordinal),
                    "controller-revision-hash": revision,
                })
                created["spec"].setdefault("hostname", pod_name)
                if spec.get("serviceName"):
                    created["spec"].setdefault("subdomain", spec["serviceName"])
                pods[pod_name] = self.api.ensure("pods", default_pod(created, self.timings.default_toleration_seconds))
                if not parallel:
                    break
            elif pod is not None and not parallel and (is_deleting(pod) or not is_pod_ready(pod)):
                break
        extra = sorted((p for n, p in pods.items() if _ordinal(n, name) >= desired and not is_deleting(p)),
                       key=lambda p: -_ordinal(name_of(p), name))
        if extra:
            self.api.delete("pods", namespace, name_of(extra[0]), uid=uid_of(extra[0]))
        self._status(sts, pods, desired, revision)

    def _status(self, sts, pods, desired, revision):
        live = [p for n, p in pods.items() if _ordinal(n, name_of(sts)) < desired and not is_deleting(p)]
        ready = sum(1 for p in live if is_pod_ready(p))
        wanted = {
            "observedGeneration": sts["metadata"].get("generation", 1),
            "replicas": len(live),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "currentReplicas": len(live),
            "updatedReplicas": len(live),
            "currentRevision": revision,
            "updateRevision": revision,
        }

        def update(obj):
            status = obj.setdefault("status", {})
            if all(status.get(k) == v for k, v in wanted.items()):
                return None
            status.update(wanted)
            return obj

        self.api.mutate(STS, namespace_of(sts), name_of(sts), update, subresource="status")


def _ordinal(pod_name, sts_name) -> int:
    try:
        return int(pod_name[len(sts_name) + 1:])
    except ValueError:
        return -1
