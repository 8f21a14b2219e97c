# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pre-flight verdict before a node is taken out (pure): can the remaining nodes take what has to move, where
would each VM go (balanced placement), and may a control-plane node go down (etcd quorum)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core.pods import (
    is_finished, is_virt_launcher, launcher_vmi_name)
from ansible_collections.workload.availability.plugins.module_utils.maintenance import capacity
from ansible_collections.workload.availability.plugins.module_utils.placement.items import vmi_item, workload_item
from ansible_collections.workload.availability.plugins.module_utils.placement.nodes import candidate_nodes


def launcher_pods_by_vmi(pods):
    found = {}
    for pod in pods:
        if is_virt_launcher(pod) and not is_finished(pod) and not objects.is_terminating(pod):
            found[objects.key(objects.namespace_of(pod), launcher_vmi_name(pod))] = pod
    return found


def items_to_place(plan, pods_on_node, vmis_on_node):
    """Workload items that need room elsewhere: evicted pods that a controller recreates, VMs that migrate or
    restart (shutdown). Finished and unmanaged pods are not recreated, in-flight migrations already have a target."""
    pods_by_key = dict((objects.key_of(p), p) for p in pods_on_node)
    items = []
    for entry in plan["pods"]["evict"]:
        pod = pods_by_key.get(objects.key_of(entry))
        if pod is not None and not is_finished(pod) and objects.controller_of(pod) is not None:
            items.append(workload_item(objects.key_of(pod), pod))
    launchers = launcher_pods_by_vmi(pods_on_node)
    vmis_by_key = dict((objects.key_of(v), v) for v in vmis_on_node)
    for bucket in ("migrate", "shutdown"):
        for entry in plan["vms"][bucket]:
            key = objects.key_of(entry)
            if key in vmis_by_key:
                items.append(vmi_item(vmis_by_key[key], launchers.get(key)))
    return items


def preflight(node, all_nodes, all_pods, plan, pods_on_node, vmis_on_node, etcd_pdbs, check_quorum=True):
    """Capacity and quorum verdict: {"ok", "problems": [..], "capacity": {...}, "etcd": reason, "targets"}.
    ``targets`` maps each VM (and pod) key to the node the balanced placement chose for it."""
    name = objects.name_of(node)
    problems = []
    candidates = candidate_nodes(all_nodes, all_pods, exclude=(name,))
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
