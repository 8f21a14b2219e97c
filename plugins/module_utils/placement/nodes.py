# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nodes a placement may choose from, as plain records (pure).

``node_states(nodes, pods)`` -> {name: state}; ``candidate_nodes(nodes, pods, exclude)`` keeps only the Ready,
schedulable ones not excluded. A state is a dict: ``name``, ``labels``, ``taints``, ``ready``, ``unschedulable``,
``cpu_alloc`` / ``mem_alloc`` / ``pods_alloc`` (cores, bytes, count), ``cpu_used`` / ``mem_used`` / ``pods_used``
(what the scheduler reserves: the requests of the pods bound to it) and ``workloads`` (key, namespace, labels and
required anti-affinity of each of those pods, for the pod (anti-)affinity filters).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core import nodes as node_facts
from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core import quantity
from ansible_collections.workload.availability.plugins.module_utils.core.pods import is_finished, node_name_of


def required_pod_terms(spec, kind):
    """The required terms of a pod (or VMI) spec's ``podAffinity`` or ``podAntiAffinity`` (``kind``)."""
    terms = ((spec or {}).get("affinity") or {}).get(kind) or {}
    return list(terms.get("requiredDuringSchedulingIgnoredDuringExecution") or [])


def required_anti_affinity(spec):
    """The required pod anti-affinity terms of a pod (or VMI) spec."""
    return required_pod_terms(spec, "podAntiAffinity")


def node_states(nodes, pods):
    """{name: state} of every node, with the requests of the (unfinished) pods bound to it."""
    used = {}
    for pod in pods:
        name = node_name_of(pod)
        if not name or is_finished(pod):
            continue
        cpu, memory = quantity.pod_requests(pod)
        entry = used.setdefault(name, {"cpu": 0.0, "memory": 0.0, "workloads": []})
        entry["cpu"] += cpu
        entry["memory"] += memory
        entry["workloads"].append({"key": objects.key_of(pod), "namespace": objects.namespace_of(pod),
                                   "labels": dict(objects.labels_of(pod)),
                                   "anti_affinity": required_anti_affinity(pod.get("spec"))})
    states = {}
    for node in nodes:
        name = objects.name_of(node)
        cpu_alloc, mem_alloc, pods_alloc = quantity.node_allocatable(node)
        entry = used.get(name, {"cpu": 0.0, "memory": 0.0, "workloads": []})
        states[name] = {
            "name": name,
            "labels": dict(objects.labels_of(node)),
            "taints": node_facts.taints(node),
            "ready": node_facts.is_ready(node),
            "unschedulable": node_facts.is_unschedulable(node),
            "cpu_alloc": cpu_alloc, "mem_alloc": mem_alloc, "pods_alloc": pods_alloc,
            "cpu_used": entry["cpu"], "mem_used": entry["memory"], "pods_used": len(entry["workloads"]),
            "workloads": entry["workloads"],
        }
    return states


def candidate_nodes(nodes, pods, exclude=()):
    """Ready, schedulable nodes (not in ``exclude``) with their allocatable and requested resources."""
    return dict((name, state) for name, state in node_states(nodes, pods).items()
                if name not in exclude and state["ready"] and not state["unschedulable"])
