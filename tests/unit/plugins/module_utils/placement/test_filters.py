# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Placement filters and scorers in the scheduler-framework shape: each filter alone, and a pass with the default
filters and a scorer chosen by the caller."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.placement import filters
from ansible_collections.workload.availability.plugins.module_utils.placement import framework
from ansible_collections.workload.availability.plugins.module_utils.placement import scorers
from ansible_collections.workload.availability.plugins.module_utils.placement.items import vmi_item, workload_item
from ansible_collections.workload.availability.plugins.module_utils.placement.nodes import node_states

import builders

GI = 2 ** 30
HOST = "kubernetes.io/hostname"


def states(*nodes, **pods_by_node):
    pods = [p for listed in pods_by_node.values() for p in listed]
    return node_states([builders.node(n, cpu="8", memory="32Gi", labels={HOST: n}) if isinstance(n, str) else n
                        for n in nodes], pods)


def anti(labels, topology=HOST):
    return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": labels}, "topologyKey": topology}]}}


def db_pod(name, node, affinity=None):
    made = builders.pod(name, namespace="shop", node=node, labels={"app": "db"}, cpu="1", memory="1Gi")
    if affinity:
        made["spec"]["affinity"] = affinity
    return made


def test_schedulable_and_ready():
    found = states("a", builders.node("cordoned", unschedulable=True, cpu="8", memory="32Gi"),
                   builders.node("down", ready=False, cpu="8", memory="32Gi"))
    item = {"key": "x/y", "cpu": 1.0, "memory": GI}
    assert filters.schedulable_and_ready(item, found["a"], None) is None
    assert filters.schedulable_and_ready(item, found["cordoned"], None) == "node unschedulable (cordoned)"
    assert filters.schedulable_and_ready(item, found["down"], None) == "node not Ready"


def test_required_node_affinity_from_the_vmi_spec():
    vmi = builders.vmi("db-1", spec={"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": HOST, "operator": "NotIn", "values": ["a"]}]}]}}},
        "domain": {"resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}})
    item = vmi_item(vmi)
    found = states("a", "b")
    assert filters.node_affinity(item, found["a"], None) == "required node affinity not matched"
    assert filters.node_affinity(item, found["b"], None) is None


def test_anti_affinity_of_the_item_against_what_runs_on_the_node():
    found = states("a", "b", a=[db_pod("db-0", "a")])
    item = workload_item("shop/db-1", db_pod("db-1", None, affinity=anti({"app": "db"})))
    assert filters.pod_anti_affinity(item, found["a"], None) == "required pod anti-affinity with a pod on the node"
    assert filters.pod_anti_affinity(item, found["b"], None) is None
    elsewhere = dict(item, namespace="other")     # terms select pods of the item's own namespace
    assert filters.pod_anti_affinity(elsewhere, found["a"], None) is None
    zonal = workload_item("shop/db-1", db_pod("db-1", None, affinity=anti({"app": "db"}, "topology.kubernetes.io/zone")))
    assert filters.pod_anti_affinity(zonal, found["a"], None) is None      # only the hostname topology is checked


def test_anti_affinity_of_a_pod_already_on_the_node_against_the_item():
    found = states("a", a=[db_pod("db-0", "a", affinity=anti({"app": "db"}))])
    item = workload_item("shop/db-1", db_pod("db-1", None))
    assert filters.pod_anti_affinity(item, found["a"], None) == "required anti-affinity of a pod on the node"


def test_items_placed_in_one_pass_respect_each_others_anti_affinity():
    items = [workload_item("shop/db-%d" % i, db_pod("db-%d" % i, None, affinity=anti({"app": "db"})))
             for i in range(3)]
    placed = framework.place(items, states("a", "b"))
    assert sorted(placed.targets.values()) == ["a", "b"]
    assert list(placed.unplaced.values()) == [{"a": "required pod anti-affinity with a pod on the node",
                                               "b": "required pod anti-affinity with a pod on the node"}]


def test_the_caller_chooses_the_scorers():
    found = states("a", "b", a=[builders.pod("busy", node="a", cpu="4", memory="16Gi")])
    item = {"key": "x/y", "cpu": 1.0, "memory": GI}
    assert framework.place([item], found).targets == {"x/y": "b"}                 # balanced: the emptier node

    def fullest(item, node, state):
        return scorers.load_after(node, item)
    assert framework.place([item], found, scorers=(fullest,)).targets == {"x/y": "a"}
    assert found["a"]["cpu_used"] == 4.0                                          # the input is not changed
