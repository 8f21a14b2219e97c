# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fit filters in the kube-scheduler framework shape: ``filter(item, node, state) -> None | reason``.

``item`` is a VM record (``inventory.vm_record``: ``key``, ``namespace``, ``labels``, ``requests``,
``node_selector``, ``affinity``, ``tolerations``), ``node`` a node record (``inventory.node_record``: ``name``,
``labels``, ``taints``, ``allocatable``), ``state`` a ``PlacementState``: the requested resources and the pods of
every node, kept current by the planner through ``state.move(item, source, target)`` as it plans moves.

Filters (cheapest first in ``DEFAULT_FILTERS``): ``node_selector_fit``, ``node_affinity_fit`` (required node
affinity), ``taints_fit`` (NoSchedule and NoExecute taints need a toleration), ``requests_fit`` (CPU, memory and pod
count against allocatable), ``pod_affinity_fit`` (required pod anti-affinity both ways, as the scheduler checks
it, and required pod affinity). ``fits_all(filters)`` chains them into the ``fits`` callable the planner takes.
Nothing here is specific to rebalancing: the file can move to a shared placement package as it is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.balance import affinity
from ansible_collections.workload.availability.plugins.module_utils.placement import tolerates

BLOCKING_EFFECTS = ("NoSchedule", "NoExecute")
GIB = float(2 ** 30)


def pod_member(pod):
    """A non-VM pod as a member of its node, for pod (anti-)affinity."""
    metadata = pod.get("metadata") or {}
    return {"key": "pod:%s/%s" % (metadata.get("namespace"), metadata.get("name")),
            "namespace": metadata.get("namespace"), "labels": dict(metadata.get("labels") or {}),
            "affinity": dict((pod.get("spec") or {}).get("affinity") or {})}


class PlacementState:
    """Requested resources and members (pods and VMs) per node, with an index of required anti-affinity terms.

    ``nodes``: {name: node record} of every node (topology domains need their labels, balanced or not);
    ``members``: [(node name, member)] where a member is a VM record or ``pod_member(pod)``."""

    def __init__(self, nodes, members):
        self.nodes = nodes
        self.requested = dict((name, dict(record["requested"])) for name, record in nodes.items())
        self.members = dict((name, {}) for name in nodes)
        self.anti = {}
        self.anti_topology_keys = set()
        self._domains = {}
        for node_name, member in members:
            self._add(member, node_name)

    def domain_nodes(self, topology_key, value):
        if topology_key not in self._domains:
            index = {}
            for name in sorted(self.nodes):
                label = self.nodes[name]["labels"].get(topology_key)
                if label is not None:
                    index.setdefault(label, []).append(name)
            self._domains[topology_key] = index
        return self._domains[topology_key].get(value, ())

    def members_in_domain(self, topology_key, value):
        for name in self.domain_nodes(topology_key, value):
            yield from self.members.get(name, {}).values()

    def _anti_entries(self, member, node_name):
        by_key = {}
        for term in affinity.required_terms(member.get("affinity"), "podAntiAffinity"):
            value = self.nodes.get(node_name, {}).get("labels", {}).get(term.get("topologyKey"))
            if value is not None:
                by_key.setdefault((term.get("topologyKey"), value), []).append(term)
        return by_key

    def _add(self, member, node_name):
        self.members.setdefault(node_name, {})[member["key"]] = member
        for domain, terms in self._anti_entries(member, node_name).items():
            self.anti.setdefault(domain, {})[member["key"]] = (member, terms)
            self.anti_topology_keys.add(domain[0])

    def _remove(self, member, node_name):
        self.members.get(node_name, {}).pop(member["key"], None)
        for domain in self._anti_entries(member, node_name):
            self.anti.get(domain, {}).pop(member["key"], None)

    def move(self, item, source, target):
        """Account for ``item`` leaving ``source`` for ``target`` (the source pod completes after a migration)."""
        for name, sign in ((source, -1), (target, 1)):
            requested = self.requested[name]
            requested["cpu"] += sign * item["requests"]["cpu"]
            requested["memory"] += sign * item["requests"]["memory"]
            requested["pods"] += sign
        self._remove(item, source)
        self._add(item, target)


