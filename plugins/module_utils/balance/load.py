# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The load model: how busy each node is per dimension, what each VM contributes, and one combined score.

Per node and dimension (``cpu``, ``memory``) the load is ``utilization + gated pressure``: utilization is the busy
share of the node (0..1); pressure is the PSI "some" share of time tasks stalled on that resource, counted only
while utilization is above 0.7 (``PSI_GATE``, the gating of the descheduler's recording rules: below it, stalls come
from CPU-limited containers, not from a busy node). Pressure is what utilization cannot show once a node is
saturated: demand beyond capacity. So a saturated node with stalls scores above 1.

The combined score of a node is the weighted root mean square of its two dimension loads,
``sqrt((w_cpu * cpu^2 + w_memory * memory^2) / (w_cpu + w_memory))``. Why: it stays on the scale of the dimension
loads (a node at 0.6/0.6 scores 0.6, so thresholds in percent mean what they mean per dimension); squaring lets the
busier dimension dominate, as the Euclidean distance of the descheduler's k3 rule does, without ignoring the other
as ``max()`` would (a move that relieves the second dimension still registers); and it is smooth, so a small move
has a small effect.

A move shifts a VM's usage (cores, bytes) divided by the node's scale (what utilization is a share of: the
machine's capacity for Prometheus, allocatable for metrics.k8s.io and requests). Pressure follows utilization linearly above the gate
(``scaled_pressure``): relieving a node below 0.7 clears its pressure, as the recording rules would.

Sources (``build_model``):

- ``prometheus``: node utilization and PSI, VM CPU, used memory and dirty rate (see ``queries``).
- ``metrics_api``: metrics.k8s.io NodeMetrics and PodMetrics (the VM's virt-launcher pod); no PSI, no dirty rate.
- ``requests``: declared requests against allocatable; no measurement at all.

A node or VM missing from the metrics is never read as zero: with ``on_missing="requests"`` it falls back to its
requests (``basis: "requests"``), with ``"exclude"`` it is left out (nodes: neither source nor destination; VMs:
stay where they are), with the reason. A node without PSI is balanced on utilization alone, noted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.workload.availability.plugins.module_utils.balance import queries
from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core import quantity

PSI_GATE = 0.7
DIMENSIONS = ("cpu", "memory")
DEFAULT_WEIGHTS = {"cpu": 1.0, "memory": 1.0}


def gated(util, pressure):
    return pressure if pressure is not None and util > PSI_GATE else 0.0


def combined(cpu, memory, weights=None):
    weights = weights or DEFAULT_WEIGHTS
    total = weights["cpu"] + weights["memory"]
    return math.sqrt((weights["cpu"] * cpu * cpu + weights["memory"] * memory * memory) / total)


def node_loads(entry, weights=None):
    """{"cpu", "memory", "combined"} of a model node entry."""
    cpu = entry["util"]["cpu"] + gated(entry["util"]["cpu"], entry["pressure"]["cpu"])
    memory = entry["util"]["memory"] + gated(entry["util"]["memory"], entry["pressure"]["memory"])
    return {"cpu": cpu, "memory": memory, "combined": combined(cpu, memory, weights)}


def scaled_pressure(util, pressure, new_util):
    """Pressure after utilization moves from ``util`` to ``new_util``: proportional to the excess above the gate."""
    if pressure is None or util <= PSI_GATE:
        return pressure
    return pressure * max(0.0, new_util - PSI_GATE) / (util - PSI_GATE)


def shifted(entry, usage, sign):
    """A node entry with a VM's usage ({"cpu" cores, "memory" bytes}) added (sign 1) or removed (sign -1)."""
    util, pressure = {}, {}
    for dim in DIMENSIONS:
        scale = entry["scale"][dim]
        new = entry["util"][dim] + sign * (usage[dim] / scale if scale else 0.0)
        util[dim] = max(0.0, new)
        pressure[dim] = scaled_pressure(entry["util"][dim], entry["pressure"][dim], util[dim])
    return {"util": util, "pressure": pressure, "scale": entry["scale"], "basis": entry["basis"]}


def _share(used, total):
    return used / total if total else 1.0


def requests_entry(state):
    """A node's load from the requests bound to it (``state``: a placement node state)."""
    return {"util": {"cpu": _share(state["cpu_used"], state["cpu_alloc"]),
                     "memory": _share(state["mem_used"], state["mem_alloc"])},
            "pressure": {"cpu": None, "memory": None},
            "scale": {"cpu": state["cpu_alloc"], "memory": state["mem_alloc"]}, "basis": "requests"}


def _requests_usage(item):
    return {"cpu": item["cpu"], "memory": item["memory"], "dirty_rate": None, "basis": "requests"}


def _measured_entry(util, scale, basis):
    return {"util": util, "pressure": {"cpu": None, "memory": None}, "scale": scale, "basis": basis}


# what is said of a node or VM the metrics miss: (the note when its requests stand in, the reason it is left out)
MISSING = {"nodes": ("node %s: no %s; its load comes from requests", "no %s; left out of balancing"),
           "vms": ("VM %s: no %s; its usage is taken from its requests", "no %s; it stays where it is")}


class _Builder:
    def __init__(self, source, nodes, capacities, vms, on_missing):
        self.model = {"source": source, "nodes": {}, "vms": {}, "excluded_nodes": {}, "excluded_vms": {},
                      "notes": []}
        self.nodes = dict((state["name"], state) for state in nodes)
        self.capacities = capacities
        self.vms = dict((item["key"], item) for item in vms)
        self.on_missing = on_missing

    def missing(self, table, key, what):
        """A node (``table`` "nodes") or VM ("vms") the metrics miss: never zero; from its requests or left out."""
        note, reason = MISSING[table]
        if self.on_missing == "requests":
            records, from_requests = (self.nodes, requests_entry) if table == "nodes" else (self.vms, _requests_usage)
            self.model[table][key] = from_requests(records[key])
            self.model["notes"].append(note % (key, what))
        else:
            self.model["excluded_" + table][key] = reason % what

    def requests_only(self):
        for name in sorted(self.nodes):
            self.model["nodes"][name] = requests_entry(self.nodes[name])
        for key in sorted(self.vms):
            self.model["vms"][key] = _requests_usage(self.vms[key])
        self.model["notes"].append("loads are declared requests against allocatable (source requests)")


def _vector(builder, samples, name, key_of, names):
    values, problems = queries.parse_vector(name, samples.get(name), key_of, names)
    builder.model["notes"].extend(problems)
    return values


def _prometheus(builder, samples):
    names = set(builder.nodes)
    series = dict((name, _vector(builder, samples, name, queries.node_key, names)) for name in queries.NODE_QUERIES)
    psi_series = dict((dim, series["node_%s_pressure" % dim]) for dim in DIMENSIONS)
    for dim in DIMENSIONS:
        if not psi_series[dim]:
            builder.model["notes"].append(
                "no %s pressure (PSI) series for any node (kernel argument psi=1 missing?): %s load is utilization "
                "only" % (dim, dim))
    for name in sorted(names):
        missing = [dim for dim in DIMENSIONS if name not in series["node_%s" % dim]]
        if missing:
            builder.missing("nodes", name, " and ".join("node_%s sample" % dim for dim in missing))
            continue
        entry = _measured_entry(dict((dim, min(1.0, max(0.0, series["node_%s" % dim][name]))) for dim in DIMENSIONS),
                                dict(builder.capacities[name]), "prometheus")
        for dim in DIMENSIONS:
            entry["pressure"][dim] = psi_series[dim].get(name)
            if psi_series[dim] and entry["pressure"][dim] is None:
                builder.model["notes"].append("node %s: no %s pressure (PSI) series; its %s load is utilization "
                                              "only" % (name, dim, dim))
        builder.model["nodes"][name] = entry
    keys = set(builder.vms)
    cpu = _vector(builder, samples, "vmi_cpu", queries.vmi_key, keys)
    memory = _vector(builder, samples, "vmi_memory", queries.vmi_key, keys)
    dirty = _vector(builder, samples, "vmi_dirty_rate", queries.vmi_key, keys)
    for key in sorted(keys):
        missing = [what for what, values in (("vmi_cpu", cpu), ("vmi_memory", memory)) if key not in values]
        if missing:
            builder.missing("vms", key, " and ".join("%s sample" % what for what in missing))
            continue
        builder.model["vms"][key] = {"cpu": max(0.0, cpu[key]), "memory": max(0.0, memory[key]),
                                     "dirty_rate": dirty.get(key), "basis": "prometheus"}


def _usage(entry):
    usage = entry.get("usage") or {}
    return quantity.parse(usage.get("cpu")), quantity.parse(usage.get("memory"))


def _metrics_api(builder, samples):
    node_usage = dict(((item.get("metadata") or {}).get("name"), _usage(item)) for item in samples.get("nodes") or [])
    for name in sorted(builder.nodes):
        if name not in node_usage:
            builder.missing("nodes", name, "NodeMetrics")
            continue
        state = builder.nodes[name]
        cpu, memory = node_usage[name]
        builder.model["nodes"][name] = _measured_entry(
            {"cpu": _share(cpu, state["cpu_alloc"]), "memory": _share(memory, state["mem_alloc"])},
            {"cpu": state["cpu_alloc"], "memory": state["mem_alloc"]}, "metrics_api")
    pod_usage = {}
    for item in samples.get("pods") or []:
        totals = [_usage(container) for container in item.get("containers") or []]
        pod_usage[objects.key_of(item)] = (math.fsum(t[0] for t in totals), math.fsum(t[1] for t in totals))
    for key in sorted(builder.vms):
        pod_key = builder.vms[key].get("pod_key")
        if pod_key not in pod_usage:
            builder.missing("vms", key, "PodMetrics for its virt-launcher pod")
            continue
        cpu, memory = pod_usage[pod_key]
        builder.model["vms"][key] = {"cpu": cpu, "memory": memory, "dirty_rate": None, "basis": "metrics_api"}
    builder.model["notes"].append("metrics.k8s.io has no pressure (PSI) and no dirty rate: loads are utilization only")


def build_model(source, nodes, capacities, vms, samples=None, on_missing="exclude"):
    """The load model of ``nodes`` (placement node states), whose machines have ``capacities`` ({name: {"cpu",
    "memory"}}), and ``vms`` (items of ``inventory.vm_items``) from one metrics source.

    ``samples``: for ``prometheus`` ``{query name: instant vector}`` (see ``queries.DEFAULT_QUERIES``); for
    ``metrics_api`` ``{"nodes": [NodeMetrics], "pods": [PodMetrics]}``; unused for ``requests``.

    Returns ``{"source", "nodes": {name: {"util": {"cpu", "memory"}, "pressure": {"cpu", "memory"} (None: no PSI),
    "scale": {"cpu" cores, "memory" bytes}, "basis"}}, "vms": {key: {"cpu" cores, "memory" bytes, "dirty_rate"
    bytes/s or None, "basis"}}, "excluded_nodes": {name: reason}, "excluded_vms": {key: reason}, "notes": [...]}``.
    """
    builder = _Builder(source, nodes, capacities, vms, on_missing)
    if source == "prometheus":
        _prometheus(builder, samples or {})
    elif source == "metrics_api":
        _metrics_api(builder, samples or {})
    else:
        builder.requests_only()
    return builder.model
