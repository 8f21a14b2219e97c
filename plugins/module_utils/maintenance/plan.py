# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drain plan of one snapshot of a node and what it says about progress (pure)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.maintenance import drain


def vmis_on(node_name, vmis):
    return [v for v in vmis if (v.get("status") or {}).get("nodeName") == node_name]


def plan_drain(pods_on_node, vmis_on_node, options):
    """{"pods": drain.plan_pods(...), "vms": drain.plan_vms(...)} for one snapshot of the node."""
    vm_plan = drain.plan_vms(vmis_on_node, options.get("non_migratable") or "fail")
    moving = set(objects.key_of(e) for bucket in ("migrate", "in_flight", "shutdown") for e in vm_plan[bucket])
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


def describe(plan, targets, node_name):
    """The plan as returned to the user: each migration with its source and target ("scheduler" when the
    scheduler chooses)."""
    def with_target(entry):
        return dict(entry, source=node_name, target=targets.get(objects.key_of(entry), "scheduler"))
    return {
        "evict": plan["pods"]["evict"],
        "terminating": plan["pods"]["terminating"],
        "skip": plan["pods"]["skip"] + plan["vms"]["skip"],
        "migrate": [with_target(e) for e in plan["vms"]["migrate"]],
        "in_flight": plan["vms"]["in_flight"],
        "shutdown": plan["vms"]["shutdown"],
        "blockers": blockers(plan),
    }
