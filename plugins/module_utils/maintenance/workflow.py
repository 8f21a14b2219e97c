# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The maintenance workflow (shell): ``node_maintenance(ctx, params) -> Outcome`` (the contract of
core/workflow.py). It only chooses: which mode (maintenance/nmo.py choose_mode) and which state; native mode
(maintenance/native.py) and operator mode (maintenance/operator.py) do the work."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core.errors import (
    AvailabilityError, ClusterError, LeaseContended, LeaseHeld)
from ansible_collections.workload.availability.plugins.module_utils.core.workflow import Outcome
from ansible_collections.workload.availability.plugins.module_utils.maintenance import nmo
from ansible_collections.workload.availability.plugins.module_utils.maintenance.native import NativeMaintenance
from ansible_collections.workload.availability.plugins.module_utils.maintenance.operator import OperatorMaintenance
from ansible_collections.workload.availability.plugins.module_utils.maintenance.progress import new_result
from ansible_collections.workload.availability.plugins.module_utils.maintenance.reads import read_node


def node_maintenance(ctx, params):
    """Put one node into maintenance (state=present) or take it out (absent). ``params``: maintenance/options.py
    (check them with input_errors() first). Returns Outcome(changed, msg, result); raises AvailabilityError with the
    partial result when the run stops."""
    try:
        result = run(ctx, params)
    except ClusterError as exc:
        raise AvailabilityError("node_maintenance of %s stopped: %s; rerun to continue from the cluster's state"
                                % (params["name"], exc), {"error": exc.to_dict()})
    except (LeaseHeld, LeaseContended) as exc:
        raise AvailabilityError("refusing maintenance: %s" % exc)
    changed = bool(result.pop("changed", False))
    return Outcome(changed, summary(params, result, changed), result)


def run(ctx, params):
    """The result dict of the mode and state asked for."""
    crd_served = ctx.cluster.served(medik8s.NODE_MAINTENANCE)
    existing = nmo.maintenance_for(ctx.cluster.list(medik8s.NODE_MAINTENANCE), params["name"]) if crd_served else []
    if params["mode"] == "operator" and not crd_served:
        raise AvailabilityError(
            "mode=operator needs the NodeMaintenance CRD (%s), which this cluster does not serve: install "
            "node-maintenance-operator, or use mode=native or mode=auto" % medik8s.NODE_MAINTENANCE.api_version,
            new_result("native"))
    node = read_node(ctx.cluster, params["name"], new_result("native"))
    mode = nmo.choose_mode(params["mode"], crd_served, existing, medik8s.maintenance_record(node) is not None)
    ctx.event("mode chosen", mode=mode, requested=params["mode"], crd_served=crd_served)
    if params["state"] == "absent":
        return end(ctx, params, operator_crs=crd_served and bool(existing))
    runner = OperatorMaintenance(ctx, params) if mode == "operator" else NativeMaintenance(ctx, params)
    return runner.present()


def end(ctx, params, operator_crs):
    """state=absent: delete our NodeMaintenance (unless mode=native), then remove native marks (unless
    mode=operator): a maintenance started in either mode ends with mode=auto."""
    result = {"changed": False}
    if operator_crs and params["mode"] != "native":
        result = OperatorMaintenance(ctx, params).absent()
    if params["mode"] == "operator":
        return result
    native_result = NativeMaintenance(ctx, params).absent()
    native_result["changed"] = native_result.get("changed") or result.get("changed")
    if result.get("node_maintenance"):
        native_result["node_maintenance"] = result["node_maintenance"]
        native_result["mode"] = "operator"
    return native_result


def summary(params, result, changed):
    name = params["name"]
    if params["state"] == "absent":
        return ("maintenance of node %s ended" % name) if changed else ("node %s is not in maintenance" % name)
    if result.get("phase") == "Planned":
        plan = result.get("plan") or {}
        return "check mode: node %s would be put into maintenance: %d pods to evict, %d VMs to migrate" % (
            name, len(plan.get("evict") or []), len(plan.get("migrate") or []))
    if not changed:
        return "node %s is already in maintenance and drained" % name
    return ("node %s is in maintenance (%s mode): %d pods evicted, %d VMs migrated, %d shut down, "
            "%d left on the node on purpose (see left_on_node)") % (
        name, result.get("mode"), len(result.get("evicted") or []), len(result.get("migrated") or []),
        len(result.get("shut_down") or []), len(result.get("left_on_node") or []))
