# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure placement: where the workloads of a drained node go, and how many migrations may run now.

Load is what the scheduler reserves (pod requests against node allocatable), per dimension; a node's load is the
larger of its CPU and memory fractions. ``choose_targets`` places the biggest workload first on the node whose load
after placing it is lowest among those that fit (balanced; no post-drain hotspot). ``free_slots`` tells how many
more migrations may start without exceeding KubeVirt's ``parallelMigrationsPerCluster`` and
``parallelOutboundMigrationsPerNode``.

Workload items are dicts ``{"key", "cpu" (cores), "memory" (bytes), "node_selector" {}, "tolerations" []}``.
Candidate nodes come from ``candidate_nodes(nodes, pods, exclude)``:
``{name: {"labels", "taints", "cpu_alloc", "mem_alloc", "cpu_used", "mem_used", "pods_alloc", "pods_used"}}``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.workload.availability.plugins.module_utils import nodes as node_facts
from ansible_collections.workload.availability.plugins.module_utils import quantity

DEFAULT_LIMITS = {"per_cluster": 5, "per_node": 2}
FINAL_MIGRATION_PHASES = ("Succeeded", "Failed")
BLOCKING_EFFECTS = ("NoSchedule", "NoExecute")
KUBEVIRT_SCHEDULABLE_LABEL = "kubevirt.io/schedulable"


def migration_limits(kubevirt):
    """KubeVirt's migration limits from its CR (``spec.configuration.migrations``), with KubeVirt's defaults."""
    migrations = (((kubevirt or {}).get("spec") or {}).get("configuration") or {}).get("migrations") or {}
    return {
        "per_cluster": int(migrations.get("parallelMigrationsPerCluster") or DEFAULT_LIMITS["per_cluster"]),
        "per_node": int(migrations.get("parallelOutboundMigrationsPerNode") or DEFAULT_LIMITS["per_node"]),
    }


def is_active_migration(vmim):
    return (vmim.get("status") or {}).get("phase") not in FINAL_MIGRATION_PHASES \
        and not (vmim.get("metadata") or {}).get("deletionTimestamp")


def free_slots(limits, active_sources, source_node):
    """How many migrations from ``source_node`` may start now. ``active_sources``: the source node of every active
    (not finished) migration in the cluster, Pending ones included (KubeVirt starts those when a slot frees)."""
    cluster_free = limits["per_cluster"] - len(active_sources)
    node_free = limits["per_node"] - sum(1 for source in active_sources if source == source_node)
    return max(0, min(cluster_free, node_free))


def candidate_nodes(nodes, pods, exclude=()):
    """Ready, schedulable nodes (not in ``exclude``) with their allocatable and requested resources."""
    used = {}
    for pod in pods:
        node_name = (pod.get("spec") or {}).get("nodeName")
        if not node_name or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            continue
        cpu, memory = quantity.pod_requests(pod)
        entry = used.setdefault(node_name, [0.0, 0.0, 0])
        entry[0] += cpu
        entry[1] += memory
        entry[2] += 1
    candidates = {}
    for node in nodes:
        name = node["metadata"]["name"]
        if name in exclude or node_facts.is_unschedulable(node) or not node_facts.is_ready(node):
            continue
        cpu_alloc, mem_alloc, pods_alloc = quantity.node_allocatable(node)
        cpu_used, mem_used, pods_used = used.get(name, [0.0, 0.0, 0])
        candidates[name] = {
            "labels": dict((node.get("metadata") or {}).get("labels") or {}),
            "taints": node_facts.taints(node),
            "cpu_alloc": cpu_alloc, "mem_alloc": mem_alloc, "pods_alloc": pods_alloc,
            "cpu_used": cpu_used, "mem_used": mem_used, "pods_used": pods_used,
        }
    return candidates


def tolerates(tolerations, taint):
    for toleration in tolerations or []:
        if toleration.get("effect") and toleration.get("effect") != taint.get("effect"):
            continue
        if toleration.get("operator") == "Exists":
            if not toleration.get("key") or toleration.get("key") == taint.get("key"):
                return True
        elif toleration.get("key") == taint.get("key") and toleration.get("value") == taint.get("value"):
            return True
    return False


