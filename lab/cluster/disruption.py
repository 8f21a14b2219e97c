"""PodDisruptionBudgets: the disruption controller keeps their status (expectedPods, desiredHealthy,
currentHealthy, disruptionsAllowed, disruptedPods, the DisruptionAllowed condition), and the eviction guard
refuses evictions that would break a budget with the real 429, recording the evicted pod in disruptedPods."""

import math
import time
from datetime import datetime, timezone

from .controller import Controller
from .placement import label_selector_matches
from .podutil import (controller_ref, is_deleting, is_pod_ready, is_terminal, labels_of, name_of, namespace_of,
                      now_rfc3339, parse_time)

PDB = "poddisruptionbudgets.policy"
REFUSAL = "Cannot evict pod as it would violate the pod's disruption budget."
SCALABLE = {"ReplicaSet": "replicasets.apps", "StatefulSet": "statefulsets.apps",
            "Deployment": "deployments.apps", "ReplicationController": "replicationcontrollers"}


def _int_or_percent(value, total, round_up) -> int:
    if isinstance(value, str) and value.endswith("%"):
        scaled = int(value[:-1]) * total / 100
        return math.ceil(scaled) if round_up else math.floor(scaled)
    return int(value)


def budget_numbers(spec: dict, pods: list, expected_scale) -> tuple[int, int] | None:
    """(expectedPods, desiredHealthy); None when the controllers' scale cannot be found (fail safe)."""
    min_available = spec.get("minAvailable")
    max_unavailable = spec.get("maxUnavailable")
    if max_unavailable is not None:
        expected = expected_scale()
        if expected is None:
            return None
        return expected, max(0, expected - _int_or_percent(max_unavailable, expected, True))
    if min_available is None:
        min_available = 1
    if isinstance(min_available, str) and min_available.endswith("%"):
        expected = expected_scale()
        if expected is None:
            return None
        return expected, _int_or_percent(min_available, expected, True)
    return len(pods), int(min_available)


