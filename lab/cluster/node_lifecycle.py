"""Node lifecycle controller: watches node heartbeats (Lease renewals and Ready condition heartbeats) and, after
node-monitor-grace without one, sets the node's conditions to Unknown and marks its pods not ready. Keeps the
condition taints in step with the Ready condition and spec.unschedulable:
  Ready=False   -> node.kubernetes.io/not-ready NoSchedule + NoExecute
  Ready=Unknown -> node.kubernetes.io/unreachable NoSchedule + NoExecute
  unschedulable -> node.kubernetes.io/unschedulable NoSchedule
NoExecute taints are withheld while every node of a zone is unhealthy (full disruption), as the real
controller does to avoid evicting a whole cluster that lost its network."""

import time

from . import taints as T
from .podutil import (condition_status, is_terminal, labels_of, name_of, namespace_of, now_rfc3339,
                      parse_time, set_condition)

UNKNOWN_REASON = "NodeStatusUnknown"
UNKNOWN_MESSAGE = "Kubelet stopped posting node status."
MONITORED_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
ZONE_LABEL = "topology.kubernetes.io/zone"


def desired_taints(node: dict, allow_noexecute: bool, now: str) -> list | None:
    """The node's taints with the condition taints made consistent; None when nothing changes."""
    current = list((node.get("spec") or {}).get("taints") or [])
    ready = condition_status(node, "Ready")
    wanted = set()
    if ready == "False":
        wanted |= {(T.NOT_READY, "NoSchedule")} | ({(T.NOT_READY, "NoExecute")} if allow_noexecute else set())
    elif ready == "Unknown":
        wanted |= {(T.UNREACHABLE, "NoSchedule")} | ({(T.UNREACHABLE, "NoExecute")} if allow_noexecute else set())
    if (node.get("spec") or {}).get("unschedulable"):
        wanted.add((T.UNSCHEDULABLE, "NoSchedule"))
    managed = {(T.NOT_READY, "NoSchedule"), (T.NOT_READY, "NoExecute"), (T.UNREACHABLE, "NoSchedule"),
               (T.UNREACHABLE, "NoExecute"), (T.UNSCHEDULABLE, "NoSchedule")}
    result, present = [], set()
    for taint in current:
        ident = (taint.get("key"), taint.get("effect"))
        if ident in managed and ident not in wanted:
            continue
        if ident in present:
            continue
        present.add(ident)
        result.append(taint)
    for key, effect in sorted(wanted - present):
        taint = {"key": key, "effect": effect}
        if effect == "NoExecute":
            taint["timeAdded"] = now
        result.append(taint)
    return None if result == current else result


class NodeLifecycle:
    name = "node-lifecycle"

    def __init__(self, api, cache, timings, runner, recorder):
        self.api = api
        self.cache = cache
        self.timings = timings
        self.runner = runner
        self.recorder = recorder
        self._observed: dict = {}   # node -> (lease renewTime, Ready heartbeat, monotonic probe time)
        self._disrupted_zones: set = set()

    def start(self):
        self.runner.enqueue(self, ("monitor",))

    def on_event(self, event_type, key, obj, old):
        if key == "nodes":
            self.runner.enqueue(self, ("taints", name_of(obj)))
            if event_type == "DELETED":
                self._observed.pop(name_of(obj), None)
        elif key == "leases.coordination.k8s.io" and namespace_of(obj) == "kube-node-lease":
            self._observe(name_of(obj))

    def resync(self):
        for name in self.cache.node_names():
            self.runner.enqueue(self, ("taints", name))

    def sync(self, item):
        if item[0] == "monitor":
            self.runner.enqueue_after(self.timings.node_monitor_period_seconds, self, ("monitor",))
            self._monitor()
        else:
            self._sync_taints(item[1])

    def _heartbeats(self, name):
        lease = self.cache.get("leases.coordination.k8s.io", "kube-node-lease", name)
        node = self.cache.get("nodes", "", name)
        renew = ((lease or {}).get("spec") or {}).get("renewTime")
        beat = None
        for cond in ((node or {}).get("status") or {}).get("conditions") or []:
            if cond.get("type") == "Ready":
                beat = cond.get("lastHeartbeatTime")
        return renew, beat

    def _observe(self, name):
        renew, beat = self._heartbeats(name)
        seen = self._observed.get(name)
        if seen is None or seen[0] != renew or seen[1] != beat:
            self._observed[name] = (renew, beat, time.monotonic())

    def _monitor(self):
        now = time.monotonic()
        for name in self.cache.node_names():
            self._observe(name)
            if now - self._observed[name][2] > self.timings.node_monitor_grace_seconds:
                self._mark_unknown(name)
        self._update_zone_states()

    def _update_zone_states(self):
        zones: dict = {}
        for node in self.cache.list("nodes"):
            healthy, total = zones.get(labels_of(node).get(ZONE_LABEL, ""), (0, 0))
            zones[labels_of(node).get(ZONE_LABEL, "")] = (
                healthy + (condition_status(node, "Ready") == "True"), total + 1)
        disrupted = {zone for zone, (healthy, total) in zones.items() if total > 1 and healthy == 0}
        if disrupted != self._disrupted_zones:
            changed = disrupted ^ self._disrupted_zones
            self._disrupted_zones = disrupted
            for node in self.cache.list("nodes"):
                if labels_of(node).get(ZONE_LABEL, "") in changed:
                    self.runner.enqueue(self, ("taints", name_of(node)))

    def _mark_unknown(self, name):
        now = now_rfc3339()
        before = self.cache.get("nodes", "", name)
        if before is None or all(condition_status(before, c) == "Unknown" for c in MONITORED_CONDITIONS):
            return

        def unknown(node):
            changed = False
            for ctype in MONITORED_CONDITIONS:
                if condition_status(node, ctype) != "Unknown":
                    set_condition(node, ctype, "Unknown", reason=UNKNOWN_REASON, message=UNKNOWN_MESSAGE, now=now)
                    changed = True
            return node if changed else None

        node = self.api.mutate("nodes", "", name, unknown, subresource="status")
        if node is not None:
            self.recorder.record(node, "NodeNotReady", f"Node {name} status is now: NodeNotReady",
                                 host=None)
            self._mark_pods_not_ready(name)
            self._sync_taints(name)

    def _mark_pods_not_ready(self, name):
        now = now_rfc3339()

        def not_ready(pod):
            if condition_status(pod, "Ready") == "False" or is_terminal(pod):
                return None
            set_condition(pod, "Ready", "False", now=now)
            return pod

        for pod in self.cache.pods_on(name):
            self.api.mutate("pods", namespace_of(pod), name_of(pod), not_ready, subresource="status")

    def _sync_taints(self, name):
        node = self.cache.get("nodes", "", name)
        if node is None:
            return
        allow = labels_of(node).get(ZONE_LABEL, "") not in self._disrupted_zones
        now = now_rfc3339()
        if desired_taints(node, allow, now) is None:
            return

        def retaint(obj):
            wanted = desired_taints(obj, allow, now)
            if wanted is None:
                return None
            obj.setdefault("spec", {})["taints"] = wanted
            if not wanted:
                obj["spec"].pop("taints")
            return obj

        self.api.mutate("nodes", "", name, retaint)


__all__ = ["NodeLifecycle", "desired_taints", "parse_time"]
