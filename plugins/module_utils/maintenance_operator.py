# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Operator mode: hand the node to the Node Maintenance Operator through a NodeMaintenance CR and follow it.

NMO (nodemaintenance.medik8s.io/v1beta1, cluster-scoped) takes the lease, labels, taints, cordons and drains by
itself; we create the CR (``spec.nodeName``, ``spec.reason``), follow ``status.phase``/``drainProgress``/
``pendingPods``/``lastError`` until ``Succeeded`` or the timeout, and delete the CR to end maintenance.
Pure helpers: ``maintenance_for(crs, node)``, ``cr_body(...)``, ``status_summary(cr)``, ``choose_mode(...)``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import cluster as api
from ansible_collections.workload.availability.plugins.module_utils import leases
from ansible_collections.workload.availability.plugins.module_utils import maintenance_plan as mplan
from ansible_collections.workload.availability.plugins.module_utils.errors import WaitTimeout
from ansible_collections.workload.availability.plugins.module_utils.maintenance import (
    MaintenanceFailed, NativeMaintenance, Snapshot, default_requester, utcnow)

NM_API_VERSION = api.NODE_MAINTENANCE.api_version
NM_KIND = api.NODE_MAINTENANCE.kind


def maintenance_for(crs, node_name):
    """The NodeMaintenance CRs for a node."""
    return [cr for cr in crs if (cr.get("spec") or {}).get("nodeName") == node_name]


def is_ours(cr):
    labels = (cr.get("metadata") or {}).get("labels") or {}
    return labels.get(mplan.MANAGED_BY_LABEL[0]) == mplan.MANAGED_BY_LABEL[1]


def choose_mode(requested, crd_served, existing_crs, node_has_native_record):
    """'native' or 'operator' for mode=auto|native|operator.

    auto: the operator when its CRD is served and no NodeMaintenance of someone else exists for the node (one of
    ours means a previous auto run chose the operator), unless a native maintenance of ours is already under way."""
    if requested in ("native", "operator"):
        return requested
    if not crd_served:
        return "native"
    if existing_crs:
        return "operator" if all(is_ours(cr) for cr in existing_crs) else "native"
    return "native" if node_has_native_record else "operator"


def cr_body(node_name, reason, requested_by, since):
    return {
        "apiVersion": NM_API_VERSION,
        "kind": NM_KIND,
        "metadata": {
            "name": node_name,
            "labels": {mplan.MANAGED_BY_LABEL[0]: mplan.MANAGED_BY_LABEL[1]},
            "annotations": {mplan.REASON_ANNOTATION: reason or "maintenance", mplan.BY_ANNOTATION: requested_by,
                            mplan.SINCE_ANNOTATION: since},
        },
        "spec": {"nodeName": node_name, "reason": reason or "maintenance"},
    }


def status_summary(cr):
    status = (cr or {}).get("status") or {}
    return {"phase": status.get("phase"), "drain_progress": status.get("drainProgress"),
            "last_error": status.get("lastError"), "pending_pods": list(status.get("pendingPods") or []),
            "total_pods": status.get("totalpods"), "eviction_pods": status.get("evictionPods")}


