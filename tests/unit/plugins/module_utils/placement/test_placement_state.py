# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A pass state that follows moves (rebalance_vms), pod anti-affinity across topology domains and required pod
affinity, on the same filters node_maintenance uses."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.placement import filters
from ansible_collections.workload.availability.plugins.module_utils.placement.framework import place, why_not
from ansible_collections.workload.availability.plugins.module_utils.placement.items import vmi_item, workload_item
from ansible_collections.workload.availability.plugins.module_utils.placement.nodes import node_states
from ansible_collections.workload.availability.plugins.module_utils.placement.state import PlacementState

import builders

GI = 2 ** 30
HOST = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"


def worker(name, zone=None, cpu="8", memory="32Gi"):
    labels = {HOST: name, "kubevirt.io/schedulable": "true"}
    if zone:
        labels[ZONE] = zone
    return builders.node(name, cpu=cpu, memory=memory, labels=labels)


def vm_on(name, node, labels=None, affinity=None, memory="4Gi"):
    """A VMI and its launcher pod on ``node``."""
    spec = {"domain": {"resources": {"requests": {"cpu": "1", "memory": memory}}}}
    if affinity:
        spec["affinity"] = affinity
    vmi = builders.vmi(name, node=node, labels=labels, spec=spec)
    pod = builders.launcher(name, node=node, cpu="1", memory=memory, labels=labels, affinity=affinity)
    return vmi, pod


