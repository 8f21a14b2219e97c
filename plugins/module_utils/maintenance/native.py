# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Native maintenance (shell): this collection puts the node into maintenance and takes it out itself.

state=present, in this order: read the node -> refuse when another holder has its lease -> plan the drain from a
snapshot -> pre-flight (capacity, etcd quorum, blockers) -> [check mode stops here] -> take the lease -> mark the
node (cordon, taints, label, record) -> drain (maintenance/drain_loop.py).
state=absent: read the node -> [check mode stops here] -> cancel our queued migrations -> remove the marks ->
release the lease.
Decisions come from maintenance/marks.py, plan.py and preflight.py; everything a later run needs is in the
cluster (node marks, the lease, migrations labelled with the node), so an interrupted run is finished by the next.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import lease_updates
from ansible_collections.workload.availability.plugins.module_utils import leases
from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import kinds
from ansible_collections.workload.availability.plugins.module_utils.core import nodes
from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core.clock import format_time
from ansible_collections.workload.availability.plugins.module_utils.core.errors import AvailabilityError
from ansible_collections.workload.availability.plugins.module_utils.core.node_updates import patch_node
from ansible_collections.workload.availability.plugins.module_utils.maintenance import marks
from ansible_collections.workload.availability.plugins.module_utils.maintenance import plan as plans
from ansible_collections.workload.availability.plugins.module_utils.maintenance.drain_loop import DrainLoop
from ansible_collections.workload.availability.plugins.module_utils.maintenance.options import drain_options, requester
from ansible_collections.workload.availability.plugins.module_utils.maintenance.preflight import preflight
from ansible_collections.workload.availability.plugins.module_utils.maintenance.progress import new_result
from ansible_collections.workload.availability.plugins.module_utils.maintenance.reads import (
    read_etcd_pdbs, read_lease, read_node, read_snapshot)
from ansible_collections.workload.availability.plugins.module_utils.migrations import runner as migrations
from ansible_collections.workload.availability.plugins.module_utils.migrations import state as migration_state


class MaintenanceLease(object):
    """The node lease as holder node-maintenance, renewed at half its duration while the drain runs."""

    def __init__(self, ctx, params, result):
        self.ctx = ctx
        self.name = params["name"]
        self.duration = params["lease_duration"]
        self.result = result
        self.renewed_at = None

    def acquire(self, node):
        _lease, changed = lease_updates.acquire(self.ctx.cluster, node, medik8s.MAINTENANCE_HOLDER, self.duration,
                                                self.ctx.now())
        self.renewed_at = self.ctx.monotonic()
        return changed

    def renew_if_due(self):
        if self.ctx.monotonic() - self.renewed_at < self.duration / 2.0:
            return
        self.acquire(read_node(self.ctx.cluster, self.name, self.result))
        self.ctx.event("lease renewed")


