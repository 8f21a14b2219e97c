# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``plan_rebalance(snapshot, settings, filters=DEFAULT_FILTERS)``: the whole decision, a pure function of one
snapshot.

``snapshot``::

    {"now": aware datetime (or RFC 3339 text),
     "nodes": [Node], "pods": [Pod] (all pods: requests, launcher pods, anti-affinity),
     "vmis": [VirtualMachineInstance], "vmims": [VirtualMachineInstanceMigration],
     "leases": [Lease in medik8s-leases], "kubevirt": the KubeVirt CR or None,
     "metrics": samples for settings["metrics_source"] (see load.build_model)}

``settings`` come from ``options.settings_from_params``. ``filters``: the placement filters a destination must pass
(placement/filters.py, the ones node_maintenance uses), run against a placement state of the snapshot that
follows the planned moves and checks pod anti-affinity on every topology key.

The plan (what check mode returns; ``planner.PLAN_FIELDS`` lists its keys)::

    {"moves": [{"vm", "namespace", "name", "from", "to", "node_selector" (addedNodeSelector pinning "to"),
                "memory_bytes", "memory_gib", "wave", "predicted_seconds", "predicted_mode", "convergence",
                "bandwidth_mib_s", "dirty_rate_mib_s", "dirty_rate_assumed", "transferred_gib", "predicted_gain",
                "imbalance_after", "load_before": {node: combined}, "load_after": {node: combined}}],
     "skipped": [{"vm", "node", "reason"}],
     "excluded_nodes": [{"node", "reason"}],
     "nodes": [{"name", "basis", "before": {"cpu", "memory", "combined"}, "predicted": {...},
                "class_before", "class_predicted", "moves_out", "moves_in"}],
     "imbalance": {"before": {dim: measures}, "predicted": {dim: measures}},
     "thresholds": {"name", "low", "high", "deviation", "bounds_before": {dim: [low, high]}},
     "settings": {"metrics_source", "target_imbalance", "min_gain", "max_migrations"},
     "limits": {"per_cluster", "per_node", "in_flight"}, "migration_config": {...},
     "stop_reason", "notes": [...]}
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.workload.availability.plugins.module_utils.balance import convergence
from ansible_collections.workload.availability.plugins.module_utils.balance import cooldown
from ansible_collections.workload.availability.plugins.module_utils.balance import eligibility
from ansible_collections.workload.availability.plugins.module_utils.balance import imbalance
from ansible_collections.workload.availability.plugins.module_utils.balance import inventory
from ansible_collections.workload.availability.plugins.module_utils.balance import load
from ansible_collections.workload.availability.plugins.module_utils.balance import thresholds
from ansible_collections.workload.availability.plugins.module_utils.balance.search import Search
from ansible_collections.workload.availability.plugins.module_utils.balance.waves import Waves
from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core.clock import parse_time
from ansible_collections.workload.availability.plugins.module_utils.core.nodes import HOSTNAME_LABEL
from ansible_collections.workload.availability.plugins.module_utils.migrations import state as migration_state
from ansible_collections.workload.availability.plugins.module_utils.placement.filters import DEFAULT_FILTERS
from ansible_collections.workload.availability.plugins.module_utils.placement.nodes import node_states
from ansible_collections.workload.availability.plugins.module_utils.placement.state import PlacementState

GIB = float(2 ** 30)
MIB = float(2 ** 20)
PLAN_FIELDS = ("moves", "skipped", "excluded_nodes", "nodes", "imbalance", "thresholds", "settings", "limits",
               "migration_config", "stop_reason", "notes")


def _now(snapshot):
    now = snapshot["now"]
    return parse_time(now) if isinstance(now, str) else now


