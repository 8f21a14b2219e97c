# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The node maintenance workflow (native mode): pre-flight, lease, cordon/taint/label/record, drain, end.

Decisions come from maintenance_plan (marks, plan, pre-flight), drain (pods, VMIs) and placement (targets, slots);
this file only reads the cluster, acts and waits. Everything a later run needs is in the cluster (node marks, the
lease, migrations labelled with the node), so an interrupted run is finished by the next one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import getpass
import socket
import time

from ansible_collections.workload.availability.plugins.module_utils import cluster as api
from ansible_collections.workload.availability.plugins.module_utils import leases
from ansible_collections.workload.availability.plugins.module_utils import maintenance_plan as mplan
from ansible_collections.workload.availability.plugins.module_utils import nodes as node_facts
from ansible_collections.workload.availability.plugins.module_utils import placement
from ansible_collections.workload.availability.plugins.module_utils.errors import ClusterError, WaitTimeout

MIGRATION_ATTEMPTS = 3
EVICTION_RETRY_FIRST = 1.0
EVICTION_RETRY_MAX = 5.0
MAX_WAIT_SLICE = 15.0
ETCD_NAMESPACE = "openshift-etcd"


class MaintenanceFailed(Exception):
    """The run stops; ``result`` holds what was done and what is left."""

    def __init__(self, msg, result=None):
        super(MaintenanceFailed, self).__init__(msg)
        self.msg = msg
        self.result = result or {}


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def default_requester():
    try:
        user = getpass.getuser()
    except Exception:  # pylint: disable=broad-except
        user = "unknown"
    return "%s@%s (ansible workload.availability.node_maintenance)" % (user, socket.gethostname())


def _key(obj):
    return "%s/%s" % (obj["metadata"].get("namespace"), obj["metadata"]["name"])


def _entry_key(entry):
    return "%s/%s" % (entry["namespace"], entry["name"])


class Snapshot:
    """What one pass of the drain loop reads: the node's pods, every VMI and every migration (3 requests)."""

    def __init__(self, cluster, node_name):
        self.pods = cluster.pods_on_node(node_name)
        self.vmis = cluster.list(api.VMI) if cluster.served("kubevirt.io/v1", "VirtualMachineInstance") else []
        self.vmims = cluster.list(api.VMIM) if self.vmis else []
        self.vmis_on_node = mplan.vmis_on(node_name, self.vmis)
        self.vmi_by_key = dict((_key(v), v) for v in self.vmis)