def _micro(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Disruption(Controller):
    name = "disruption"

    # --- controller ---
    def on_event(self, event_type, key, obj, old):
        if key == PDB:
            self.runner.enqueue(self, (namespace_of(obj), name_of(obj)))
        elif key == "pods":
            for pdb in self.cache.list(PDB, namespace_of(obj)):
                selector = (pdb.get("spec") or {}).get("selector")
                if label_selector_matches(selector, labels_of(obj)) or (
                        old and label_selector_matches(selector, labels_of(old))):
                    self.runner.enqueue(self, (namespace_of(pdb), name_of(pdb)))
        elif key in SCALABLE.values():
            for pdb in self.cache.list(PDB, namespace_of(obj)):
                self.runner.enqueue(self, (namespace_of(pdb), name_of(pdb)))

    def resync(self):
        for pdb in self.cache.list(PDB):
            self.runner.enqueue(self, (namespace_of(pdb), name_of(pdb)))

    def matching_pods(self, pdb) -> list:
        selector = (pdb.get("spec") or {}).get("selector")
        return [p for p in self.cache.list("pods", namespace_of(pdb))
                if not is_terminal(p) and label_selector_matches(selector, labels_of(p))]

    def _expected_scale(self, pods):
        def compute():
            owners = {}
            for pod in pods:
                ref = controller_ref(pod)
                if ref is None:
                    return None
                owners[ref.get("uid")] = ref
            total = 0
            for ref in owners.values():
                replicas = self._controller_replicas(namespace_of(pods[0]), ref)
                if replicas is None:
                    return None
                total += replicas
            return total
        return compute

    def _controller_replicas(self, namespace, ref):
        key = SCALABLE.get(ref.get("kind"))
        if key is None:
            return None
        owner = self.cache.get(key, namespace, ref.get("name")) if self.cache.handles(key) else None
        if owner is None:
            return None
        if ref.get("kind") == "ReplicaSet":
            parent = controller_ref(owner)
            if parent and parent.get("kind") == "Deployment":
                deploy = self.cache.get("deployments.apps", namespace, parent.get("name"))
                if deploy is not None:
                    return int((deploy.get("spec") or {}).get("replicas", 1))
        return int((owner.get("spec") or {}).get("replicas", 1))

    def sync(self, item):
        namespace, name = item
        pdb = self.cache.get(PDB, namespace, name)
        if pdb is None:
            return
        pods = self.matching_pods(pdb)
        numbers = budget_numbers(pdb.get("spec") or {}, pods, self._expected_scale(pods))
        generation = (pdb.get("metadata") or {}).get("generation", 1)
        now = time.time()
        live_names = {name_of(p) for p in pods if not is_deleting(p)}
        next_expiry = None

        def update(obj):
            nonlocal next_expiry
            status = obj.setdefault("status", {})
            disrupted = {}
            for pod_name, stamp in (status.get("disruptedPods") or {}).items():
                expires = (parse_time(stamp) or 0) + self.timings.disrupted_pod_timeout_seconds
                if pod_name in live_names and expires > now:
                    disrupted[pod_name] = stamp
                    next_expiry = expires if next_expiry is None else min(next_expiry, expires)
            healthy = sum(1 for p in pods if is_pod_ready(p) and not is_deleting(p) and name_of(p) not in disrupted)
            if numbers is None:
                expected, desired, allowed = 0, 0, 0
                reason, message = "SyncFailed", "found no controller for the selected pods"
            else:
                expected, desired = numbers
                allowed = max(0, healthy - desired)
                reason = "SufficientPods" if allowed > 0 else "InsufficientPods"
                message = ""
            wanted = {"observedGeneration": generation, "expectedPods": expected, "desiredHealthy": desired,
                      "currentHealthy": healthy, "disruptionsAllowed": allowed}
            cond_status = "True" if allowed > 0 else "False"
            old_cond = next((c for c in status.get("conditions") or [] if c.get("type") == "DisruptionAllowed"), {})
            unchanged = (all(status.get(k) == v for k, v in wanted.items())
                         and (status.get("disruptedPods") or {}) == disrupted
                         and old_cond.get("status") == cond_status and old_cond.get("reason") == reason)
            if unchanged:
                return None
            status.update(wanted)
            status["disruptedPods"] = disrupted
            if not disrupted:
                status.pop("disruptedPods")
            status["conditions"] = [{
                "type": "DisruptionAllowed", "status": cond_status, "reason": reason, "message": message,
                "observedGeneration": generation,
                "lastTransitionTime": now_rfc3339() if old_cond.get("status") != cond_status
                else old_cond.get("lastTransitionTime", now_rfc3339()),
            }]
            return obj

        self.api.mutate(PDB, namespace, name, update, subresource="status")
        if next_expiry is not None:
            self.runner.enqueue_after(max(0.0, next_expiry - now) + 0.01, self, item)

    # --- eviction guard (called by the API server for POST pods/<name>/eviction) ---
    def eviction_guard(self, pod: dict, eviction: dict):
        from lab.apiserver import errors

        if is_terminal(pod) or is_deleting(pod):
            return
        budgets = [pdb for pdb in self.api.store.list(PDB, namespace_of(pod))[0]
                   if label_selector_matches((pdb.get("spec") or {}).get("selector"), labels_of(pod))]
        if not budgets:
            return
        if len(budgets) > 1:
            raise errors.ApiError(500, "InternalError", "This pod has more than one PodDisruptionBudget, which "
                                  "the eviction subresource does not support.")
        pdb = budgets[0]
        dry_run = bool((eviction.get("deleteOptions") or {}).get("dryRun"))
        pdb_name = name_of(pdb)
        refusal = {}

        def take(obj):
            status = obj.get("status") or {}
            if status.get("observedGeneration", 0) < (obj.get("metadata") or {}).get("generation", 1):
                refusal["cause"] = f"The disruption budget {pdb_name} is still being processed by the server."
                return None
            policy = (obj.get("spec") or {}).get("unhealthyPodEvictionPolicy") or "IfHealthyBudget"
            if not is_pod_ready(pod):
                if policy == "AlwaysAllow" or status.get("currentHealthy", 0) >= status.get("desiredHealthy", 0):
                    return None
            allowed = int(status.get("disruptionsAllowed") or 0)
            if allowed <= 0:
                refusal["cause"] = (f"The disruption budget {pdb_name} needs {status.get('desiredHealthy', 0)} "
                                    f"healthy pods and has {status.get('currentHealthy', 0)} currently")
                return None
            if dry_run:
                return None
            status["disruptionsAllowed"] = allowed - 1
            disrupted = status.setdefault("disruptedPods", {})
            disrupted[name_of(pod)] = _micro(time.time())
            obj["status"] = status
            return obj

        self.api.mutate(PDB, namespace_of(pdb), pdb_name, take, subresource="status")
        if refusal:
            raise errors.ApiError(429, "TooManyRequests", REFUSAL,
                                  details={"causes": [{"reason": "DisruptionBudget", "message": refusal["cause"]}]},
                                  retry_after=None)
        self.runner.enqueue(self, (namespace_of(pdb), pdb_name))
