"""The default scheduler: binds pending pods whose schedulerName is default-scheduler (or unset) to the best
feasible node (placement.py). A pod that fits nowhere stays Pending with PodScheduled=False/Unschedulable and a
FailedScheduling event, and is retried when nodes or pods change and at least every scheduler_retry_seconds."""

import random
import time

from . import placement
from .podutil import (is_deleting, is_terminal, labels_of, name_of, namespace_of, now_rfc3339, pod_requests,
                      set_condition, uid_of)

SCHEDULER_NAME = "default-scheduler"
PASS_BUDGET_SECONDS = 0.3    # a pass yields after this long so that heartbeats and other controllers run


def _placement_changed(event_type, obj, old) -> bool:
    """Whether a pod event changes what a node holds (its NodeInfo); status heartbeats do not."""
    if event_type != "MODIFIED" or old is None:
        return True
    return ((obj.get("spec") or {}).get("nodeName") != (old.get("spec") or {}).get("nodeName")
            or is_terminal(obj) != is_terminal(old)
            or (obj.get("metadata") or {}).get("labels") != (old.get("metadata") or {}).get("labels"))


def wants_scheduling(pod) -> bool:
    spec = pod.get("spec") or {}
    return (not spec.get("nodeName") and not is_deleting(pod) and not is_terminal(pod)
            and (spec.get("schedulerName") or SCHEDULER_NAME) == SCHEDULER_NAME
            and not spec.get("schedulingGates"))