class NativeMaintenance:
    """Runs state=present|absent for one node without the operator. ``event(what, **details)`` feeds the
    timeline; ``clock`` is monotonic seconds, ``now`` returns an aware UTC datetime."""

    def __init__(self, cluster, params, event, check_mode=False, now=utcnow, clock=time.monotonic,
                 sleep=time.sleep):
        self.cluster = cluster
        self.params = params
        self.event = event
        self.check_mode = check_mode
        self.now = now
        self.clock = clock
        self.sleep = sleep
        self.node_name = params["name"]
        self.options = dict(params.get("delete_options") or {})
        self.options["pod_selectors"] = params.get("pod_selectors") or []
        self.options["non_migratable"] = params.get("non_migratable") or "fail"
        self.result = {"mode": "native", "phase": None, "drain_progress": 0, "evicted": [], "migrated": [],
                       "shut_down": [], "left_on_node": [], "pending": []}

    # -- reading -------------------------------------------------------------------------------------------------

    def read_node(self):
        node = self.cluster.get(api.NODE, self.node_name)
        if node is None:
            raise MaintenanceFailed("node %s not found: check the name option (kubectl get nodes lists them)"
                                    % self.node_name, self.result)
        return node

    def limits(self):
        if not self.cluster.served("kubevirt.io/v1", "KubeVirt"):
            return dict(placement.DEFAULT_LIMITS)
        crs = self.cluster.list(api.KUBEVIRT)
        return placement.migration_limits(crs[0] if crs else None)

    # -- node marks ----------------------------------------------------------------------------------------------

    def patch_node(self, build):
        """Apply build(node) -> node_patch kwargs, re-reading when the taint-list test fails (someone else wrote
        the node meanwhile). Returns (before, after, changed)."""
        for _attempt in range(6):
            node = self.read_node()
            ops = node_facts.node_patch(node, **build(node))
            if not ops:
                return node, node, False
            try:
                after = self.cluster.patch(api.NODE, self.node_name, ops, patch_type="json")
                return node, after, True
            except ClusterError as exc:
                if exc.status not in (409, 422):
                    raise
                self.event("node changed meanwhile, retrying", status=exc.status)
        raise MaintenanceFailed("node %s kept changing while we patched it; rerun the task" % self.node_name,
                                self.result)

    # -- state=present -------------------------------------------------------------------------------------------

    def present(self):
        node = self.read_node()
        now = self.now()
        lease = leases.read(self.cluster, self.node_name)
        if leases.decide(lease, leases.MAINTENANCE_HOLDER, now) == leases.HELD:
            held = leases.LeaseHeld(self.node_name, leases.holder(lease), leases.expires_at(lease))
            raise MaintenanceFailed("refusing maintenance: %s" % held,
                                    dict(self.result, lease_holder=leases.holder(lease)))
        resumed = mplan.marks(node)["record"]
        snap = Snapshot(self.cluster, self.node_name)
        plan = mplan.plan_drain(snap.pods, snap.vmis_on_node, self.options)
        all_nodes = self.cluster.list(api.NODE)
        all_pods = self.cluster.list(api.POD)
        pdbs = self.cluster.list(api.PDB, namespace=ETCD_NAMESPACE) if node_facts.is_control_plane(node) else []
        verdict = mplan.preflight(node, all_nodes, all_pods, plan, snap.pods, snap.vmis_on_node, pdbs,
                                  check_quorum=not resumed)
        targets = verdict["targets"] if self.params.get("placement") == "balanced" else {}
        self.result["plan"] = self.describe_plan(plan, targets)
        self.result["preflight"] = {"capacity": verdict["capacity"], "etcd": verdict["etcd"]}
        self.event("planned", evict=len(plan["pods"]["evict"]), migrate=len(plan["vms"]["migrate"]),
                   blockers=len(mplan.blockers(plan)))
        blocked = mplan.blockers(plan)
        problems = verdict["problems"] + ["%s %s/%s: %s" % (b["kind"], b["namespace"], b["name"], b["reason"])
                                          for b in blocked]
        if problems:
            raise MaintenanceFailed("cannot put node %s into maintenance, nothing was changed: %s"
                                    % (self.node_name, "; ".join(problems)),
                                    dict(self.result, phase="Failed", pending=blocked))
        changes_for = self.present_changes_builder(now)
        after_view = node_facts.node_view(mplan.apply_changes(node, changes_for(node)))
        self.result["diff"] = {"before": node_facts.node_view(node), "after": after_view}
        would_change = bool(node_facts.node_patch(node, **changes_for(node))) \
            or leases.decide(lease, leases.MAINTENANCE_HOLDER, now) != leases.RENEW \
            or not mplan.is_drained(plan)
        if self.check_mode:
            self.result.update(phase="Planned", changed=would_change, node=after_view,
                               drain_progress=0 if not mplan.is_drained(plan) else 100)
            return self.result
        _lease, lease_changed = leases.acquire(self.cluster, node, leases.MAINTENANCE_HOLDER,
                                               self.params["lease_duration"], now)
        self.lease_renewed_at = self.clock()
        self.event("lease acquired" if lease_changed else "lease held", holder=leases.MAINTENANCE_HOLDER)
        _before, after, node_changed = self.patch_node(changes_for)
        if node_changed:
            self.event("node cordoned, tainted and recorded", reason=self.params.get("reason"))
            self.cluster.emit_event(after, "MaintenanceStarted", "node maintenance started by %s: %s"
                                    % (self.requester(), self.params.get("reason") or "maintenance"))
        self.result["node"] = node_facts.node_view(after)
        self.result["diff"]["after"] = self.result["node"]
        self.result["lease_holder"] = leases.MAINTENANCE_HOLDER
        drained_changed = self.drain(plan, targets)
        self.result["changed"] = bool(lease_changed or node_changed or drained_changed)
        return self.result

    def requester(self):
        return self.params.get("requested_by") or default_requester()

    def present_changes_builder(self, now):
        since = leases.format_time(now)

        def build(node):
            return mplan.present_changes(node, self.params.get("reason"), self.requester(), since)
        return build

    def describe_plan(self, plan, targets):
        def with_target(entry):
            key = _entry_key(entry)
            return dict(entry, source=self.node_name, target=targets.get(key, "scheduler"))
        return {
            "evict": plan["pods"]["evict"],
            "terminating": plan["pods"]["terminating"],
            "skip": plan["pods"]["skip"] + plan["vms"]["skip"],
            "migrate": [with_target(e) for e in plan["vms"]["migrate"]],
            "in_flight": plan["vms"]["in_flight"],
            "shutdown": plan["vms"]["shutdown"],
            "blockers": mplan.blockers(plan),
        }

    # -- the drain loop ------------------------------------------------------------------------------------------

    def drain(self, first_plan, targets):
        """Evict pods and migrate VMs until the node is drained or the timeout passes. Returns whether it acted."""
        deadline = self.clock() + self.params["timeout"]
        limits = self.limits()
        self.result["migration_limits"] = limits
        total = mplan.remaining_count(first_plan)
        acted = False
        backoff = {}        # pod key -> [attempts, next_due, last refusal]
        evicted = set()
        deleted_vmis = set()
        tracked = {}        # vmi key -> {"from", "target"} of VMIs we migrate
        last_pending = []
        while True:
            try:
                snap = Snapshot(self.cluster, self.node_name)
            except ClusterError as exc:
                if (exc.status != 429 and (exc.status or 500) < 500) or self.clock() >= deadline:
                    raise
                self.event("API busy, reading again", status=exc.status)
                self.sleep(min(1.0, max(0.0, deadline - self.clock())))
                continue
            plan = mplan.plan_drain(snap.pods, snap.vmis_on_node, self.options)
            self.note_migrated(snap, tracked)
            remaining = mplan.remaining_count(plan)
            self.result["drain_progress"] = mplan.drain_progress(total, remaining)
            self.result["left_on_node"] = plan["pods"]["skip"] + plan["vms"]["skip"]
            if mplan.is_drained(plan):
                self.result.update(phase="Succeeded", pending=[], drain_progress=100)
                self.event("drained", evicted=len(self.result["evicted"]), migrated=len(self.result["migrated"]))
                if acted:
                    self.cluster.emit_event({"apiVersion": "v1", "kind": "Node",
                                             "metadata": {"name": self.node_name}},
                                            "MaintenanceDrained", "node drained for maintenance")
                return acted
            now = self.clock()
            if now >= deadline:
                self.result.update(phase="Failed", pending=last_pending or self.pending(plan, snap, backoff, limits))
                self.event("timeout", pending=len(self.result["pending"]))
                raise MaintenanceFailed(
                    "node %s not drained within timeout=%ss (%d%% done); it stays cordoned and recorded; pending: %s"
                    % (self.node_name, self.params["timeout"], self.result["drain_progress"],
                       "; ".join("%s %s: %s" % (p["kind"], p["name"], p["reason"]) for p in self.result["pending"])),
                    self.result)
            if self.stuck(plan, snap):
                self.result.update(phase="Failed", pending=self.pending(plan, snap, backoff, limits))
                raise MaintenanceFailed(
                    "node %s cannot be drained: every VM left failed to migrate %d times (%d%% done); it stays "
                    "cordoned and recorded; pending: %s" % (
                        self.node_name, MIGRATION_ATTEMPTS, self.result["drain_progress"],
                        "; ".join("%s %s: %s" % (p["kind"], p["name"], p["reason"]) for p in self.result["pending"])),
                    self.result)
            self.renew_lease()
            acted |= self.evict_pods(plan, backoff, evicted, now)
            acted |= self.shut_down(plan, deleted_vmis)
            acted |= self.start_migrations(plan, snap, limits, targets, tracked)
            last_pending = self.pending(plan, snap, backoff, limits)
            self.result["pending"] = last_pending
            self.wait_for_change(plan, snap, tracked, backoff, deadline)

    def stuck(self, plan, snap):
        """Nothing can move any more: only VMs whose migrations failed MIGRATION_ATTEMPTS times are left."""
        pods, vms = plan["pods"], plan["vms"]
        if pods["evict"] or pods["terminating"] or vms["in_flight"] or vms["shutdown"] or not vms["migrate"]:
            return False
        ours = self.our_migrations(snap)
        for entry in vms["migrate"]:
            mine = ours.get(_entry_key(entry), [])
            failures = [m for m in mine if (m.get("status") or {}).get("phase") == "Failed"]
            if any(placement.is_active_migration(m) for m in mine) or len(failures) < MIGRATION_ATTEMPTS:
                return False
        return True

    def renew_lease(self):
        if self.clock() - self.lease_renewed_at < self.params["lease_duration"] / 2.0:
            return
        node = self.read_node()
        leases.acquire(self.cluster, node, leases.MAINTENANCE_HOLDER, self.params["lease_duration"], self.now())
        self.lease_renewed_at = self.clock()
        self.event("lease renewed")

    def evict_pods(self, plan, backoff, evicted, now):
        acted = False
        grace = self.options.get("terminate_grace_period")
        for entry in plan["pods"]["evict"]:
            key = _entry_key(entry)
            state = backoff.setdefault(key, [0, 0.0, None])
            if state[1] > now:
                continue
            state[0] += 1
            try:
                self.cluster.evict({"metadata": {"name": entry["name"], "namespace": entry["namespace"]}},
                                   grace_period_seconds=grace)
            except ClusterError as exc:
                if exc.status != 429:
                    raise
                # "not yet": a disruption budget or KubeVirt; retried with backoff until the timeout
                state[1] = now + min(EVICTION_RETRY_MAX, EVICTION_RETRY_FIRST * (2 ** (state[0] - 1)))
                if state[2] != exc.message:
                    self.event("eviction refused (429), will retry", pod=key, message=exc.message)
                state[2] = exc.message
                continue
            acted = True
            state[1] = now + EVICTION_RETRY_MAX
            if key not in evicted:
                evicted.add(key)
                self.result["evicted"].append({"namespace": entry["namespace"], "name": entry["name"]})
                self.event("evicted", pod=key)
        return acted

    def shut_down(self, plan, deleted_vmis):
        acted = False
        for entry in plan["vms"]["shutdown"]:
            key = _entry_key(entry)
            if key in deleted_vmis:
                continue
            self.cluster.delete(api.VMI, entry["name"], namespace=entry["namespace"],
                                grace_period_seconds=self.options.get("terminate_grace_period"))
            deleted_vmis.add(key)
            self.result["shut_down"].append({"namespace": entry["namespace"], "name": entry["name"],
                                             "reason": entry["reason"]})
            self.event("VM shut down (not live-migratable)", vmi=key)
            acted = True
        return acted

    def our_migrations(self, snap):
        """{vmi key: [our VMIMs]} for migrations labelled with this node."""
        found = {}
        for vmim in snap.vmims:
            labels = (vmim.get("metadata") or {}).get("labels") or {}
            if labels.get(mplan.MIGRATION_NODE_LABEL) == self.node_name:
                key = "%s/%s" % (vmim["metadata"].get("namespace"), (vmim.get("spec") or {}).get("vmiName"))
                found.setdefault(key, []).append(vmim)
        return found

    def active_sources(self, snap):
        sources = []
        for vmim in snap.vmims:
            if not placement.is_active_migration(vmim):
                continue
            vmi = snap.vmi_by_key.get("%s/%s" % (vmim["metadata"].get("namespace"),
                                                 (vmim.get("spec") or {}).get("vmiName")))
            sources.append(((vmi or {}).get("status") or {}).get("nodeName"))
        return sources

    def start_migrations(self, plan, snap, limits, targets, tracked):
        ours = self.our_migrations(snap)
        free = placement.free_slots(limits, self.active_sources(snap), self.node_name)
        acted = False
        for entry in plan["vms"]["migrate"]:
            key = _entry_key(entry)
            mine = ours.get(key, [])
            tracked.setdefault(key, {"from": self.node_name})
            if any(placement.is_active_migration(m) for m in mine):
                continue
            failures = [m for m in mine if (m.get("status") or {}).get("phase") == "Failed"]
            if len(failures) >= MIGRATION_ATTEMPTS or free <= 0:
                continue
            target = targets.get(key) if not failures else None
            free -= 1
            try:
                created = self.cluster.create(api.VMIM, mplan.migration_body(entry, self.node_name, target),
                                              namespace=entry["namespace"])
            except ClusterError as exc:
                # KubeVirt refuses a second migration of a VMI; one started since our snapshot (another run, or the
                # last request of an interrupted one) is followed like ours
                if exc.status in (400, 422) and "in-flight migration" in exc.message:
                    self.event("migration already in progress", vmi=key)
                    continue
                raise
            acted = True
            tracked[key]["target"] = target
            tracked[key]["started"] = self.now()
            self.event("migration created", vmi=key, migration=created["metadata"]["name"],
                       target=target or "scheduler", attempt=len(failures) + 1)
        return acted

    def note_migrated(self, snap, tracked):
        ours = self.our_migrations(snap)
        done = set(_entry_key(m) for m in self.result["migrated"])
        for key in list(tracked) + [k for k in ours if k not in tracked]:
            vmi = snap.vmi_by_key.get(key)
            if key in done or vmi is None:
                continue
            node_now = (vmi.get("status") or {}).get("nodeName")
            if node_now and node_now != self.node_name:
                succeeded = [m for m in ours.get(key, []) if (m.get("status") or {}).get("phase") == "Succeeded"]
                # our own clock when this run created the migration; creationTimestamp (whole seconds) on resume
                started = (tracked.get(key) or {}).get("started") or min(
                    (leases.parse_time(m["metadata"].get("creationTimestamp")) for m in ours.get(key, [])
                     if m["metadata"].get("creationTimestamp")), default=None)
                seconds = round((self.now() - started).total_seconds(), 1) if started else None
                namespace, name = key.split("/", 1)
                self.result["migrated"].append({"namespace": namespace, "name": name, "from": self.node_name,
                                                "to": node_now, "seconds": seconds,
                                                "migration": succeeded[-1]["metadata"]["name"] if succeeded else None})
                self.event("migrated", vmi=key, to=node_now, seconds=seconds)

    def pending(self, plan, snap, backoff, limits):
        found = []
        for entry in plan["pods"]["evict"]:
            state = backoff.get(_entry_key(entry)) or [0, 0, None]
            reason = ("eviction refused (429): %s" % state[2]) if state[2] else "eviction requested, pod terminating"
            found.append({"kind": "Pod", "namespace": entry["namespace"], "name": entry["name"], "reason": reason})
        for entry in plan["pods"]["terminating"]:
            found.append({"kind": "Pod", "namespace": entry["namespace"], "name": entry["name"],
                          "reason": "terminating (within its grace period)"})
        for entry in plan["pods"]["blockers"]:
            found.append(dict(entry, kind="Pod"))
        ours = self.our_migrations(snap)
        active = len(self.active_sources(snap))
        for entry in plan["vms"]["migrate"] + plan["vms"]["in_flight"]:
            key = _entry_key(entry)
            mine = ours.get(key, [])
            running = [m for m in mine if placement.is_active_migration(m)]
            failures = [m for m in mine if (m.get("status") or {}).get("phase") == "Failed"]
            if running:
                phase = (running[-1].get("status") or {}).get("phase") or "Pending"
                reason = "migration %s %s" % (running[-1]["metadata"]["name"], phase)
                if phase == "Pending":
                    reason += " (queued behind KubeVirt limits: %d per node, %d per cluster; %d active)" % (
                        limits["per_node"], limits["per_cluster"], active)
            elif len(failures) >= MIGRATION_ATTEMPTS:
                reason = "migration failed %d times: %s" % (len(failures), self.failure_reason(failures[-1], snap))
            elif entry in plan["vms"]["in_flight"]:
                reason = "migration or evacuation in progress (not started by this run)"
            else:
                reason = "waiting for a migration slot (%d per node, %d per cluster; %d active)" % (
                    limits["per_node"], limits["per_cluster"], active)
                if failures:
                    reason += "; last attempt failed: %s" % self.failure_reason(failures[-1], snap)
            found.append({"kind": "VirtualMachineInstance", "namespace": entry["namespace"], "name": entry["name"],
                          "reason": reason})
        for entry in plan["vms"]["shutdown"]:
            found.append({"kind": "VirtualMachineInstance", "namespace": entry["namespace"], "name": entry["name"],
                          "reason": "shutting down (not live-migratable)"})
        for entry in plan["vms"]["blockers"]:
            found.append(dict(entry, kind="VirtualMachineInstance"))
        return found

    @staticmethod
    def failure_reason(vmim, snap):
        status = vmim.get("status") or {}
        state = status.get("migrationState") or {}
        if state.get("failureReason"):
            return state["failureReason"]
        for cond in status.get("conditions") or []:
            if cond.get("message"):
                return cond["message"]
        vmi = snap.vmi_by_key.get("%s/%s" % (vmim["metadata"].get("namespace"), (vmim.get("spec") or {}).get("vmiName")))
        return (((vmi or {}).get("status") or {}).get("migrationState") or {}).get("failureReason") or "unknown"

    def wait_for_change(self, plan, snap, tracked, backoff, deadline):
        """Sleep until something on the node moves (watch), the next eviction retry is due, or the deadline."""
        now = self.clock()
        due = [state[1] for state in backoff.values() if state[1] > now]
        timeout = min([deadline - now, MAX_WAIT_SLICE] + [d - now for d in due])
        if timeout <= 0.01:
            return
        vm_activity = plan["vms"]["migrate"] or plan["vms"]["in_flight"] or plan["vms"]["shutdown"]
        if vm_activity:
            watched = set(tracked) | set(_key(v) for v in snap.vmis_on_node)
            signature = self.vmi_signature(snap.vmis, watched)
            kind, kwargs = api.VMI, {}

            def changed(objects):
                return self.vmi_signature(objects, watched) != signature
        else:
            signature = self.pod_signature(snap.pods)
            kind, kwargs = api.POD, {"field_selector": "spec.nodeName=" + self.node_name}

            def changed(objects):
                return self.pod_signature(objects) != signature
        try:
            self.cluster.wait_until(kind, changed, timeout, describe="a change on node %s" % self.node_name,
                                    **kwargs)
        except WaitTimeout:
            pass
        except ClusterError as exc:
            if exc.status != 429 and (exc.status or 500) < 500:
                raise
            self.sleep(min(1.0, timeout))

    def vmi_signature(self, vmis, watched):
        sig = set()
        for vmi in vmis:
            key = _key(vmi)
            status = vmi.get("status") or {}
            if key not in watched and status.get("nodeName") != self.node_name:
                continue
            # only what frees a slot or needs an action wakes the loop (not every migration progress update)
            state = status.get("migrationState") or {}
            sig.add((key, status.get("nodeName"), status.get("phase"), bool(state.get("failed")),
                     bool((vmi.get("metadata") or {}).get("deletionTimestamp"))))
        return sig

    @staticmethod
    def pod_signature(pods):
        return set((_key(p), bool(p["metadata"].get("deletionTimestamp")), (p.get("status") or {}).get("phase"))
                   for p in pods)

    # -- state=absent --------------------------------------------------------------------------------------------

    def absent(self):
        node = self.read_node()
        current = mplan.marks(node)
        changes = mplan.absent_changes(node)
        ops = node_facts.node_patch(node, **changes)
        lease = leases.read(self.cluster, self.node_name)
        ours_lease = leases.holder(lease) == leases.MAINTENANCE_HOLDER
        after_view = node_facts.node_view(mplan.apply_changes(node, changes))
        self.result["diff"] = {"before": node_facts.node_view(node), "after": after_view}
        if current["unschedulable"] and changes["unschedulable"] is None:
            self.result.setdefault("warnings", []).append(
                "node %s is cordoned without a maintenance record (someone else cordoned it); left cordoned"
                % self.node_name)
        snap_vmims = self.cluster.list(api.VMIM) if self.cluster.served("kubevirt.io/v1", "VirtualMachineInstance") \
            else []
        cancel = [m for m in snap_vmims if ((m.get("metadata") or {}).get("labels") or {}).get(
            mplan.MIGRATION_NODE_LABEL) == self.node_name and placement.is_active_migration(m)
            and (m.get("status") or {}).get("phase") in (None, "", "Pending")]
        changed = bool(ops) or ours_lease or bool(cancel)
        self.result.update(phase="Ended" if changed else "NotInMaintenance", node=after_view,
                           drain_progress=None)
        if self.check_mode:
            self.result["changed"] = changed
            self.result["plan"] = {"cancel_migrations": [_key(m) for m in cancel], "release_lease": ours_lease}
            return self.result
        for vmim in cancel:
            self.cluster.delete(api.VMIM, vmim["metadata"]["name"], namespace=vmim["metadata"].get("namespace"))
            self.event("queued migration cancelled", migration=_key(vmim))
        _before, after, node_changed = self.patch_node(mplan.absent_changes)
        if node_changed:
            self.event("node uncordoned, maintenance marks removed")
            self.cluster.emit_event(after, "MaintenanceEnded", "node maintenance ended by %s" % self.requester())
        released = leases.release(self.cluster, self.node_name, leases.MAINTENANCE_HOLDER)
        if released:
            self.event("lease released")
        self.result["node"] = node_facts.node_view(after)
        self.result["diff"]["after"] = self.result["node"]
        self.result["changed"] = bool(node_changed or released or cancel)
        return self.result
