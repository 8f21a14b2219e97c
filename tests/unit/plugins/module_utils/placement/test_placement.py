from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.placement import filters
from ansible_collections.workload.availability.plugins.module_utils.placement import framework
from ansible_collections.workload.availability.plugins.module_utils.placement.items import vmi_item
from ansible_collections.workload.availability.plugins.module_utils.placement.nodes import candidate_nodes

import builders

GI = 2 ** 30


def node(name, cpu=8, mem_gi=32, ready=True, unschedulable=False, taints=None, labels=None):
    return builders.node(name, ready=ready, unschedulable=unschedulable, taints=taints or [], labels=labels, cpu=cpu,
                         memory="%dGi" % mem_gi)


def pod(node_name, cpu="1", mem="4Gi", phase="Running"):
    return builders.pod("p", namespace="x", node=node_name, cpu=cpu, memory=mem, phase=phase)


def item(key, cpu=1.0, mem_gi=4, selector=None, tolerations=None):
    return {"key": key, "cpu": cpu, "memory": mem_gi * GI, "node_selector": selector or {},
            "tolerations": tolerations or []}


def test_candidates_exclude_drained_unready_and_cordoned_and_count_requests():
    nodes = [node("w1"), node("w2"), node("w3", ready=False), node("w4", unschedulable=True)]
    pods = [pod("w2"), pod("w2", phase="Succeeded"), pod(None)]
    candidates = candidate_nodes(nodes, pods, exclude=("w1",))
    assert sorted(candidates) == ["w2"]
    assert candidates["w2"]["cpu_used"] == 1.0 and candidates["w2"]["mem_used"] == 4 * GI
    assert candidates["w2"]["pods_used"] == 1


def test_balanced_spreads_to_least_loaded():
    nodes = [node("a"), node("b"), node("c")]
    pods = [pod("a", cpu="6", mem="24Gi"), pod("b", cpu="2", mem="8Gi")]
    candidates = candidate_nodes(nodes, pods)
    targets, unplaced, loads = framework.choose_targets([item("v1"), item("v2"), item("v3")], candidates)
    assert unplaced == {}
    assert sorted(targets.values()) == ["b", "c", "c"]
    assert loads["a"] == 0.75
    assert abs(loads["b"] - loads["c"]) <= 0.125 + 1e-9
    assert candidates["c"]["cpu_used"] == 0.0


def test_biggest_first_and_fit():
    candidates = candidate_nodes([node("a", mem_gi=16), node("b", mem_gi=16)], [])
    targets, unplaced, _loads = framework.choose_targets(
        [item("small", mem_gi=4), item("big", mem_gi=12), item("mid", mem_gi=8), item("huge", mem_gi=20)], candidates)
    assert "huge" in unplaced and unplaced["huge"]["a"] == "not enough memory"
    assert targets["big"] != targets["mid"]
    assert targets["small"] == targets["mid"]


def test_node_selector_and_taints():
    nodes = [node("gpu", labels={"gpu": "yes"}), node("plain"),
             node("tainted", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}])]
    candidates = candidate_nodes(nodes, [])
    targets, unplaced, _loads = framework.choose_targets([item("needs-gpu", selector={"gpu": "yes"})], candidates)
    assert targets == {"needs-gpu": "gpu"}
    tolerant = item("db", tolerations=[{"key": "dedicated", "operator": "Equal", "value": "db",
                                        "effect": "NoSchedule"}])
    reasons = framework.choose_targets([item("x", selector={"zone": "z9"})], candidates)[1]["x"]
    assert reasons["plain"] == "nodeSelector zone=z9 not matched"
    assert framework.why_not(tolerant, candidates["tainted"]) is None
    assert framework.why_not(item("y"), candidates["tainted"]) == "taint dedicated:NoSchedule not tolerated"
    assert filters.tolerates([{"operator": "Exists"}], {"key": "k", "effect": "NoExecute"})


def test_vmi_item_uses_launcher_requests_else_vmi_requests():
    vmi = {"metadata": {"name": "v", "namespace": "n"},
           "spec": {"nodeSelector": {"a": "b"}, "domain": {"resources": {"requests": {"memory": "2Gi", "cpu": "1"}}}}}
    assert vmi_item(vmi)["memory"] == 2 * GI
    launcher = pod("w1", cpu="1100m", mem="2300Mi")
    launcher["spec"]["nodeSelector"] = {"a": "b", "kubevirt.io/schedulable": "true",
                                        "kubernetes.io/hostname": "pinned-by-an-earlier-migration"}
    entry = vmi_item(vmi, launcher)
    assert entry["cpu"] == 1.1 and entry["memory"] == 2300 * 2 ** 20
    assert entry["node_selector"] == {"a": "b", "kubevirt.io/schedulable": "true"}
