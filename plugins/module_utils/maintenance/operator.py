# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Operator mode (shell): hand the node to the Node Maintenance Operator through a NodeMaintenance CR and follow it.

state=present, in this order: read the node -> when no CR exists yet, pre-flight as native mode does (lease,
VMs NMO cannot move, capacity, quorum) -> [check mode stops here] -> create the CR -> follow its status until
Succeeded or the timeout. state=absent: delete the node's CRs and wait until NMO has let them go.
The CR and its status as data: maintenance/nmo.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import kinds
from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core.clock import format_time
from ansible_collections.workload.availability.plugins.module_utils.core.errors import AvailabilityError, WaitTimeout
from ansible_collections.workload.availability.plugins.module_utils.maintenance import nmo
from ansible_collections.workload.availability.plugins.module_utils.maintenance import plan as plans
from ansible_collections.workload.availability.plugins.module_utils.maintenance.options import drain_options, requester
from ansible_collections.workload.availability.plugins.module_utils.maintenance.preflight import preflight
from ansible_collections.workload.availability.plugins.module_utils.maintenance.progress import new_result
from ansible_collections.workload.availability.plugins.module_utils.maintenance.reads import (
    read_etcd_pdbs, read_lease, read_node, read_snapshot)


class OperatorMaintenance(object):
    """state=present|absent through a NodeMaintenance CR; ``result`` is filled as the run goes."""

    def __init__(self, ctx, params):
        self.ctx = ctx
        self.cluster = ctx.cluster
        self.params = params
        self.node_name = params["name"]
        self.result = new_result("operator")

    def existing(self):
        return nmo.maintenance_for(self.cluster.list(medik8s.NODE_MAINTENANCE), self.node_name)

    def present(self):
        # 1. the node and its CR, if one exists already
        node = read_node(self.cluster, self.node_name, self.result)
        now = self.ctx.now()
        found = self.existing()
        cr = found[0] if found else None
        # 2. before a new CR: the checks NMO does not make
        if cr is None:
            self.preflight(node, now)
        body = nmo.cr_body(self.node_name, self.params.get("reason"), requester(self.params), format_time(now))
        self.result["node_maintenance"] = (cr or body)["metadata"]["name"]
        # 3. check mode ends here
        if self.ctx.check_mode:
            self.result.update(changed=cr is None, phase=nmo.status_summary(cr)["phase"] or "Planned",
                               plan=dict(self.result.get("plan") or {}, create_node_maintenance=None if cr else body))
            return self.result
        # 4. the CR, then its progress
        created = cr is None
        if created:
            cr = self.cluster.create(medik8s.NODE_MAINTENANCE, body)
            self.ctx.event("NodeMaintenance created", name=objects.name_of(cr))
        self.result["changed"] = created
        self.follow(objects.name_of(cr))
        return self.result

    def preflight(self, node, now):
        read_lease(self.cluster, self.node_name, now, self.result)
        snap = read_snapshot(self.cluster, self.node_name)
        # NMO drains with Force and DeleteEmptyDirData: pod blockers do not apply; VMs still do.
        options = dict(drain_options(self.params), force=True, delete_emptydir_data=True)
        plan = plans.plan_drain(snap.pods, snap.vmis_on_node, options)
        self.result["plan"] = plans.describe(plan, {}, self.node_name)
        not_migratable = plan["vms"]["blockers"] + plan["vms"]["shutdown"] + plan["vms"]["skip"]
        if not_migratable:
            raise AvailabilityError(
                "mode=operator cannot honour non_migratable=%s: NMO evicts every pod and KubeVirt refuses (or shuts "
                "down) these VMs: %s; use mode=native, or stop them first"
                % (options["non_migratable"], ", ".join(objects.key_of(e) for e in not_migratable)),
                dict(self.result, phase="Failed"))
        verdict = preflight(node, self.cluster.list(kinds.NODE), self.cluster.list(kinds.POD), plan, snap.pods,
                            snap.vmis_on_node, read_etcd_pdbs(self.cluster, node))
        self.result["preflight"] = {"capacity": verdict["capacity"], "etcd": verdict["etcd"]}
        if not verdict["ok"]:
            raise AvailabilityError("pre-flight failed for node %s, nothing was changed: %s"
                                    % (self.node_name, "; ".join(verdict["problems"])),
                                    dict(self.result, phase="Failed"))

    def follow(self, name):
        seen = {}

        def done(crs):
            summary = nmo.status_summary(crs[0] if crs else None)
            if summary != seen.get("last"):
                seen["last"] = summary
                self.ctx.event("NodeMaintenance status", name=name, phase=summary["phase"],
                               drain_progress=summary["drain_progress"], last_error=summary["last_error"])
            return summary["phase"] in ("Succeeded", "Failed")

        try:
            self.cluster.wait_until(medik8s.NODE_MAINTENANCE, done, self.params["timeout"], name=name,
                                    describe="NodeMaintenance %s phase Succeeded" % name)
            finished = True
        except WaitTimeout:
            finished = False
        summary = seen.get("last") or nmo.status_summary(None)
        why = summary["last_error"] or "NMO: not drained yet"
        self.result.update(phase=summary["phase"], drain_progress=summary["drain_progress"] or 0,
                           last_error=summary["last_error"],
                           pending=[{"kind": "Pod", "name": pod, "reason": why} for pod in summary["pending_pods"]])
        if finished and summary["phase"] == "Succeeded":
            self.result["drain_progress"] = 100
            return
        raise AvailabilityError("NodeMaintenance %s did not succeed within timeout=%ss: %s; the CR is left in place "
                                "(delete it, or run state=absent, to end maintenance)"
                                % (name, self.params["timeout"], nmo.not_succeeded_reason(summary)), self.result)

    def absent(self):
        read_node(self.cluster, self.node_name, self.result)
        found = self.existing()
        names = sorted(objects.name_of(cr) for cr in found)
        self.result.update(phase="Ended" if found else "NotInMaintenance", drain_progress=None,
                           node_maintenance=[objects.name_of(cr) for cr in found])
        self.result["changed"] = bool(found)
        if self.ctx.check_mode or not found:
            return self.result
        for name in [objects.name_of(cr) for cr in found]:
            self.cluster.delete(medik8s.NODE_MAINTENANCE, name)
            self.ctx.event("NodeMaintenance deleted", name=name)
        try:
            self.cluster.wait_until(medik8s.NODE_MAINTENANCE,
                                    lambda crs: not any(objects.name_of(cr) in names for cr in crs),
                                    self.params["timeout"], describe="NodeMaintenance %s gone" % ", ".join(names))
        except WaitTimeout:
            raise AvailabilityError("NodeMaintenance %s still exists after timeout=%ss (its finalizer is removed by "
                                    "node-maintenance-operator: is it running?)"
                                    % (", ".join(names), self.params["timeout"]), self.result)
        return self.result