def terms(kind, labels, topology=HOST, **extra):
    term = {"labelSelector": {"matchLabels": labels}, "topologyKey": topology}
    term.update(extra)
    return {kind: {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}


def setup(nodes, vms, pods=(), topologies=(HOST,)):
    """(items by key, PlacementState) of VMs given as (name, node, labels, affinity) on ``nodes``."""
    made = [vm_on(*spec) for spec in vms]
    states = node_states(nodes, [pod for _vmi, pod in made] + list(pods))
    items = dict((vmi["metadata"]["name"], vmi_item(vmi, pod)) for vmi, pod in made)
    return items, PlacementState(states, anti_affinity_topologies=topologies)


def test_moving_an_item_moves_its_requests_and_its_workload():
    items, state = setup([worker("a"), worker("b", memory="16Gi")],
                         [("big", "a", None, None, "12Gi"), ("filler", "b", None, None, "8Gi")])
    big = items["big"]
    assert why_not(big, state.nodes["b"], state) == "not enough memory"
    state.move(items["filler"], "b", "a")
    assert why_not(big, state.nodes["b"], state) is None
    assert state.nodes["b"]["mem_used"] == 0 and state.nodes["a"]["pods_used"] == 2
    assert [w["key"] for w in state.nodes["a"]["workloads"]] == ["vms/virt-launcher-big-x", "vms/virt-launcher-filler-x"]


def test_a_pass_does_not_change_the_callers_node_states():
    states = node_states([worker("a")], [])
    PlacementState(states).add({"key": "x/y", "cpu": 1.0, "memory": GI}, "a")
    assert states["a"]["cpu_used"] == 0.0 and states["a"]["workloads"] == []


def test_anti_affinity_of_the_moving_vm_does_not_repel_itself():
    anti = terms("podAntiAffinity", {"app": "db"})
    items, state = setup([worker("a"), worker("b"), worker("c")],
                         [("db-1", "a", {"app": "db"}, anti), ("db-2", "b", {"app": "db"}, None)])
    item = items["db-1"]
    assert filters.pod_anti_affinity(item, state.nodes["b"], state) == \
        "required pod anti-affinity with a pod on the node"
    assert filters.pod_anti_affinity(item, state.nodes["c"], state) is None
    assert filters.pod_anti_affinity(item, state.nodes["a"], state) is None


def test_anti_affinity_of_vms_already_there_follows_their_moves():
    anti = terms("podAntiAffinity", {"app": "db"})
    items, state = setup([worker("a"), worker("b")],
                         [("web", "a", {"app": "db"}, None), ("db-2", "b", {"app": "x"}, anti)])
    assert filters.pod_anti_affinity(items["web"], state.nodes["b"], state) == \
        "required anti-affinity of a pod on the node"
    state.move(items["db-2"], "b", "a")
    assert filters.pod_anti_affinity(items["web"], state.nodes["b"], state) is None


def test_zonal_anti_affinity_is_checked_across_the_zone_when_the_pass_says_so():
    zonal = terms("podAntiAffinity", {"app": "db"}, topology=ZONE)
    nodes = [worker("a", "z1"), worker("b", "z2"), worker("c", "z2")]
    vms = [("db-1", "a", {"app": "db"}, zonal), ("db-2", "c", {"app": "db"}, None)]
    items, every_key = setup(nodes, vms)
    assert filters.pod_anti_affinity(items["db-1"], every_key.nodes["b"], every_key) is None   # per node only
    items, every_key = setup(nodes, vms, topologies=None)
    assert filters.pod_anti_affinity(items["db-1"], every_key.nodes["b"], every_key) == \
        "required pod anti-affinity with a pod in %s=z2" % ZONE
    # and the other way: db-2 carrying the zonal term keeps db-1's kind out of zone z2
    items, every_key = setup(nodes, [("db-1", "a", {"app": "db"}, None), ("db-2", "c", {"app": "db"}, zonal)],
                             topologies=None)
    assert filters.pod_anti_affinity(items["db-1"], every_key.nodes["b"], every_key) == \
        "required anti-affinity of a pod in %s=z2" % ZONE
    every_key.move(items["db-2"], "c", "a")
    assert filters.pod_anti_affinity(items["db-1"], every_key.nodes["b"], every_key) is None


def test_terms_select_other_namespaces_only_when_listed_or_by_a_namespace_selector():
    anti = terms("podAntiAffinity", {"app": "db"})
    other = builders.pod("db-pod", namespace="other", node="b", labels={"app": "db"}, cpu="1", memory="1Gi")
    items, state = setup([worker("a"), worker("b")], [("db-1", "a", {"app": "db"}, anti)], pods=[other])
    assert filters.pod_anti_affinity(items["db-1"], state.nodes["b"], state) is None
    listed = dict(items["db-1"], anti_affinity=[dict(anti["podAntiAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"][0], namespaces=["other"])])
    assert filters.pod_anti_affinity(listed, state.nodes["b"], state) is not None
    any_namespace = dict(items["db-1"], anti_affinity=[dict(listed["anti_affinity"][0], namespaces=None,
                                                            namespaceSelector={})])
    assert filters.pod_anti_affinity(any_namespace, state.nodes["b"], state) is not None


def test_required_pod_affinity_needs_a_partner_in_the_domain():
    together = terms("podAffinity", {"app": "cache"})
    items, state = setup([worker("a"), worker("b"), worker("c")],
                         [("app", "a", None, together), ("cache", "b", {"app": "cache"}, None)])
    assert filters.pod_affinity(items["app"], state.nodes["b"], state) is None
    assert filters.pod_affinity(items["app"], state.nodes["c"], state) == \
        "required pod affinity not satisfied on the node"
    zonal = terms("podAffinity", {"app": "cache"}, topology=ZONE)
    items, state = setup([worker("a", "z1"), worker("b", "z2"), worker("c", "z2")],
                         [("app", "a", None, zonal), ("cache", "b", {"app": "cache"}, None)])
    assert filters.pod_affinity(items["app"], state.nodes["c"], state) is None
    assert filters.pod_affinity(items["app"], state.nodes["a"], state) == \
        "required pod affinity not satisfied in %s=z1" % ZONE


def test_the_first_pod_of_a_group_may_go_anywhere():
    own_group = terms("podAffinity", {"app": "cache"})
    first = workload_item("shop/cache-0", builders.pod("cache-0", namespace="shop", node=None,
                                                       labels={"app": "cache"}, cpu="1", memory="1Gi"))
    first["pod_affinity"] = own_group["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    states = node_states([worker("a"), worker("b")], [])
    assert why_not(first, PlacementState(states).nodes["a"], PlacementState(states)) is None
    second = dict(first, key="shop/cache-1")
    placed = place([first, second], states)
    assert placed.targets["shop/cache-0"] == placed.targets["shop/cache-1"]     # the second follows the first
