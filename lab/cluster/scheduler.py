"""The default scheduler: binds pending pods whose schedulerName is default-scheduler (or unset) to the best
feasible node (placement.py). A pod that fits nowhere stays Pending with PodScheduled=False/Unschedulable and a
FailedScheduling event, and is retried when nodes or pods change and at least every scheduler_retry_seconds."""

import random
import time

from . import placement
from .podutil import (is_deleting, is_terminal, labels_of, name_of, namespace_of, now_rfc3339, pod_requests,
                      set_condition, uid_of)

SCHEDULER_NAME = "default-scheduler"


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
        self._reported: dict = {}   # pod uid -> (message, monotonic time of the last FailedScheduling event)

    def on_event(self, event_type, key, obj, old):
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
        self.runner.enqueue(self, ("pass",))

    def sync(self, item):
        pending = [p for p in self.cache.list("pods") if wants_scheduling(p)]
        if not pending:
            self._retry_armed = False
            return
        pending.sort(key=lambda p: (-int((p.get("spec") or {}).get("priority") or 0),
                                    (p.get("metadata") or {}).get("creationTimestamp") or "",
                                    namespace_of(p), name_of(p)))
        nodes = {name_of(n): n for n in self.cache.list("nodes")}
        infos = {name: placement.NodeInfo(node, self.cache.pods_on(name)) for name, node in nodes.items()}
        namespace_labels = {name_of(ns): labels_of(ns) for ns in self.cache.list("namespaces")}
        failed = False
        pods_by_node = {name: info.pods for name, info in infos.items()}
        placed_terms = placement.pods_with_anti_affinity(nodes, pods_by_node)
        for pod in pending:
            requests = pod_requests(pod)
            reasons, feasible = {}, []
            for name, info in infos.items():
                why = placement.filter_reasons(pod, info, nodes, pods_by_node, namespace_labels, placed_terms,
                                               requests)
                if why:
                    reasons[name] = why
                else:
                    feasible.append(info)
            if not feasible:
                failed = True
                self._unschedulable(pod, placement.failure_message(len(nodes), reasons))
                continue
            spread = placement.spread_scores(pod, feasible)
            scored = [(placement.score(pod, info, requests) + bonus, info) for info, bonus in zip(feasible, spread)]
            best = max(s for s, _ in scored)
            choice = self.random.choice([info for s, info in scored if s >= best - 1e-9])
            bound = self._bind(pod, choice.name)
            if bound is not None:
                choice.assume(bound)
                if placement.has_anti_affinity(bound):
                    placed_terms.append((bound, choice.node))
        self._retry_armed = failed
        if failed:
            self.runner.enqueue_after(self.timings.scheduler_retry_seconds, self, ("pass",))

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
