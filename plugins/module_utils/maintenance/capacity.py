# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure pre-flight checks before a node is taken out: remaining capacity and etcd quorum.

``capacity_check(items, candidates)``: can the remaining schedulable nodes take every pod and VM that has to move?
Returns ``{"ok", "table", "unplaced", "needed"}`` where ``table`` has one row per remaining node (allocatable,
requested, free, and the load after the move) for the failure message and the check-mode plan.

``etcd_quorum(node, nodes, etcd_pdbs)``: may this control-plane node go down? With a PodDisruptionBudget in
``openshift-etcd`` its ``status.disruptionsAllowed`` decides (as NHC and NMO do on OpenShift); otherwise the Ready
control-plane nodes left must stay a majority of all control-plane nodes. Returns (ok, reason).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import nodes as node_facts
from ansible_collections.workload.availability.plugins.module_utils.placement.framework import choose_targets

GIB = float(2 ** 30)


def _row(name, node, load_after):
    return {
        "node": name,
        "cpu_allocatable": round(node["cpu_alloc"], 3),
        "cpu_requested": round(node["cpu_used"], 3),
        "cpu_free": round(node["cpu_alloc"] - node["cpu_used"], 3),
        "memory_allocatable_gib": round(node["mem_alloc"] / GIB, 2),
        "memory_requested_gib": round(node["mem_used"] / GIB, 2),
        "memory_free_gib": round((node["mem_alloc"] - node["mem_used"]) / GIB, 2),
        "load_after": load_after,
    }


def capacity_check(items, candidates):
    targets, unplaced, loads = choose_targets(items, candidates)
    table = [_row(name, candidates[name], loads.get(name)) for name in sorted(candidates)]
    needed = {"cpu": round(sum(i["cpu"] for i in items), 3),
              "memory_gib": round(sum(i["memory"] for i in items) / GIB, 2),
              "count": len(items)}
    return {"ok": not unplaced, "table": table, "unplaced": unplaced, "needed": needed, "targets": targets}


def format_table(table):
    """The capacity table as aligned text lines (for failure messages)."""
    header = ("node", "cpu free/alloc", "mem free/alloc GiB", "load after")
    rows = [header] + [(r["node"], "%s/%s" % (r["cpu_free"], r["cpu_allocatable"]),
                        "%s/%s" % (r["memory_free_gib"], r["memory_allocatable_gib"]),
                        "-" if r["load_after"] is None else "%d%%" % round(r["load_after"] * 100)) for r in table]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    return ["  ".join(str(value).ljust(widths[i]) for i, value in enumerate(row)).rstrip() for row in rows]


def etcd_quorum(node, nodes, etcd_pdbs=None):
    if not node_facts.is_control_plane(node):
        return True, "not a control-plane node"
    name = node["metadata"]["name"]
    if etcd_pdbs:
        for pdb in etcd_pdbs:
            allowed = int((pdb.get("status") or {}).get("disruptionsAllowed") or 0)
            if allowed < 1:
                return False, ("the etcd PodDisruptionBudget %s/%s allows no disruption now; draining "
                               "control-plane node %s would break etcd quorum"
                               % (medik8s.ETCD_NAMESPACE, pdb["metadata"]["name"], name))
        return True, "etcd PodDisruptionBudget allows a disruption"
    control_plane = [n for n in nodes if node_facts.is_control_plane(n)]
    total = len(control_plane)
    ready_after = sum(1 for n in control_plane if node_facts.is_ready(n) and n["metadata"]["name"] != name)
    majority = total // 2 + 1
    if ready_after < majority:
        return False, ("draining control-plane node %s leaves %d of %d control-plane nodes Ready; etcd needs %d for "
                       "quorum" % (name, ready_after, total, majority))
    return True, "%d of %d control-plane nodes stay Ready (quorum %d)" % (ready_after, total, majority)