def why_not(item, node):
    """None when ``item`` may go to ``node`` (a candidate entry), else the reason."""
    for key, value in (item.get("node_selector") or {}).items():
        if node["labels"].get(key) != value:
            return "nodeSelector %s=%s not matched" % (key, value)
    for taint in node["taints"]:
        if taint.get("effect") in BLOCKING_EFFECTS and not tolerates(item.get("tolerations"), taint):
            return "taint %s:%s not tolerated" % (taint.get("key"), taint.get("effect"))
    if node["cpu_used"] + item["cpu"] > node["cpu_alloc"] + 1e-9:
        return "not enough CPU"
    if node["mem_used"] + item["memory"] > node["mem_alloc"]:
        return "not enough memory"
    if node["pods_used"] + 1 > node["pods_alloc"]:
        return "pod limit reached"
    return None


def load_after(node, item):
    cpu = (node["cpu_used"] + item["cpu"]) / node["cpu_alloc"] if node["cpu_alloc"] else 1.0
    memory = (node["mem_used"] + item["memory"]) / node["mem_alloc"] if node["mem_alloc"] else 1.0
    return max(cpu, memory)


def _size(item):
    return (item["memory"], item["cpu"], item["key"])


def choose_targets(items, candidates):
    """Place each item (biggest first) on the fitting node with the lowest resulting load (ties by name).

    Returns (targets {key: node}, unplaced {key: reasons by node}, loads {node: load after placement}).
    ``candidates`` is not modified."""
    state = copy.deepcopy(candidates)
    targets, unplaced = {}, {}
    for item in sorted(items, key=_size, reverse=True):
        best, best_load, reasons = None, None, {}
        for name in sorted(state):
            reason = why_not(item, state[name])
            if reason:
                reasons[name] = reason
                continue
            load = load_after(state[name], item)
            if best is None or load < best_load - 1e-12:
                best, best_load = name, load
        if best is None:
            unplaced[item["key"]] = reasons or {"-": "no schedulable node"}
            continue
        targets[item["key"]] = best
        state[best]["cpu_used"] += item["cpu"]
        state[best]["mem_used"] += item["memory"]
        state[best]["pods_used"] += 1
    loads = dict((name, round(max(node["cpu_used"] / node["cpu_alloc"] if node["cpu_alloc"] else 0,
                                  node["mem_used"] / node["mem_alloc"] if node["mem_alloc"] else 0), 4))
                 for name, node in state.items())
    return targets, unplaced, loads


def workload_item(key, pod, spec=None):
    """A workload item from a pod (its requests, nodeSelector, tolerations); ``spec`` overrides the pod spec
    for the selector and tolerations (a VMI spec)."""
    cpu, memory = quantity.pod_requests(pod) if pod else (0.0, 0.0)
    source = spec if spec is not None else (pod or {}).get("spec") or {}
    return {"key": key, "cpu": cpu, "memory": memory,
            "node_selector": dict(source.get("nodeSelector") or {}),
            "tolerations": list(source.get("tolerations") or [])}


def vmi_item(vmi, launcher_pod=None):
    """A workload item for a VMI: its launcher pod's requests when known, else the VMI's own requests."""
    key = "%s/%s" % (vmi["metadata"].get("namespace"), vmi["metadata"]["name"])
    spec = vmi.get("spec") or {}
    if launcher_pod is not None:
        # requests from the running launcher pod; the selector from the VMI spec plus KubeVirt's own, as a migration
        # target pod gets them (the running pod may carry a previous migration's addedNodeSelector)
        item = workload_item(key, launcher_pod, spec)
        item["node_selector"][KUBEVIRT_SCHEDULABLE_LABEL] = "true"
        return item
    requests = ((spec.get("domain") or {}).get("resources") or {}).get("requests") or {}
    memory = requests.get("memory") or ((spec.get("domain") or {}).get("memory") or {}).get("guest")
    return {"key": key, "cpu": quantity.parse(requests.get("cpu")), "memory": quantity.parse(memory),
            "node_selector": dict(spec.get("nodeSelector") or {}), "tolerations": list(spec.get("tolerations") or [])}
