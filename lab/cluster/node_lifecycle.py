"""Node lifecycle controller: watches node heartbeats (Lease renewals and Ready condition heartbeats) and, after
node-monitor-grace without one, sets the node's conditions to Unknown and marks its pods not ready. Keeps the
condition taints in step with the Ready condition and spec.unschedulable:
  Ready=False   -> node.kubernetes.io/not-ready NoSchedule + NoExecute
  Ready=Unknown -> node.kubernetes.io/unreachable NoSchedule + NoExecute
  unschedulable -> node.kubernetes.io/unschedulable NoSchedule
NoExecute taints are added at each zone's eviction rate and withheld in disrupted zones (zones.py)."""

import time

from . import taints as T
from . import zones
from .podutil import condition_status, is_terminal, labels_of, name_of, namespace_of, now_rfc3339, set_condition

UNKNOWN_REASON = "NodeStatusUnknown"
UNKNOWN_MESSAGE = "Kubelet stopped posting node status."
MONITORED_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
ZONE_LABEL = "topology.kubernetes.io/zone"
NOEXECUTE = {(T.NOT_READY, "NoExecute"), (T.UNREACHABLE, "NoExecute")}
MANAGED = NOEXECUTE | {(T.NOT_READY, "NoSchedule"), (T.UNREACHABLE, "NoSchedule"), (T.UNSCHEDULABLE, "NoSchedule")}


def desired_taints(node: dict, noexecute: str, now: str) -> list | None:
    """The node's taints with the condition taints made consistent; None when nothing changes.
    noexecute: "add" (may add a NoExecute taint), "keep" (keeps or swaps one but adds none), "strip" (removes)."""
    current = list((node.get("spec") or {}).get("taints") or [])
    ready = condition_status(node, "Ready")
    key = T.NOT_READY if ready == "False" else T.UNREACHABLE if ready == "Unknown" else None
    wanted = set()
    if key:
        wanted.add((key, "NoSchedule"))
        has_noexecute = any((t.get("key"), t.get("effect")) in NOEXECUTE for t in current)
        if noexecute == "add" or (noexecute == "keep" and has_noexecute):
            wanted.add((key, "NoExecute"))
    if (node.get("spec") or {}).get("unschedulable"):
        wanted.add((T.UNSCHEDULABLE, "NoSchedule"))
    result, present = [], set()
    for taint in current:
        ident = (taint.get("key"), taint.get("effect"))
        if (ident in MANAGED and ident not in wanted) or ident in present:
            continue
        present.add(ident)
        result.append(taint)
    for taint_key, effect in sorted(wanted - present):
        taint = {"key": taint_key, "effect": effect}
        if effect == "NoExecute":
            taint["timeAdded"] = now
        result.append(taint)
    return None if result == current else result


def needs_new_noexecute(node: dict) -> bool:
    """The node should carry a NoExecute condition taint and has none yet (a swap is not new)."""
    current = {(t.get("key"), t.get("effect")) for t in (node.get("spec") or {}).get("taints") or []}
    return condition_status(node, "Ready") in ("False", "Unknown") and not (current & NOEXECUTE)


class NodeLifecycle:
    name = "node-lifecycle"

    def __init__(self, api, cache, timings, runner, recorder):
        self.api = api
        self.cache = cache
        self.timings = timings
        self.runner = runner
        self.recorder = recorder
        self._observed: dict = {}   # node -> (lease renewTime, Ready heartbeat, monotonic probe time)
        self._zone_states: dict = {}     # zone -> Normal | PartialDisruption | FullDisruption
        self._zone_sizes: dict = {}
        self._limiters: dict = {}        # zone -> TokenBucket for adding NoExecute taints
        self._last_monitor = time.monotonic()

    def start(self):
        self._last_monitor = time.monotonic()
        self.runner.enqueue(self, ("monitor",), urgent=True)

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
            self.runner.enqueue_after(self.timings.node_monitor_period_seconds, self, ("monitor",), urgent=True)
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

    def _forgive_stall(self, now):
        """The kubelets are simulated on this very thread: when it could not run (a busy process, an overloaded
        host) no kubelet could renew its lease either, so that gap must not count against the nodes."""
        gap = now - self._last_monitor
        self._last_monitor = now
        excess = gap - 2 * self.timings.node_monitor_period_seconds
        if excess > 0:
            for name, (renew, beat, probe) in list(self._observed.items()):
                self._observed[name] = (renew, beat, probe + excess)

    def _monitor(self):
        now = time.monotonic()
        self._forgive_stall(now)
        for name in self.cache.node_names():
            self._observe(name)
            if now - self._observed[name][2] > self.timings.node_monitor_grace_seconds:
                self._mark_unknown(name)
        self._update_zone_states()

    def _update_zone_states(self):
        counts: dict = {}
        for node in self.cache.list("nodes"):
            ready, not_ready = counts.get(labels_of(node).get(ZONE_LABEL, ""), (0, 0))
            healthy = condition_status(node, "Ready") == "True"
            counts[labels_of(node).get(ZONE_LABEL, "")] = (ready + healthy, not_ready + (not healthy))
        threshold = self.timings.unhealthy_zone_threshold
        states = {zone: zones.zone_state(r, n, threshold) for zone, (r, n) in counts.items()}
        self._zone_sizes = {zone: r + n for zone, (r, n) in counts.items()}
        if states != self._zone_states:
            changed = {z for z in set(states) | set(self._zone_states) if states.get(z) != self._zone_states.get(z)}
            self._zone_states = states
            for node in self.cache.list("nodes"):
                if labels_of(node).get(ZONE_LABEL, "") in changed:
                    self.runner.enqueue(self, ("taints", name_of(node)))

    def _noexecute_mode(self, zone) -> str:
        states = self._zone_states
        if states and all(state == zones.FULL for state in states.values()):
            return "strip"
        return "keep"

    def _may_add_noexecute(self, zone, name) -> bool:
        rate = zones.eviction_rate(self._zone_states.get(zone, zones.NORMAL), self._zone_sizes.get(zone, 0),
                                   self.timings)
        limiter = self._limiters.setdefault(zone, zones.TokenBucket(rate))
        now = time.monotonic()
        limiter.set_rate(rate, now)
        wait = limiter.take(now)
        if wait == 0:
            return True
        if wait is not None:
            self.runner.enqueue_after(wait, self, ("taints", name))
        return False

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
            # Tainting follows from the node's update event, after this pass has updated the zone states.

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
        zone = labels_of(node).get(ZONE_LABEL, "")
        mode = self._noexecute_mode(zone)
        if mode == "keep" and needs_new_noexecute(node) and self._may_add_noexecute(zone, name):
            mode = "add"
        now = now_rfc3339()
        if desired_taints(node, mode, now) is None:
            return

        def retaint(obj):
            wanted = desired_taints(obj, mode, now)
            if wanted is None:
                return None
            obj.setdefault("spec", {})["taints"] = wanted
            if not wanted:
                obj["spec"].pop("taints")
            return obj

        self.api.mutate("nodes", "", name, retaint)
