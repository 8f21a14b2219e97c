# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Placement filters in the kube-scheduler's sense (pure): ``filter(item, node, state) -> None`` when ``item``
may go to ``node``, else the reason (a short text naming what does not fit).

``node`` is the node's state (placement/nodes.py) with everything placed so far in this pass added; ``state`` is
the PlacementState of the pass (placement/framework.py). DEFAULT_FILTERS runs them in the scheduler's order and the
first reason wins. Required anti-affinity is evaluated on the hostname topology only (one node is one domain):
terms with another topologyKey are not checked here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core import labels
from ansible_collections.workload.availability.plugins.module_utils.core.nodes import HOSTNAME_LABEL

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


def _term_selects(term, term_namespace, namespace, labels_of_other):
    namespaces = term.get("namespaces") or [term_namespace]
    return namespace in namespaces and labels.label_selector_matches(term.get("labelSelector"), labels_of_other)


def pod_anti_affinity(item, node, state):
    """Required anti-affinity on the hostname topology, both ways: the item's terms against what runs on the
    node, and the terms of what runs there against the item."""
    for workload in node.get("workloads") or []:
        for term in item.get("anti_affinity") or []:
            if term.get("topologyKey") == HOSTNAME_LABEL and _term_selects(
                    term, item.get("namespace"), workload.get("namespace"), workload.get("labels")):
                return "required pod anti-affinity with a pod on the node"
        for term in workload.get("anti_affinity") or []:
            if term.get("topologyKey") == HOSTNAME_LABEL and _term_selects(
                    term, workload.get("namespace"), item.get("namespace"), item.get("labels")):
                return "required anti-affinity of a pod on the node"
    return None


def resources(item, node, state):
    if node["cpu_used"] + item["cpu"] > node["cpu_alloc"] + 1e-9:
        return "not enough CPU"
    if node["mem_used"] + item["memory"] > node["mem_alloc"]:
        return "not enough memory"
    if node["pods_used"] + 1 > node["pods_alloc"]:
        return "pod limit reached"
    return None


DEFAULT_FILTERS = (schedulable_and_ready, node_selector, node_affinity, taints, pod_anti_affinity, resources)
