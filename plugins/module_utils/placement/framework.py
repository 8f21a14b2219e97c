# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One placement pass in the kube-scheduler's shape (pure): for each item (in ``order``), run the filters on every
node, score the nodes that passed, take the best, and account for the item there before the next one.

    place(items, nodes, filters=DEFAULT_FILTERS, scorers=(balanced,), order=biggest_first)
        -> Placement(targets {item key: node}, unplaced {item key: {node: reason}}, loads {node: load after})

Filters and scorers have the signatures of placement/filters.py and placement/scorers.py; node_maintenance uses the
default filters with the balanced scorer (choose_targets), rebalance_vms chooses its own scorers.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
from collections import namedtuple

from ansible_collections.workload.availability.plugins.module_utils.placement.filters import DEFAULT_FILTERS
from ansible_collections.workload.availability.plugins.module_utils.placement.scorers import balanced

Placement = namedtuple("Placement", ["targets", "unplaced", "loads"])


class PlacementState(object):
    """The pass so far: ``nodes`` (name -> node state with the placed items added) and ``placed`` (key -> node)."""

    def __init__(self, nodes):
        self.nodes = copy.deepcopy(nodes)
        self.placed = {}

    def add(self, item, name):
        node = self.nodes[name]
        node["cpu_used"] += item["cpu"]
        node["mem_used"] += item["memory"]
        node["pods_used"] += 1
        node.setdefault("workloads", []).append({"namespace": item.get("namespace"), "labels": item.get("labels"),
                                                 "anti_affinity": item.get("anti_affinity")})
        self.placed[item["key"]] = name

    def loads(self):
        return dict((name, round(max(node["cpu_used"] / node["cpu_alloc"] if node["cpu_alloc"] else 0,
                                     node["mem_used"] / node["mem_alloc"] if node["mem_alloc"] else 0), 4))
                    for name, node in self.nodes.items())


def biggest_first(items):
    return sorted(items, key=lambda item: (item["memory"], item["cpu"], item["key"]), reverse=True)


def why_not(item, node, state=None, filters=DEFAULT_FILTERS):
    """None when ``item`` may go to ``node``, else the first filter's reason."""
    for check in filters:
        reason = check(item, node, state)
        if reason:
            return reason
    return None


def place(items, nodes, filters=DEFAULT_FILTERS, scorers=(balanced,), order=biggest_first):
    """Place every item; ``nodes`` (name -> node state) is not modified."""
    state = PlacementState(nodes)
    unplaced = {}
    for item in order(items):
        best, best_score, reasons = None, None, {}
        for name in sorted(state.nodes):
            node = state.nodes[name]
            reason = why_not(item, node, state, filters)
            if reason:
                reasons[name] = reason
                continue
            score = sum(scorer(item, node, state) for scorer in scorers)
            if best is None or score > best_score + 1e-12:
                best, best_score = name, score
        if best is None:
            unplaced[item["key"]] = reasons or {"-": "no schedulable node"}
            continue
        state.add(item, best)
    return Placement(dict(state.placed), unplaced, state.loads())


def choose_targets(items, candidates):
    """node_maintenance's balanced placement: biggest item first, each on the fitting node with the lowest load
    after placing it (ties by name)."""
    return place(items, candidates)