class OperatorMaintenance(NativeMaintenance):
    """state=present|absent through a NodeMaintenance CR. Pre-flight (node, lease, non-migratable VMs, capacity,
    quorum) runs here as in native mode, before the CR is created."""

    def __init__(self, *args, **kwargs):
        super(OperatorMaintenance, self).__init__(*args, **kwargs)
        self.result["mode"] = "operator"

    def existing(self):
        return maintenance_for(self.cluster.list(api.NODE_MAINTENANCE), self.node_name)

    def present(self):
        node = self.read_node()
        now = self.now()
        found = self.existing()
        cr = found[0] if found else None
        if cr is None:
            self.preflight_for_operator(node, now)
        body = cr_body(self.node_name, self.params.get("reason"), self.requester(), leases.format_time(now))
        self.result["node_maintenance"] = (cr or body)["metadata"]["name"]
        if self.check_mode:
            self.result.update(changed=cr is None, phase=status_summary(cr)["phase"] or "Planned",
                               plan=dict(self.result.get("plan") or {}, create_node_maintenance=None if cr else body))
            return self.result
        changed = False
        if cr is None:
            cr = self.cluster.create(api.NODE_MAINTENANCE, body)
            changed = True
            self.event("NodeMaintenance created", name=cr["metadata"]["name"])
        self.result["changed"] = changed
        self.follow(cr["metadata"]["name"])
        return self.result

    def preflight_for_operator(self, node, now):
        lease = leases.read(self.cluster, self.node_name)
        if leases.decide(lease, leases.MAINTENANCE_HOLDER, now) == leases.HELD:
            raise MaintenanceFailed("refusing maintenance: %s" % leases.LeaseHeld(
                self.node_name, leases.holder(lease), leases.expires_at(lease)),
                dict(self.result, lease_holder=leases.holder(lease)))
        snap = Snapshot(self.cluster, self.node_name)
        # NMO drains with Force and DeleteEmptyDirData: pod blockers do not apply; VMs still do.
        options = dict(self.options, force=True, delete_emptydir_data=True)
        plan = mplan.plan_drain(snap.pods, snap.vmis_on_node, options)
        self.result["plan"] = self.describe_plan(plan, {})
        not_migratable = plan["vms"]["blockers"] + plan["vms"]["shutdown"] + plan["vms"]["skip"]
        if not_migratable:
            raise MaintenanceFailed(
                "mode=operator cannot honour non_migratable=%s: NMO evicts every pod and KubeVirt refuses (or shuts "
                "down) these VMs: %s; use mode=native, or stop them first"
                % (self.options["non_migratable"], ", ".join("%s/%s" % (e["namespace"], e["name"])
                                                             for e in not_migratable)),
                dict(self.result, phase="Failed"))
        verdict = mplan.preflight(node, self.cluster.list(api.NODE), self.cluster.list(api.POD), plan, snap.pods,
                                  snap.vmis_on_node,
                                  self.cluster.list(api.PDB, namespace="openshift-etcd")
                                  if mplan.node_facts.is_control_plane(node) else [])
        self.result["preflight"] = {"capacity": verdict["capacity"], "etcd": verdict["etcd"]}
        if not verdict["ok"]:
            raise MaintenanceFailed("pre-flight failed for node %s, nothing was changed: %s"
                                    % (self.node_name, "; ".join(verdict["problems"])),
                                    dict(self.result, phase="Failed"))

    def follow(self, name):
        seen = {}

        def done(objects):
            cr = objects[0] if objects else None
            summary = status_summary(cr)
            if summary != seen.get("last"):
                seen["last"] = summary
                self.event("NodeMaintenance status", name=name, phase=summary["phase"],
                           drain_progress=summary["drain_progress"], last_error=summary["last_error"])
            return summary["phase"] in ("Succeeded", "Failed")

        try:
            objects = self.cluster.wait_until(api.NODE_MAINTENANCE, done, self.params["timeout"], name=name,
                                              describe="NodeMaintenance %s phase Succeeded" % name)
        except WaitTimeout:
            objects = None
        summary = seen.get("last") or status_summary(None)
        self.result.update(phase=summary["phase"], drain_progress=summary["drain_progress"] or 0,
                           last_error=summary["last_error"],
                           pending=[{"kind": "Pod", "name": p, "reason": summary["last_error"] or "NMO: not drained yet"}
                                    for p in summary["pending_pods"]])
        if objects is not None and summary["phase"] == "Succeeded":
            self.result["drain_progress"] = 100
            return
        if summary["phase"] is None:
            why = ("its status stayed empty: no node-maintenance-operator is reconciling it (is the operator "
                   "running?)")
        else:
            why = "phase %s, drainProgress %s%%, lastError: %s" % (
                summary["phase"], summary["drain_progress"], summary["last_error"] or "none")
        raise MaintenanceFailed("NodeMaintenance %s did not succeed within timeout=%ss: %s; the CR is left in place "
                                "(delete it, or run state=absent, to end maintenance)"
                                % (name, self.params["timeout"], why), self.result)

    def absent(self):
        self.read_node()
        found = self.existing()
        self.result.update(phase="Ended" if found else "NotInMaintenance", drain_progress=None,
                           node_maintenance=[cr["metadata"]["name"] for cr in found])
        self.result["changed"] = bool(found)
        if self.check_mode or not found:
            return self.result
        for cr in found:
            self.cluster.delete(api.NODE_MAINTENANCE, cr["metadata"]["name"])
            self.event("NodeMaintenance deleted", name=cr["metadata"]["name"])
        names = set(cr["metadata"]["name"] for cr in found)
        try:
            self.cluster.wait_until(api.NODE_MAINTENANCE, lambda objs: not any(
                o["metadata"]["name"] in names for o in objs), self.params["timeout"],
                describe="NodeMaintenance %s gone" % ", ".join(sorted(names)))
        except WaitTimeout:
            raise MaintenanceFailed("NodeMaintenance %s still exists after timeout=%ss (its finalizer is removed by "
                                    "node-maintenance-operator: is it running?)"
                                    % (", ".join(sorted(names)), self.params["timeout"]), self.result)
        return self.result


def run(cluster, params, event, check_mode=False, now=utcnow):
    """Resolve the mode and run state=present|absent. Returns the result dict; raises MaintenanceFailed."""
    crd_served = cluster.served(NM_API_VERSION, NM_KIND)
    existing = maintenance_for(cluster.list(api.NODE_MAINTENANCE), params["name"]) if crd_served else []
    native = NativeMaintenance(cluster, params, event, check_mode=check_mode, now=now)
    if params["mode"] == "operator" and not crd_served:
        raise MaintenanceFailed("mode=operator needs the NodeMaintenance CRD (%s), which this cluster does not serve: "
                                "install node-maintenance-operator, or use mode=native or mode=auto"
                                % NM_API_VERSION, native.result)
    node = native.read_node()
    mode = choose_mode(params["mode"], crd_served, existing, mplan.record(node) is not None)
    event("mode chosen", mode=mode, requested=params["mode"], crd_served=crd_served)
    if params["state"] == "absent":
        result = {"changed": False}
        if crd_served and existing and params["mode"] != "native":
            operator = OperatorMaintenance(cluster, params, event, check_mode=check_mode, now=now)
            result = operator.absent()
        if params["mode"] != "operator":
            native_result = native.absent()
            native_result["changed"] = native_result.get("changed") or result.get("changed")
            if result.get("node_maintenance"):
                native_result["node_maintenance"] = result["node_maintenance"]
                native_result["mode"] = "operator"
            return native_result
        return result
    runner = OperatorMaintenance(cluster, params, event, check_mode=check_mode, now=now) if mode == "operator" \
        else native
    return runner.present()


__all__ = ["run", "choose_mode", "cr_body", "status_summary", "maintenance_for", "default_requester"]
