# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Node Maintenance Operator's NodeMaintenance CR as plain data (pure): which CRs are a node's, which are ours,
the CR we create, what its status says, and which mode a run takes.

NMO (nodemaintenance.medik8s.io/v1beta1, cluster-scoped) takes the lease, labels, taints, cordons and drains by
itself; operator mode creates the CR (``spec.nodeName``, ``spec.reason``), follows ``status.phase``/
``drainProgress``/``pendingPods``/``lastError`` and deletes the CR to end maintenance.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import objects


def maintenance_for(crs, node_name):
    """The NodeMaintenance CRs for a node."""
    return [cr for cr in crs if (cr.get("spec") or {}).get("nodeName") == node_name]


def is_ours(cr):
    return objects.labels_of(cr).get(medik8s.MANAGED_BY_LABEL[0]) == medik8s.MANAGED_BY_LABEL[1]


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
        "apiVersion": medik8s.NODE_MAINTENANCE.api_version,
        "kind": medik8s.NODE_MAINTENANCE.kind,
        "metadata": {
            "name": node_name,
            "labels": {medik8s.MANAGED_BY_LABEL[0]: medik8s.MANAGED_BY_LABEL[1]},
            "annotations": {medik8s.MAINTENANCE_REASON_ANNOTATION: reason or "maintenance",
                            medik8s.MAINTENANCE_BY_ANNOTATION: requested_by,
                            medik8s.MAINTENANCE_SINCE_ANNOTATION: since},
        },
        "spec": {"nodeName": node_name, "reason": reason or "maintenance"},
    }


def status_summary(cr):
    status = (cr or {}).get("status") or {}
    return {"phase": status.get("phase"), "drain_progress": status.get("drainProgress"),
            "last_error": status.get("lastError"), "pending_pods": list(status.get("pendingPods") or []),
            "total_pods": status.get("totalpods"), "eviction_pods": status.get("evictionPods")}


def not_succeeded_reason(summary):
    """Why a NodeMaintenance that did not succeed in time is where it is."""
    if summary["phase"] is None:
        return "its status stayed empty: no node-maintenance-operator is reconciling it (is the operator running?)"
    return "phase %s, drainProgress %s%%, lastError: %s" % (
        summary["phase"], summary["drain_progress"], summary["last_error"] or "none")
