# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decisions of a plan's execution (pure): what a migration of a move looks like, which moves may start now, how
a started one ended, and what is recorded on the VM afterwards.

- ``migration_body(move, run_id)``: the VirtualMachineInstanceMigration, ``addedNodeSelector`` pinning the planned
  node, labelled with the run (``RUN_LABEL``) and as ours;
- ``refusal(move, vmi)``: why a planned move no longer applies (the VM is gone, stopped, or left its node);
- ``startable(pending, limits, active_sources)``: the pending moves, in plan order, that KubeVirt's limits let
  start now, migrations of others included (ours would only queue behind them);
- ``outcome(vmim, vmi)``: None while the migration runs, else {"status": "Succeeded" | "Failed", "reason",
  "node"} with KubeVirt's failure reason;
- ``history_entry(vmim, started, ended, failed)``: the record the cooldown reads back (cooldown.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core.clock import parse_time
from ansible_collections.workload.availability.plugins.module_utils.core.nodes import HOSTNAME_LABEL
from ansible_collections.workload.availability.plugins.module_utils.migrations import state

RUN_LABEL = "workload.availability/rebalance-run"


def migration_body(move, run_id):
    return state.migration_body(
        move["namespace"], move["name"], "rebalance-%s-" % move["name"][:40],
        {RUN_LABEL: run_id, medik8s.MANAGED_BY_LABEL[0]: medik8s.MANAGED_BY_LABEL[1]},
        move["node_selector"][HOSTNAME_LABEL])


def refusal(move, vmi):
    if vmi is None:
        return "the VMI no longer exists"
    status = vmi.get("status") or {}
    if status.get("phase") != "Running":
        return "the VMI is no longer Running (phase %s)" % status.get("phase")
    if status.get("nodeName") != move["from"]:
        return "the VMI left %s for %s meanwhile" % (move["from"], status.get("nodeName"))
    return state.vmi_migrating(vmi)


def startable(pending, limits, active_sources):
    sources = list(active_sources)
    chosen = []
    for move in pending:
        if state.free_slots(limits, sources, move["from"]) > 0:
            chosen.append(move)
            sources.append(move["from"])
    return chosen


def outcome(vmim, vmi):
    if vmim is None:
        return {"status": "Failed", "reason": "its migration was deleted by someone else", "node": None}
    node = ((vmi or {}).get("status") or {}).get("nodeName")
    if state.phase(vmim) == "Succeeded":
        return {"status": "Succeeded", "reason": None, "node": node}
    if state.is_failed(vmim):
        return {"status": "Failed", "reason": state.failure_reason(vmim, vmi), "node": node}
    return None


def _time(vmim, field):
    return parse_time(((vmim.get("status") or {}).get("migrationState") or {}).get(field))


def history_entry(vmim, started, ended, failed):
    """{"id", "start", "end", "failed"}: KubeVirt's own start and end when it recorded them, else ours."""
    return {"id": objects.metadata(vmim).get("uid") or objects.name_of(vmim),
            "start": _time(vmim, "startTimestamp") or started, "end": _time(vmim, "endTimestamp") or ended,
            "failed": failed}