def node_selector_fit(item, node, state):
    for key in sorted(item.get("node_selector") or {}):
        if node["labels"].get(key) != item["node_selector"][key]:
            return "nodeSelector %s=%s not matched" % (key, item["node_selector"][key])
    return None


def node_affinity_fit(item, node, state):
    terms = affinity.required_node_terms(item.get("affinity"))
    if terms and not any(affinity.node_term_matches(term, node["name"], node["labels"]) for term in terms):
        return "required node affinity not matched"
    return None


def taints_fit(item, node, state):
    for taint in node.get("taints") or []:
        if taint.get("effect") in BLOCKING_EFFECTS and not tolerates(item.get("tolerations"), taint):
            return "taint %s:%s not tolerated" % (taint.get("key"), taint.get("effect"))
    return None


def requests_fit(item, node, state):
    requested, allocatable, needs = state.requested[node["name"]], node["allocatable"], item["requests"]
    if requested["cpu"] + needs["cpu"] > allocatable["cpu"] + 1e-9:
        return "not enough CPU: needs %.2f cores, %.2f of %.2f free" % (
            needs["cpu"], allocatable["cpu"] - requested["cpu"], allocatable["cpu"])
    if requested["memory"] + needs["memory"] > allocatable["memory"]:
        return "not enough memory: needs %.1f GiB, %.1f of %.1f GiB free" % (
            needs["memory"] / GIB, (allocatable["memory"] - requested["memory"]) / GIB, allocatable["memory"] / GIB)
    if requested["pods"] + 1 > allocatable["pods"]:
        return "pod limit reached (%d)" % allocatable["pods"]
    return None


def _own_anti_affinity(item, node, state):
    for term in affinity.required_terms(item.get("affinity"), "podAntiAffinity"):
        topology_key = term.get("topologyKey")
        value = node["labels"].get(topology_key)
        if value is None:
            continue
        for member in state.members_in_domain(topology_key, value):
            if member["key"] != item["key"] and affinity.pod_term_matches(
                    term, item["namespace"], member["namespace"], member["labels"]):
                return "required anti-affinity: %s runs in %s=%s" % (member["key"], topology_key, value)
    return None


def _others_anti_affinity(item, node, state):
    for topology_key in sorted(state.anti_topology_keys):
        value = node["labels"].get(topology_key)
        holders = state.anti.get((topology_key, value)) or {}
        for member_key in sorted(holders):
            member, terms = holders[member_key]
            if member_key == item["key"]:
                continue
            for term in terms:
                if affinity.pod_term_matches(term, member["namespace"], item["namespace"], item["labels"]):
                    return "anti-affinity of %s forbids %s=%s" % (member_key, topology_key, value)
    return None


def _own_affinity(item, node, state):
    for term in affinity.required_terms(item.get("affinity"), "podAffinity"):
        topology_key = term.get("topologyKey")
        value = node["labels"].get(topology_key)
        if value is None or not any(
                member["key"] != item["key"] and affinity.pod_term_matches(
                    term, item["namespace"], member["namespace"], member["labels"])
                for member in state.members_in_domain(topology_key, value)):
            return "required pod affinity not satisfied in %s=%s" % (topology_key, value)
    return None


def pod_affinity_fit(item, node, state):
    return _own_anti_affinity(item, node, state) or _others_anti_affinity(item, node, state) \
        or _own_affinity(item, node, state)


DEFAULT_FILTERS = (node_selector_fit, node_affinity_fit, taints_fit, requests_fit, pod_affinity_fit)


def fits_all(filters=DEFAULT_FILTERS):
    """A ``fits(item, node, state)`` callable: None when every filter passes, else the first refusal."""
    def fits(item, node, state):
        for check in filters:
            reason = check(item, node, state)
            if reason:
                return reason
        return None
    return fits
