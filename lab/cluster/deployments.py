"""Deployment controller: one ReplicaSet per pod template (named <deployment>-<pod-template-hash>). The current
ReplicaSet gets spec.replicas; older ones scale to zero once the new one is fully ready (RollingUpdate) or
first (Recreate, which waits for the old pods to be gone before scaling up)."""

import copy

from .podtemplate import template_hash
from .podutil import controller_ref, is_active, is_deleting, name_of, namespace_of, now_rfc3339, owner_ref, uid_of
from .replicasets import RS, owned_pods

DEPLOY = "deployments.apps"
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"


class Deployments:
    name = "deployment"

    def __init__(self, api, cache, runner):
        self.api = api
        self.cache = cache
        self.runner = runner

    def on_event(self, event_type, key, obj, old):
        if key == DEPLOY:
            self.runner.enqueue(self, (namespace_of(obj), name_of(obj)))
        elif key == RS:
            ref = controller_ref(obj)
            if ref and ref.get("kind") == "Deployment":
                self.runner.enqueue(self, (namespace_of(obj), ref.get("name")))

    def resync(self):
        for deploy in self.cache.list(DEPLOY):
            self.runner.enqueue(self, (namespace_of(deploy), name_of(deploy)))

    def sync(self, item):
        namespace, name = item
        deploy = self.cache.get(DEPLOY, namespace, name)
        if deploy is None or is_deleting(deploy):
            return
        spec = deploy.get("spec") or {}
        desired = int(spec.get("replicas", 1))
        template = copy.deepcopy(spec.get("template") or {})
        pod_hash = template_hash(template)
        owned = [rs for rs in self.cache.list(RS, namespace) if (controller_ref(rs) or {}).get("uid") == uid_of(deploy)]
        current = next((rs for rs in owned if (rs["metadata"].get("labels") or {}).get(HASH_LABEL) == pod_hash), None)
        old = [rs for rs in owned if rs is not current]
        revision = 1 + max([int((rs["metadata"].get("annotations") or {}).get(REVISION, 0)) for rs in owned] or [0])
        if spec.get("paused"):
            return
        recreate = (spec.get("strategy") or {}).get("type") == "Recreate"
        old_pods = sum(1 for rs in old for p in owned_pods(self.cache, rs) if is_active(p) or is_deleting(p))
        if current is None:
            target = 0 if recreate and old_pods else desired
            current = self._create_rs(deploy, template, pod_hash, target, revision)
        else:
            target = 0 if recreate and old_pods else desired
            self._scale(current, target)
        new_ready = int((current.get("status") or {}).get("readyReplicas") or 0)
        for rs in old:
            if recreate or new_ready >= desired:
                self._scale(rs, 0)
        self._status(deploy, current, owned)

    def _create_rs(self, deploy, template, pod_hash, replicas, revision):
        namespace, name = namespace_of(deploy), name_of(deploy)
        template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = pod_hash
        selector = copy.deepcopy((deploy.get("spec") or {}).get("selector") or {})
        selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
        rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{name}-{pod_hash}",
                "namespace": namespace,
                "labels": dict(template["metadata"]["labels"]),
                "annotations": {REVISION: str(revision),
                                "deployment.kubernetes.io/desired-replicas": str(replicas)},
                "ownerReferences": [owner_ref(deploy)],
            },
            "spec": {"replicas": replicas, "selector": selector, "template": template},
        }
        return self.api.ensure(RS, rs)

    def _scale(self, rs, replicas):
        if int((rs.get("spec") or {}).get("replicas", 1)) == replicas:
            return

        def scale(obj):
            obj["spec"]["replicas"] = replicas
            return obj

        self.api.mutate(RS, namespace_of(rs), name_of(rs), scale)

    def _status(self, deploy, current, owned):
        sets = {name_of(rs): self.cache.get(RS, namespace_of(rs), name_of(rs)) or rs for rs in owned}
        sets[name_of(current)] = self.cache.get(RS, namespace_of(current), name_of(current)) or current
        total = ready = 0
        for rs in sets.values():
            status = rs.get("status") or {}
            total += int(status.get("replicas") or 0)
            ready += int(status.get("readyReplicas") or 0)
        desired = int((deploy.get("spec") or {}).get("replicas", 1))
        updated = int(((sets[name_of(current)].get("status")) or {}).get("replicas") or 0)
        max_unavailable = _max_unavailable(deploy, desired)
        available_ok = ready >= desired - max_unavailable
        now = now_rfc3339()
        wanted = {
            "observedGeneration": (deploy.get("metadata") or {}).get("generation", 1),
            "replicas": total,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "unavailableReplicas": max(0, desired - ready),
        }

        def update(obj):
            status = obj.setdefault("status", {})
            conditions = {c["type"]: c for c in status.get("conditions") or []}
            avail = ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.") if available_ok \
                else ("False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
            complete = updated == desired and ready >= desired
            prog = ("True", "NewReplicaSetAvailable", f'ReplicaSet "{name_of(current)}" has successfully progressed.') \
                if complete else ("True", "ReplicaSetUpdated", f'ReplicaSet "{name_of(current)}" is progressing.')
            new_conditions = []
            for ctype, (cstatus, reason, message) in (("Available", avail), ("Progressing", prog)):
                old = conditions.get(ctype) or {}
                moved = old.get("status") != cstatus
                new_conditions.append({
                    "type": ctype, "status": cstatus, "reason": reason, "message": message,
                    "lastUpdateTime": now if moved or old.get("reason") != reason else old.get("lastUpdateTime", now),
                    "lastTransitionTime": now if moved else old.get("lastTransitionTime", now),
                })
            same = all(status.get(k) == v for k, v in wanted.items()) and all(
                (conditions.get(c["type"]) or {}).get("status") == c["status"]
                and (conditions.get(c["type"]) or {}).get("reason") == c["reason"] for c in new_conditions)
            if same:
                return None
            status.update(wanted)
            status["conditions"] = new_conditions
            return obj

        self.api.mutate(DEPLOY, namespace_of(deploy), name_of(deploy), update, subresource="status")


def _max_unavailable(deploy, desired) -> int:
    strategy = (deploy.get("spec") or {}).get("strategy") or {}
    if strategy.get("type") == "Recreate":
        return desired
    value = (strategy.get("rollingUpdate") or {}).get("maxUnavailable", "25%")
    if isinstance(value, str) and value.endswith("%"):
        return int(desired * int(value[:-1]) / 100)
    return int(value)