def _candidates(snapshot, settings, items, balanced, excluded_nodes, model, now):
    """({node: [movable VM keys]}, {key: reason} of the VMs that may not move)."""
    vmims = snapshot.get("vmims") or []
    history = cooldown.vmims_by_vmi(vmims)
    active = eligibility.vmis_with_active_migration(vmims)
    strategy = eligibility.cluster_eviction_strategy(snapshot.get("kubevirt"))
    movable, skipped = dict((name, []) for name in balanced), {}
    for vmi in sorted(snapshot.get("vmis") or [], key=objects.key_of):
        key = objects.key_of(vmi)
        item = items.get(key)
        reason = eligibility.vmi_refusal(vmi, item and item["launcher"], settings, strategy, active)
        if not reason and item is None:
            reason = "not placed on a node"
        if not reason and item["node"] not in movable:
            reason = "its node %s does not take part: %s" % (
                item["node"], excluded_nodes.get(item["node"], "not selected"))
        reason = reason or model["excluded_vms"].get(key)
        if not reason:
            state = cooldown.cooldown(cooldown.merged_history(vmi, history.get(key), now,
                                                              settings["cooldown"]["window"]),
                                      now, settings["cooldown"])
            reason = cooldown.describe(state) if state else None
        if reason:
            skipped[key] = reason
        else:
            movable[item["node"]].append(key)
    return movable, skipped


def landed(entries, running, usage):
    """The node entries with every migration in flight (whose target is known) counted at its target: the search
    plans from where the cluster is going, so a run after another does not move VMs for a load already leaving."""
    entries = dict(entries)
    for migration in running:
        source, target, vm = migration["source"], migration["target"], usage.get(migration["vmi"])
        if vm is not None and source in entries and target in entries:
            entries[source] = load.shifted(entries[source], vm, -1)
            entries[target] = load.shifted(entries[target], vm, 1)
    return entries


def _load_model(snapshot, settings, names, states, items):
    """The load model of the nodes ``names`` and the VMs on them."""
    wanted = set(names)
    return load.build_model(settings["metrics_source"], [states[name] for name in names if name in states],
                            dict((objects.name_of(node), inventory.capacity(node)) for node in snapshot["nodes"]),
                            [item for _key, item in sorted(items.items()) if item["node"] in wanted],
                            snapshot.get("metrics"), settings["on_missing"])


def observe(snapshot, settings, names):
    """The measured load of the nodes ``names`` in ``snapshot`` (read again after the moves): {"nodes": {name:
    {"cpu", "memory", "combined"}}, "imbalance": {dim: measures}, "notes"}."""
    model = _load_model(snapshot, settings, names, node_states(snapshot["nodes"], snapshot["pods"]),
                        inventory.vm_items(snapshot["vmis"], snapshot["pods"]))
    loads = dict((name, load.node_loads(entry, settings["weights"])) for name, entry in model["nodes"].items())
    return {"nodes": imbalance.rounded(loads), "imbalance": imbalance.rounded(imbalance.cluster_imbalance(loads)),
            "notes": model["notes"] + ["node %s: %s" % item for item in sorted(model["excluded_nodes"].items())]}


def plan_rebalance(snapshot, settings, filters=DEFAULT_FILTERS):
    now = _now(snapshot)
    nodes, pods, vmis = snapshot.get("nodes") or [], snapshot.get("pods") or [], snapshot.get("vmis") or []
    states = node_states(nodes, pods)
    balanced, excluded_nodes = eligibility.select_nodes(nodes, settings["node_selector"], snapshot.get("leases"), now)
    items = inventory.vm_items(vmis, pods)
    model = _load_model(dict(snapshot, nodes=nodes), settings, balanced, states, items)
    excluded_nodes.update(model["excluded_nodes"])
    balanced = [name for name in balanced if name in model["nodes"]]
    movable, skipped = _candidates(snapshot, settings, items, balanced, excluded_nodes, model, now)
    kubevirt = snapshot.get("kubevirt")
    limits, config = migration_state.limits_from_kubevirt(kubevirt), convergence.migration_config(kubevirt)
    running = migration_state.in_flight(dict((objects.key_of(v), v) for v in vmis), snapshot.get("vmims") or [])
    waves = Waves(limits, running, lambda node: settings["node_link_bandwidth"].get(node, settings["link_bandwidth"]),
                  settings["stream_bandwidth"], config["bandwidth_per_migration"])
    entries = dict((name, model["nodes"][name]) for name in balanced)
    measured = dict((name, load.node_loads(entry, settings["weights"])) for name, entry in entries.items())
    problem = {"entries": landed(entries, running, model["vms"]), "measured": measured, "movable": movable,
               "items": items, "usage": model["vms"]}
    search = Search(problem, settings, filters, PlacementState(states, anti_affinity_topologies=None), waves,
                    config).run()
    skipped.update(search.reasons)
    return _plan(search, model, settings, states, skipped, excluded_nodes, items,
                 {"per_cluster": limits["per_cluster"], "per_node": limits["per_node"], "in_flight": len(running)},
                 config)


