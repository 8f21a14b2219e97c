# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions of a maintenance run: the node marks, the drain plan of a snapshot, and the pre-flight verdict.

A node in maintenance carries (medik8s keys, so NHC and NMO read it the same way): ``spec.unschedulable``, the
taints ``node.kubernetes.io/unschedulable:NoSchedule`` and ``medik8s.io/drain:NoSchedule``, the label
``remediation.medik8s.io/exclude-from-remediation=true``, and our record of why and by whom (annotations
``workload.availability/maintenance-reason``, ``-by``, ``-since``). Marks are added and removed together in one
JSON patch guarded by a test of the taint list.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.workload.availability.plugins.module_utils import capacity
from ansible_collections.workload.availability.plugins.module_utils import drain
from ansible_collections.workload.availability.plugins.module_utils import nodes as node_facts
from ansible_collections.workload.availability.plugins.module_utils import placement

REASON_ANNOTATION = "workload.availability/maintenance-reason"
BY_ANNOTATION = "workload.availability/maintenance-by"
SINCE_ANNOTATION = "workload.availability/maintenance-since"
RECORD_ANNOTATIONS = (REASON_ANNOTATION, BY_ANNOTATION, SINCE_ANNOTATION)
MIGRATION_NODE_LABEL = "workload.availability/maintenance-node"
MANAGED_BY_LABEL = ("app.kubernetes.io/managed-by", "workload.availability")
HOSTNAME_LABEL = "kubernetes.io/hostname"


def record(node):
    """Our maintenance record on the node: {reason, by, since} or None."""
    annotations = (node.get("metadata") or {}).get("annotations") or {}
    if not any(key in annotations for key in RECORD_ANNOTATIONS):
        return None
    return {"reason": annotations.get(REASON_ANNOTATION), "by": annotations.get(BY_ANNOTATION),
            "since": annotations.get(SINCE_ANNOTATION)}


def marks(node):
    """Which maintenance marks the node carries."""
    labels = (node.get("metadata") or {}).get("labels") or {}
    return {
        "unschedulable": node_facts.is_unschedulable(node),
        "unschedulable_taint": node_facts.has_taint(node, node_facts.UNSCHEDULABLE_TAINT),
        "drain_taint": node_facts.has_taint(node, node_facts.DRAIN_TAINT),
        "exclude_label": labels.get(node_facts.EXCLUDE_FROM_REMEDIATION_LABEL) == "true",
        "record": record(node) is not None,
    }


def present_changes(node, reason, by, since):
    """node_patch keyword arguments that put the node in maintenance (the record keeps its first 'by'/'since')."""
    existing = record(node) or {}
    wanted = node_facts.taints(node)
    for taint in node_facts.MAINTENANCE_TAINTS:
        wanted = node_facts.with_taint(wanted, taint)
    return {
        "taints": wanted,
        "unschedulable": True,
        "labels": {node_facts.EXCLUDE_FROM_REMEDIATION_LABEL: "true"},
        "annotations": {REASON_ANNOTATION: reason or existing.get("reason") or "maintenance",
                        BY_ANNOTATION: existing.get("by") or by,
                        SINCE_ANNOTATION: existing.get("since") or since},
    }


