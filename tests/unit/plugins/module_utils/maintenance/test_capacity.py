from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.workload.availability.plugins.module_utils.maintenance import capacity
from ansible_collections.workload.availability.plugins.module_utils.placement.nodes import candidate_nodes

import builders

GI = 2 ** 30


def node(name, ready=True, control_plane=False, mem_gi=16):
    return builders.node(name, ready=ready, role="master" if control_plane else "worker", cpu="4",
                         memory="%dGi" % mem_gi)


def item(key, mem_gi):
    return {"key": key, "cpu": 1.0, "memory": mem_gi * GI, "node_selector": {}, "tolerations": []}


def test_capacity_ok_and_table():
    candidates = candidate_nodes([node("a"), node("b")], [])
    result = capacity.capacity_check([item("x", 8), item("y", 8)], candidates)
    assert result["ok"]
    assert [r["node"] for r in result["table"]] == ["a", "b"]
    assert result["table"][0]["load_after"] == 0.5
    assert result["needed"] == {"cpu": 2.0, "memory_gib": 16.0, "count": 2}


def test_capacity_fails_when_total_fits_but_items_do_not_pack():
    candidates = candidate_nodes([node("a"), node("b")], [])
    result = capacity.capacity_check([item("x", 10), item("y", 10), item("z", 10)], candidates)
    assert not result["ok"]
    assert len(result["unplaced"]) == 1 and len(result["targets"]) == 2
    lines = capacity.format_table(result["table"])
    assert lines[0].startswith("node") and any(line.startswith("a ") for line in lines)


def test_capacity_with_no_candidates():
    result = capacity.capacity_check([item("x", 1)], {})
    assert not result["ok"] and result["unplaced"]["x"] == {"-": "no schedulable node"}


def test_worker_is_never_an_etcd_question():
    assert capacity.etcd_quorum(node("w"), [node("w")])[0]


@pytest.mark.parametrize("ready,expected", [((True, True, True), True), ((True, True, False), False),
                                            ((True, False, True), False)])
def test_etcd_quorum_by_ready_control_plane_count(ready, expected):
    nodes = [node("m%d" % i, ready=r, control_plane=True) for i, r in enumerate(ready)]
    ok, reason = capacity.etcd_quorum(nodes[0], nodes)
    assert ok is expected
    if not ok:
        assert "quorum" in reason and "m0" in reason


def test_etcd_pdb_decides_when_present():
    nodes = [node("m%d" % i, control_plane=True) for i in range(3)]
    blocked = {"metadata": {"name": "etcd-guard-pdb"}, "status": {"disruptionsAllowed": 0}}
    ok, reason = capacity.etcd_quorum(nodes[0], nodes, [blocked])
    assert not ok and "openshift-etcd/etcd-guard-pdb" in reason
    allowed = {"metadata": {"name": "etcd-guard-pdb"}, "status": {"disruptionsAllowed": 1}}
    down = [node("m0", control_plane=True)] + [node("m%d" % i, control_plane=True, ready=False) for i in (1, 2)]
    assert capacity.etcd_quorum(down[0], down, [allowed])[0]
