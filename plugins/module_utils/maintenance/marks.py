# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The marks of a node in maintenance, as node_patch changes (pure).

A node in maintenance carries (medik8s keys, so NHC and NMO read it the same way): ``spec.unschedulable``, the
taints ``node.kubernetes.io/unschedulable:NoSchedule`` and ``medik8s.io/drain:NoSchedule``, the label
``remediation.medik8s.io/exclude-from-remediation=true``, and our record of why and by whom (annotations
``workload.availability/maintenance-reason``, ``-by``, ``-since``). Marks are added and removed together in one
JSON patch guarded by a test of the taint list. Which marks a node carries: medik8s.maintenance_marks.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import nodes


def present_changes(node, reason, by, since):
    """node_patch keyword arguments that put the node in maintenance (the record keeps its first 'by'/'since')."""
    existing = medik8s.maintenance_record(node) or {}
    wanted = nodes.taints(node)
    for taint in medik8s.MAINTENANCE_TAINTS:
        wanted = nodes.with_taint(wanted, taint)
    return {
        "taints": wanted,
        "unschedulable": True,
        "labels": {medik8s.EXCLUDE_FROM_REMEDIATION_LABEL: "true"},
        "annotations": {medik8s.MAINTENANCE_REASON_ANNOTATION: reason or existing.get("reason") or "maintenance",
                        medik8s.MAINTENANCE_BY_ANNOTATION: existing.get("by") or by,
                        medik8s.MAINTENANCE_SINCE_ANNOTATION: existing.get("since") or since},
    }


def absent_changes(node):
    """node_patch keyword arguments that end maintenance. The node is uncordoned only when a maintenance (ours, or
    NMO's drain taint) cordoned it; a cordon without such a record belongs to someone else and stays."""
    current = medik8s.maintenance_marks(node)
    ours = current["record"] or current["drain_taint"]
    wanted = nodes.taints(node)
    for taint in medik8s.MAINTENANCE_TAINTS:
        wanted = nodes.without_taint(wanted, taint)
    return {
        "taints": wanted if ours else None,
        "unschedulable": False if ours else None,
        "labels": {medik8s.EXCLUDE_FROM_REMEDIATION_LABEL: None},
        "annotations": dict((key, None) for key in medik8s.MAINTENANCE_RECORD_ANNOTATIONS),
    }


def apply_changes(node, changes):
    """The node as it will look after node_patch(node, **changes) (for check-mode diffs)."""
    result = copy.deepcopy(node)
    spec = result.setdefault("spec", {})
    if changes.get("taints") is not None:
        if changes["taints"]:
            spec["taints"] = copy.deepcopy(changes["taints"])
        else:
            spec.pop("taints", None)
    if changes.get("unschedulable") is not None:
        if changes["unschedulable"]:
            spec["unschedulable"] = True
        else:
            spec.pop("unschedulable", None)
    metadata = result.setdefault("metadata", {})
    for field in ("labels", "annotations"):
        for key, value in (changes.get(field) or {}).items():
            target = metadata.setdefault(field, {})
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
    return result