def absent_changes(node):
    """node_patch keyword arguments that end maintenance. The node is uncordoned only when a maintenance (ours, or
    NMO's drain taint) cordoned it; a cordon without such a record belongs to someone else and stays."""
    current = marks(node)
    ours = current["record"] or current["drain_taint"]
    wanted = node_facts.taints(node)
    for taint in node_facts.MAINTENANCE_TAINTS:
        wanted = node_facts.without_taint(wanted, taint)
    return {
        "taints": wanted if ours else None,
        "unschedulable": False if ours else None,
        "labels": {node_facts.EXCLUDE_FROM_REMEDIATION_LABEL: None},
        "annotations": dict((key, None) for key in RECORD_ANNOTATIONS),
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


# Drain plan -------------------------------------------------------------------------------------------------------

def vmis_on(node_name, vmis):
    return [v for v in vmis if (v.get("status") or {}).get("nodeName") == node_name]


def plan_drain(pods_on_node, vmis_on_node, options):
    """{"pods": drain.plan_pods(...), "vms": drain.plan_vms(...)} for one snapshot of the node."""
    vm_plan = drain.plan_vms(vmis_on_node, options.get("non_migratable") or "fail")
    moving = set("%s/%s" % (e["namespace"], e["name"]) for bucket in ("migrate", "in_flight", "shutdown")
                 for e in vm_plan[bucket])
    pod_plan = drain.plan_pods(pods_on_node, options, moved_vmis=moving)
    return {"pods": pod_plan, "vms": vm_plan}


def blockers(plan):
    found = [dict(e, kind="Pod") for e in plan["pods"]["blockers"]]
    found += [dict(e, kind="VirtualMachineInstance") for e in plan["vms"]["blockers"]]
    return found


def remaining_count(plan):
    """Pods and VMs still to leave the node."""
    pods, vms = plan["pods"], plan["vms"]
    return (len(pods["evict"]) + len(pods["terminating"]) + len(pods["blockers"])
            + len(vms["migrate"]) + len(vms["in_flight"]) + len(vms["shutdown"]) + len(vms["blockers"]))


def is_drained(plan):
    return remaining_count(plan) == 0


def drain_progress(total, remaining):
    """Percent of the workloads present at the start that have left (100 when there was nothing to move)."""
    if total <= 0:
        return 100
    return int(max(0, min(100, round(100.0 * (total - remaining) / total))))


def launcher_pods_by_vmi(pods):
    found = {}
    for pod in pods:
        if drain.is_virt_launcher(pod) and not drain.is_finished(pod) and not drain.is_terminating(pod):
            found["%s/%s" % (pod["metadata"].get("namespace"), drain.launcher_vmi_name(pod))] = pod
    return found


def items_to_place(plan, pods_on_node, vmis_on_node):
    """Workload items that need room elsewhere: evicted pods that a controller recreates, VMs that migrate or
    restart (shutdown). Finished and unmanaged pods are not recreated, in-flight migrations already have a target."""
    pods_by_key = dict((drain.pod_key(p), p) for p in pods_on_node)
    items = []
    for entry in plan["pods"]["evict"]:
        pod = pods_by_key.get("%s/%s" % (entry["namespace"], entry["name"]))
        if pod is not None and not drain.is_finished(pod) and drain.controller_of(pod) is not None:
            items.append(placement.workload_item(drain.pod_key(pod), pod))
    launchers = launcher_pods_by_vmi(pods_on_node)
    vmis_by_key = dict((drain.vmi_key(v), v) for v in vmis_on_node)
    for bucket in ("migrate", "shutdown"):
        for entry in plan["vms"][bucket]:
            key = "%s/%s" % (entry["namespace"], entry["name"])
            if key in vmis_by_key:
                items.append(placement.vmi_item(vmis_by_key[key], launchers.get(key)))
    return items


def preflight(node, all_nodes, all_pods, plan, pods_on_node, vmis_on_node, etcd_pdbs, check_quorum=True):
    """Capacity and quorum verdict: {"ok", "problems": [..], "capacity": {...}, "etcd": reason, "targets"}.
    ``targets`` maps each VM (and pod) key to the node the balanced placement chose for it."""
    name = node["metadata"]["name"]
    problems = []
    candidates = placement.candidate_nodes(all_nodes, all_pods, exclude=(name,))
    items = items_to_place(plan, pods_on_node, vmis_on_node)
    verdict = capacity.capacity_check(items, candidates)
    if not verdict["ok"]:
        lines = capacity.format_table(verdict["table"])
        problems.append("the remaining schedulable nodes cannot take %s: %s | %s"
                        % (", ".join(sorted(verdict["unplaced"])), "no fit on any node",
                           " | ".join(lines)))
    etcd_reason = "not checked (node already in maintenance)"
    if check_quorum:
        ok, etcd_reason = capacity.etcd_quorum(node, all_nodes, etcd_pdbs)
        if not ok:
            problems.append(etcd_reason)
    return {"ok": not problems, "problems": problems, "etcd": etcd_reason, "targets": verdict["targets"],
            "capacity": {"ok": verdict["ok"], "needed": verdict["needed"], "table": verdict["table"],
                         "unplaced": verdict["unplaced"]}}


def migration_body(vmi_entry, node_name, target=None):
    """A VirtualMachineInstanceMigration for one VMI; ``target`` pins it with addedNodeSelector (balanced)."""
    body = {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachineInstanceMigration",
        "metadata": {
            "generateName": "maintenance-%s-" % vmi_entry["name"][:40],
            "namespace": vmi_entry["namespace"],
            "labels": {MIGRATION_NODE_LABEL: node_name, MANAGED_BY_LABEL[0]: MANAGED_BY_LABEL[1]},
        },
        "spec": {"vmiName": vmi_entry["name"]},
    }
    if target:
        body["spec"]["addedNodeSelector"] = {HOSTNAME_LABEL: target}
    return body