class NativeMaintenance(object):
    """state=present|absent for one node without the operator; ``result`` is filled as the run goes."""

    def __init__(self, ctx, params):
        self.ctx = ctx
        self.cluster = ctx.cluster
        self.params = params
        self.node_name = params["name"]
        self.options = drain_options(params)
        self.result = new_result("native")

    def present(self):
        # 1. the node, and no one else's lease on it
        node = read_node(self.cluster, self.node_name, self.result)
        now = self.ctx.now()
        lease = read_lease(self.cluster, self.node_name, now, self.result)
        # 2. the plan from a snapshot, and the pre-flight verdict
        snap = read_snapshot(self.cluster, self.node_name)
        plan = plans.plan_drain(snap.pods, snap.vmis_on_node, self.options)
        verdict = preflight(node, self.cluster.list(kinds.NODE), self.cluster.list(kinds.POD), plan, snap.pods,
                            snap.vmis_on_node, read_etcd_pdbs(self.cluster, node),
                            check_quorum=not medik8s.maintenance_marks(node)["record"])
        targets = verdict["targets"] if self.params.get("placement") == "balanced" else {}
        blocked = plans.blockers(plan)
        self.result["plan"] = plans.describe(plan, targets, self.node_name)
        self.result["preflight"] = {"capacity": verdict["capacity"], "etcd": verdict["etcd"]}
        self.ctx.event("planned", evict=len(plan["pods"]["evict"]), migrate=len(plan["vms"]["migrate"]),
                       blockers=len(blocked))
        # 3. refuse before anything changes
        problems = verdict["problems"] + ["%s %s/%s: %s" % (b["kind"], b["namespace"], b["name"], b["reason"])
                                          for b in blocked]
        if problems:
            raise AvailabilityError("cannot put node %s into maintenance, nothing was changed: %s"
                                    % (self.node_name, "; ".join(problems)),
                                    dict(self.result, phase="Failed", pending=blocked))
        changes_for = self.present_changes_builder(now)
        after_view = nodes.node_view(marks.apply_changes(node, changes_for(node)))
        self.result["diff"] = {"before": nodes.node_view(node), "after": after_view}
        # 4. check mode ends here, with what would change
        if self.ctx.check_mode:
            would_change = bool(nodes.node_patch(node, **changes_for(node))) \
                or leases.decide(lease, medik8s.MAINTENANCE_HOLDER, now) != leases.RENEW \
                or not plans.is_drained(plan)
            self.result.update(phase="Planned", changed=would_change, node=after_view,
                               drain_progress=0 if not plans.is_drained(plan) else 100)
            return self.result
        # 5. hold the node, mark it, drain it
        lease_keeper = MaintenanceLease(self.ctx, self.params, self.result)
        lease_changed = lease_keeper.acquire(node)
        self.ctx.event("lease acquired" if lease_changed else "lease held", holder=medik8s.MAINTENANCE_HOLDER)
        after, node_changed = self.patch(lambda current: nodes.node_patch(current, **changes_for(current)))
        if node_changed:
            self.ctx.event("node cordoned, tainted and recorded", reason=self.params.get("reason"))
            self.cluster.emit_event(after, "MaintenanceStarted", "node maintenance started by %s: %s"
                                    % (requester(self.params), self.params.get("reason") or "maintenance"))
        self.result["node"] = nodes.node_view(after)
        self.result["diff"]["after"] = self.result["node"]
        self.result["lease_holder"] = medik8s.MAINTENANCE_HOLDER
        drained = DrainLoop(self.ctx, self.params, self.options, self.result, lease_keeper).run(plan, targets)
        self.result["changed"] = bool(lease_changed or node_changed or drained)
        return self.result

    def present_changes_builder(self, now):
        since = format_time(now)

        def build(node):
            return marks.present_changes(node, self.params.get("reason"), requester(self.params), since)
        return build

    def patch(self, build):
        def read():
            return read_node(self.cluster, self.node_name, self.result)

        _before, after, changed = patch_node(self.cluster, read, build, event=self.ctx.event)
        return after, changed

    def absent(self):
        # 1. the node, what ending maintenance changes, and our queued migrations
        node = read_node(self.cluster, self.node_name, self.result)
        current = medik8s.maintenance_marks(node)
        changes = marks.absent_changes(node)
        ops = nodes.node_patch(node, **changes)
        ours_lease = leases.holder(lease_updates.read(self.cluster, self.node_name)) == medik8s.MAINTENANCE_HOLDER
        after_view = nodes.node_view(marks.apply_changes(node, changes))
        self.result["diff"] = {"before": nodes.node_view(node), "after": after_view}
        if current["unschedulable"] and changes["unschedulable"] is None:
            self.result.setdefault("warnings", []).append(
                "node %s is cordoned without a maintenance record (someone else cordoned it); left cordoned"
                % self.node_name)
        vmims = self.cluster.list(kinds.VMIM) if self.cluster.served(kinds.VMI) else []
        cancel = [m for m in vmims if objects.labels_of(m).get(medik8s.MIGRATION_NODE_LABEL) == self.node_name
                  and migration_state.is_queued(m)]
        changed = bool(ops) or ours_lease or bool(cancel)
        self.result.update(phase="Ended" if changed else "NotInMaintenance", node=after_view, drain_progress=None)
        # 2. check mode ends here
        if self.ctx.check_mode:
            self.result["changed"] = changed
            self.result["plan"] = {"cancel_migrations": [objects.key_of(m) for m in cancel],
                                   "release_lease": ours_lease}
            return self.result
        # 3. cancel, unmark, release
        migrations.cancel(self.cluster, cancel, self.ctx.event)
        after, node_changed = self.patch(lambda current: nodes.node_patch(current, **marks.absent_changes(current)))
        if node_changed:
            self.ctx.event("node uncordoned, maintenance marks removed")
            self.cluster.emit_event(after, "MaintenanceEnded", "node maintenance ended by %s" % requester(self.params))
        released = lease_updates.release(self.cluster, self.node_name, medik8s.MAINTENANCE_HOLDER)
        if released:
            self.ctx.event("lease released")
        self.result["node"] = nodes.node_view(after)
        self.result["diff"]["after"] = self.result["node"]
        self.result["changed"] = bool(node_changed or released or cancel)
        return self.result
