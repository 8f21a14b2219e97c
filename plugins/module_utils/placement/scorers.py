# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Placement scorers (pure): ``scorer(item, node, state) -> number``, higher is better. A placement adds up the
scores of its scorers for each node that passed every filter and takes the best (ties: the first node by name)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def load_after(node, item):
    """The node's load with ``item`` added: the larger of its CPU and memory request fractions."""
    cpu = (node["cpu_used"] + item["cpu"]) / node["cpu_alloc"] if node["cpu_alloc"] else 1.0
    memory = (node["mem_used"] + item["memory"]) / node["mem_alloc"] if node["mem_alloc"] else 1.0
    return max(cpu, memory)


def balanced(item, node, state):
    """Prefer the node whose load after taking the item is lowest (node_maintenance's placement=balanced: the
    drained load is spread instead of piling onto one node)."""
    return -load_after(node, item)