class Scheduler:
    name = "scheduler"

    def __init__(self, api, cache, timings, runner, recorder, seed=0):
        self.api = api
        self.cache = cache
        self.timings = timings
        self.runner = runner
        self.recorder = recorder
        self.random = random.Random(seed)
        self._retry_armed = False
        self._next_start = 0
        self._pending: set = set()      # (namespace, name) of pods waiting for a node
        self._infos: dict = {}          # node name -> NodeInfo, rebuilt only for nodes marked dirty
        self._dirty: set = set()
        self._reported: dict = {}   # pod uid -> (message, monotonic time of the last FailedScheduling event)

    def on_event(self, event_type, key, obj, old):
        if key == "pods":
            ident = (namespace_of(obj), name_of(obj))
            if event_type != "DELETED" and wants_scheduling(obj):
                self._pending.add(ident)
            else:
                self._pending.discard(ident)
            if _placement_changed(event_type, obj, old):
                for pod in (obj, old):
                    node = ((pod or {}).get("spec") or {}).get("nodeName")
                    if node:
                        self._dirty.add(node)
        elif key == "nodes" and event_type != "MODIFIED":
            self._dirty.add(name_of(obj))
        if key == "pods":
            if event_type != "DELETED" and wants_scheduling(obj):
                self.runner.enqueue(self, ("pass",))
            elif event_type == "DELETED" or is_terminal(obj) or (old is not None and not is_deleting(old)
                                                                  and is_deleting(obj)):
                self._kick_if_waiting()
        elif key in ("nodes", "namespaces"):
            self._kick_if_waiting()

    def _kick_if_waiting(self):
        if self._retry_armed:
            self.runner.enqueue(self, ("pass",))

    def resync(self):
        self._pending = {(namespace_of(p), name_of(p)) for p in self.cache.list("pods") if wants_scheduling(p)}
        self._infos.clear()
        self.runner.enqueue(self, ("pass",))

    def _node_infos(self, nodes) -> list:
        for name in set(self._infos) - set(nodes):
            del self._infos[name]
        for name, node in nodes.items():
            info = self._infos.get(name)
            if info is None or name in self._dirty:
                self._infos[name] = placement.NodeInfo(node, self.cache.pods_on(name))
            else:
                info.refresh_node(node)
        self._dirty.clear()
        return [self._infos[name] for name in sorted(nodes)]

    def sync(self, item):
        pending = [p for p in (self.cache.get("pods", ns, name) for ns, name in list(self._pending))
                   if p is not None and wants_scheduling(p)]
        if not pending:
            self._retry_armed = False
            return
        pending.sort(key=lambda p: (-int((p.get("spec") or {}).get("priority") or 0),
                                    (p.get("metadata") or {}).get("creationTimestamp") or "",
                                    namespace_of(p), name_of(p)))
        deadline = time.monotonic() + PASS_BUDGET_SECONDS
        nodes = {name_of(n): n for n in self.cache.list("nodes")}
        infos = self._node_infos(nodes)
        namespace_labels = {name_of(ns): labels_of(ns) for ns in self.cache.list("namespaces")}
        pods_by_node = {info.name: info.pods for info in infos}
        placed_terms = placement.pods_with_anti_affinity(infos)
        static_verdicts: dict = {}     # static key -> [(info, reasons, static score)] of the candidate nodes
        failed = rest = False
        for pod in pending:
            if time.monotonic() > deadline:
                rest = True
                break
            key = placement.static_key(pod)
            candidates = static_verdicts.get(key)
            if candidates is None:
                allowed = placement.required_node_names(pod)   # DaemonSet pods name their node
                candidates = [(info, placement.static_reasons(pod, info), placement.static_score(pod, info))
                              for info in infos if allowed is None or info.name in allowed]
                static_verdicts[key] = candidates
            feasible, reasons = self._find_nodes(pod, candidates, len(infos), nodes, pods_by_node,
                                                 namespace_labels, placed_terms)
            if not feasible:
                for info in infos:
                    reasons.setdefault(info.name, [placement.AFFINITY_REASON])
            if not feasible:
                failed = True
                self._unschedulable(pod, placement.failure_message(len(nodes), reasons))
                continue
            choice = self._pick(pod, feasible)
            bound = self._bind(pod, choice.name)
            if bound is not None:
                choice.assume(bound)
                if placement.has_anti_affinity(bound):
                    placed_terms.append((bound, choice.node))
        if rest:
            self.runner.enqueue(self, ("pass",))    # let the other controllers run between batches
        self._retry_armed = failed or rest
        if failed:
            self.runner.enqueue_after(self.timings.scheduler_retry_seconds, self, ("pass",))

    def _find_nodes(self, pod, candidates, total, nodes, pods_by_node, namespace_labels, placed_terms):
        """Feasible nodes (searching from a rotating start, stopping once enough are found, as kube-scheduler
        does on big clusters) and, when none is, every candidate node's reasons."""
        requests = pod_requests(pod)
        wanted = placement.nodes_to_find(total)
        feasible, reasons = [], {}
        count = len(candidates)
        start = self._next_start % count if count else 0
        for offset in range(count):
            index = (start + offset) % count
            info, why, static = candidates[index]
            if not why:
                why = placement.dynamic_reasons(pod, info, nodes, pods_by_node, namespace_labels, placed_terms,
                                                requests)
            if why:
                reasons[info.name] = why
                continue
            feasible.append((info, static, requests))
            if len(feasible) >= wanted:
                self._next_start = index + 1
                break
        return feasible, reasons

    def _pick(self, pod, feasible):
        infos = [info for info, _, _ in feasible]
        spread = placement.spread_scores(pod, infos)
        scored = [(placement.resource_score(pod, info, requests) + static + bonus, info)
                  for (info, static, requests), bonus in zip(feasible, spread)]
        best = max(value for value, _ in scored)
        return self.random.choice([info for value, info in scored if value >= best - 1e-9])

    def _bind(self, pod, node_name):
        namespace, name, uid = namespace_of(pod), name_of(pod), uid_of(pod)

        def assign(obj):
            if obj["metadata"].get("uid") != uid or not wants_scheduling(obj):
                return None
            obj["spec"]["nodeName"] = node_name
            return obj

        bound = self.api.mutate("pods", namespace, name, assign)
        if bound is None:
            return None
        now = now_rfc3339()

        def scheduled(obj):
            set_condition(obj, "PodScheduled", "True", now=now)
            for cond in obj["status"]["conditions"]:
                if cond["type"] == "PodScheduled":
                    cond.pop("reason", None)
                    cond.pop("message", None)
            return obj

        bound = self.api.mutate("pods", namespace, name, scheduled, subresource="status") or bound
        self.recorder.record(bound, "Scheduled", f"Successfully assigned {namespace}/{name} to {node_name}")
        return bound

    def _unschedulable(self, pod, message):
        now = now_rfc3339()

        def pending(obj):
            if not wants_scheduling(obj):
                return None
            status = obj.setdefault("status", {})
            status.setdefault("phase", "Pending")
            if not set_condition(obj, "PodScheduled", "False", reason="Unschedulable", message=message, now=now):
                return None
            return obj

        self.api.mutate("pods", namespace_of(pod), name_of(pod), pending, subresource="status")
        last = self._reported.get(uid_of(pod))
        now_mono = time.monotonic()
        # Like the scheduler's backoff: repeat the event for an unchanged reason only every so often.
        if last is None or last[0] != message or now_mono - last[1] >= 20 * self.timings.scheduler_retry_seconds:
            if len(self._reported) > 50000:
                self._reported.clear()
            self._reported[uid_of(pod)] = (message, now_mono)
            self.recorder.record(pod, "FailedScheduling", message, event_type="Warning")
