# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a drain stands, from one snapshot (pure): what is still on the node and why, and whether it can still
move at all. A Snapshot holds the node's pods, every VMI and every migration (read by drain_loop.read_snapshot)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.maintenance.evictions import EvictionBackoff
from ansible_collections.workload.availability.plugins.module_utils.maintenance.plan import vmis_on
from ansible_collections.workload.availability.plugins.module_utils.migrations import state as migrations

MIGRATION_ATTEMPTS = 3


def new_result(mode):
    """The result of a maintenance run before anything happened."""
    return {"mode": mode, "phase": None, "drain_progress": 0, "evicted": [], "migrated": [], "shut_down": [],
            "left_on_node": [], "pending": []}


class Snapshot(object):
    """What one pass of the drain loop sees of node ``node_name``."""

    def __init__(self, node_name, pods, vmis, vmims):
        self.pods = pods
        self.vmis = vmis
        self.vmims = vmims
        self.vmis_on_node = vmis_on(node_name, vmis)
        self.vmi_by_key = dict((objects.key_of(v), v) for v in vmis)


def ours(snap, node_name):
    """{vmi key: [migrations]} of the migrations node_maintenance created for this node."""
    return migrations.labelled(snap.vmims, medik8s.MIGRATION_NODE_LABEL, node_name)


def stuck(plan, snap, node_name):
    """Nothing can move any more: only VMs whose migrations failed MIGRATION_ATTEMPTS times are left."""
    pods, vms = plan["pods"], plan["vms"]
    if pods["evict"] or pods["terminating"] or vms["in_flight"] or vms["shutdown"] or not vms["migrate"]:
        return False
    mine = ours(snap, node_name)
    return all(migrations.exhausted(mine.get(objects.key_of(entry), []), MIGRATION_ATTEMPTS)
               for entry in vms["migrate"])


def _vm_reason(entry, mine, plan, snap, limits, active):
    running = [m for m in mine if migrations.is_active(m)]
    failures = migrations.failures(mine)
    if running:
        phase = migrations.phase(running[-1]) or "Pending"
        reason = "migration %s %s" % (objects.name_of(running[-1]), phase)
        if phase == "Pending":
            reason += " (queued behind KubeVirt limits: %d per node, %d per cluster; %d active)" % (
                limits["per_node"], limits["per_cluster"], active)
        return reason
    if len(failures) >= MIGRATION_ATTEMPTS:
        return "migration failed %d times: %s" % (len(failures), _failure(failures[-1], snap))
    if entry in plan["vms"]["in_flight"]:
        return "migration or evacuation in progress (not started by this run)"
    reason = "waiting for a migration slot (%d per node, %d per cluster; %d active)" % (
        limits["per_node"], limits["per_cluster"], active)
    if failures:
        reason += "; last attempt failed: %s" % _failure(failures[-1], snap)
    return reason


def _failure(vmim, snap):
    return migrations.failure_reason(vmim, snap.vmi_by_key.get(migrations.vmi_key_of(vmim)))


def pending(plan, snap, backoff, limits, node_name):
    """What is still on the node, each with kind, namespace, name and the reason it is still there.
    ``backoff``: {pod key: EvictionBackoff}."""
    found = []
    for entry in plan["pods"]["evict"]:
        reason = (backoff.get(objects.key_of(entry)) or EvictionBackoff()).pending_reason()
        found.append({"kind": "Pod", "namespace": entry["namespace"], "name": entry["name"], "reason": reason})
    for entry in plan["pods"]["terminating"]:
        found.append({"kind": "Pod", "namespace": entry["namespace"], "name": entry["name"],
                      "reason": "terminating (within its grace period)"})
    for entry in plan["pods"]["blockers"]:
        found.append(dict(entry, kind="Pod"))
    mine = ours(snap, node_name)
    active = len(migrations.active_sources(snap.vmims, snap.vmi_by_key))
    for entry in plan["vms"]["migrate"] + plan["vms"]["in_flight"]:
        found.append({"kind": "VirtualMachineInstance", "namespace": entry["namespace"], "name": entry["name"],
                      "reason": _vm_reason(entry, mine.get(objects.key_of(entry), []), plan, snap, limits, active)})
    for entry in plan["vms"]["shutdown"]:
        found.append({"kind": "VirtualMachineInstance", "namespace": entry["namespace"], "name": entry["name"],
                      "reason": "shutting down (not live-migratable)"})
    for entry in plan["vms"]["blockers"]:
        found.append(dict(entry, kind="VirtualMachineInstance"))
    return found


def pending_text(found):
    return "; ".join("%s %s: %s" % (p["kind"], p["name"], p["reason"]) for p in found)
