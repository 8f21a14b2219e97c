# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Placement filters in the kube-scheduler's sense (pure): ``filter(item, node, state) -> None`` when ``item``
may go to ``node``, else the reason (a short text naming what does not fit).

``node`` is the node's state (placement/nodes.py) with everything placed so far in this pass added; ``state`` is
the PlacementState of the pass (placement/state.py), or None for a node on its own. DEFAULT_FILTERS runs them in
the scheduler's order and the first reason wins.

Pod (anti-)affinity terms select pods by labels in the namespaces the term names, else those its
``namespaceSelector`` selects (namespace labels are not known here, so any namespaceSelector counts as every
namespace: the safe side for anti-affinity), else the namespace of the pod that carries the term. A term on the
hostname topology looks at the node itself; a term on another topology key (a zone, a rack) looks at every node
carrying the same label value, which only a pass state knows: without one such terms are not checked, and a
pass checks anti-affinity only on the topologies its state names (``checks_anti_affinity_on``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core import labels
from ansible_collections.workload.availability.plugins.module_utils.core.nodes import HOSTNAME_LABEL
from ansible_collections.workload.availability.plugins.module_utils.placement.state import workload_key

BLOCKING_EFFECTS = ("NoSchedule", "NoExecute")


def schedulable_and_ready(item, node, state):
    if node.get("unschedulable"):
        return "node unschedulable (cordoned)"
    if not node.get("ready", True):
        return "node not Ready"
    return None


def node_selector(item, node, state):
    for key, value in (item.get("node_selector") or {}).items():
        if node["labels"].get(key) != value:
            return "nodeSelector %s=%s not matched" % (key, value)
    return None


def node_affinity(item, node, state):
    terms = item.get("affinity") or []
    if terms and not labels.node_selector_terms_match(terms, node["labels"], node.get("name")):
        return "required node affinity not matched"
    return None


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


def taints(item, node, state):
    for taint in node["taints"]:
        if taint.get("effect") in BLOCKING_EFFECTS and not tolerates(item.get("tolerations"), taint):
            return "taint %s:%s not tolerated" % (taint.get("key"), taint.get("effect"))
    return None


def term_selects(term, term_namespace, namespace, labels_of_other):
    """Does a pod (anti-)affinity term, written in a pod of ``term_namespace``, select a pod of ``namespace`` with
    these labels?"""
    if term.get("namespaces"):
        namespaces = term["namespaces"]
    elif term.get("namespaceSelector") is not None:
        namespaces = None
    else:
        namespaces = [term_namespace]
    if namespaces is not None and namespace not in namespaces:
        return False
    return labels.label_selector_matches(term.get("labelSelector"), labels_of_other)


def _domain(topology_key, node, state):
    """(where, workloads) of the domain of ``node`` for a topology key: the node itself for the hostname topology;
    for another key the nodes sharing its label value (None when the node has no such label or no state knows
    the other nodes)."""
    if topology_key == HOSTNAME_LABEL:
        return "on the node", node.get("workloads") or []
    value = node["labels"].get(topology_key)
    if value is None or state is None:
        return None, ()
    return "in %s=%s" % (topology_key, value), state.domain_workloads(topology_key, value)


def _anti_checked(topology_key, state):
    return topology_key == HOSTNAME_LABEL if state is None else state.checks_anti_affinity_on(topology_key)


def _own_anti_affinity(item, node, state):
    for term in item.get("anti_affinity") or []:
        topology_key = term.get("topologyKey")
        if not _anti_checked(topology_key, state):
            continue
        where, workloads = _domain(topology_key, node, state)
        for workload in workloads:
            if workload.get("key") != workload_key(item) and term_selects(
                    term, item.get("namespace"), workload.get("namespace"), workload.get("labels")):
                return "required pod anti-affinity with a pod %s" % where
    return None


def _others_anti_affinity(item, node, state):
    domains = [(HOSTNAME_LABEL, "on the node", node.get("workloads") or [])]
    for topology_key in state.repelling_topologies() if state is not None else ():
        value = node["labels"].get(topology_key)
        if value is not None and state.checks_anti_affinity_on(topology_key):
            domains.append((topology_key, "in %s=%s" % (topology_key, value), state.repellers(topology_key, value)))
    for topology_key, where, workloads in domains:
        for workload in workloads:
            if workload.get("key") == workload_key(item):
                continue
            for term in workload.get("anti_affinity") or []:
                if term.get("topologyKey") == topology_key and term_selects(
                        term, workload.get("namespace"), item.get("namespace"), item.get("labels")):
                    return "required anti-affinity of a pod %s" % where
    return None


def pod_anti_affinity(item, node, state):
    """Required anti-affinity, both ways: the item's terms against the pods in the node's domain, and the terms of
    the pods there against the item."""
    return _own_anti_affinity(item, node, state) or _others_anti_affinity(item, node, state)


def _selects_any(term, item, workloads):
    return any(workload.get("key") != workload_key(item) and term_selects(
        term, item.get("namespace"), workload.get("namespace"), workload.get("labels")) for workload in workloads)


def pod_affinity(item, node, state):
    """Required pod affinity: every term needs a matching pod in the node's domain. As in the scheduler, the first
    pod of a group (no pod anywhere matches the term, and the item matches its own term) may go anywhere."""
    for term in item.get("pod_affinity") or []:
        topology_key = term.get("topologyKey")
        where, workloads = _domain(topology_key, node, state)
        if where is None and state is None and node["labels"].get(topology_key) is not None:
            continue
        if where is not None and _selects_any(term, item, workloads):
            continue
        everywhere = state.all_workloads() if state is not None else node.get("workloads") or []
        if not _selects_any(term, item, everywhere) and term_selects(
                term, item.get("namespace"), item.get("namespace"), item.get("labels")):
            continue
        return "required pod affinity not satisfied %s" % (where or "(node has no %s label)" % topology_key)
    return None


def resources(item, node, state):
    if node["cpu_used"] + item["cpu"] > node["cpu_alloc"] + 1e-9:
        return "not enough CPU"
    if node["mem_used"] + item["memory"] > node["mem_alloc"]:
        return "not enough memory"
    if node["pods_used"] + 1 > node["pods_alloc"]:
        return "pod limit reached"
    return None


DEFAULT_FILTERS = (schedulable_and_ready, node_selector, node_affinity, taints, pod_anti_affinity, pod_affinity,
                   resources)
