# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One placement pass in the kube-scheduler's shape (pure): for each item (in ``order``), run the filters on every
node, score the nodes that passed, take the best, and account for the item there before the next one.

    place(items, nodes, filters=DEFAULT_FILTERS, scorers=(balanced,), order=biggest_first)
        -> Placement(targets {item key: node}, unplaced {item key: {node: reason}}, loads {node: load after})

Filters and scorers have the signatures of placement/filters.py and placement/scorers.py, the pass state is
placement/state.py's. node_maintenance places with the default filters and the balanced scorer (choose_targets);
rebalance_vms runs the same filters on moves it scores itself (balance/search.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.workload.availability.plugins.module_utils.placement.filters import DEFAULT_FILTERS
from ansible_collections.workload.availability.plugins.module_utils.placement.scorers import balanced
from ansible_collections.workload.availability.plugins.module_utils.placement.state import PlacementState

Placement = namedtuple("Placement", ["targets", "unplaced", "loads"])


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