def _move(search, option, states):
    key, source, target = option["key"], option["source"], option["target"]
    item = search.items[key]
    prediction = search.final_prediction(option)
    dirty_rate, assumed = search.dirty_rate(key)
    return {
        "vm": key, "namespace": item["namespace"], "name": item["name"], "from": source, "to": target,
        "node_selector": {HOSTNAME_LABEL: states[target]["labels"].get(HOSTNAME_LABEL) or target},
        "memory_bytes": int(item["guest_memory"]), "memory_gib": round(item["guest_memory"] / GIB, 2),
        "wave": option["wave"], "predicted_seconds": prediction["seconds"], "predicted_mode": prediction["mode"],
        "convergence": prediction["reason"], "bandwidth_mib_s": round(prediction["bandwidth"] / MIB, 1),
        "dirty_rate_mib_s": round(dirty_rate / MIB, 1), "dirty_rate_assumed": assumed,
        "transferred_gib": round(prediction["transferred_bytes"] / GIB, 2),
        "predicted_gain": round(option["gain"], 4), "imbalance_after": round(math.sqrt(option["variance"]), 4),
        "load_before": {source: round(option["before"][0], 4), target: round(option["before"][1], 4)},
        "load_after": {source: round(option["loads"][0]["combined"], 4),
                       target: round(option["loads"][1]["combined"], 4)},
    }


def _plan(search, model, settings, states, skipped, excluded_nodes, items, limits, config):
    initial, predicted = search.initial, search.loads
    bounds_before = thresholds.bounds(settings["thresholds"], initial) if initial else {}
    bounds_after = thresholds.bounds(settings["thresholds"], predicted) if predicted else {}
    moves = [_move(search, option, states) for option in search.moves]
    nodes = []
    for name in sorted(initial):
        nodes.append({"name": name, "basis": model["nodes"][name]["basis"],
                      "before": imbalance.rounded(initial[name]), "predicted": imbalance.rounded(predicted[name]),
                      "class_before": thresholds.node_class(initial[name], bounds_before),
                      "class_predicted": thresholds.node_class(predicted[name], bounds_after),
                      "moves_out": sum(1 for m in moves if m["from"] == name),
                      "moves_in": sum(1 for m in moves if m["to"] == name)})
    spec = settings["thresholds"]
    return {
        "moves": moves,
        "skipped": [{"vm": key, "node": (items.get(key) or {}).get("node"), "reason": skipped[key]}
                    for key in sorted(skipped)],
        "excluded_nodes": [{"node": name, "reason": excluded_nodes[name]} for name in sorted(excluded_nodes)],
        "nodes": nodes,
        "imbalance": {"before": imbalance.rounded(imbalance.cluster_imbalance(initial)),
                      "predicted": imbalance.rounded(imbalance.cluster_imbalance(predicted))},
        "thresholds": {"name": spec["name"], "low": spec["low"], "high": spec["high"], "deviation": spec["deviation"],
                       "bounds_before": dict((dim, [round(v, 4) for v in pair]) for dim, pair in bounds_before.items())},
        "settings": {"metrics_source": settings["metrics_source"], "target_imbalance": settings["target_imbalance"],
                     "min_gain": settings["min_gain"], "max_migrations": settings["max_migrations"]},
        "limits": limits,
        "migration_config": config,
        "stop_reason": search.stop_reason,
        "notes": list(model["notes"]),
    }
