from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools

from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import nodes

import builders

FOREIGN = {"key": "example.com/gpu", "value": "a100", "effect": "NoSchedule"}
make_node = functools.partial(builders.node, uuid="u-1")


def test_readiness():
    assert nodes.is_ready(make_node())
    assert nodes.ready_status(make_node(ready="Unknown")) == "Unknown"
    assert not nodes.is_ready(make_node(ready="False"))
    assert nodes.ready_status({"metadata": {"name": "x"}}) == "Unknown"


def test_roles_and_control_plane():
    node = make_node(labels={"node-role.kubernetes.io/master": "", "node-role.kubernetes.io/worker": ""})
    assert nodes.roles(node) == ["master", "worker"]
    assert nodes.is_control_plane(node)
    assert not nodes.is_control_plane(make_node(labels={"node-role.kubernetes.io/worker": ""}))
    assert nodes.system_uuid(node) == "u-1"


def test_taint_identity_is_key_and_effect():
    assert nodes.same_taint({"key": "a", "effect": "NoSchedule", "value": "x"}, {"key": "a", "effect": "NoSchedule"})
    assert not nodes.same_taint({"key": "a", "effect": "NoExecute"}, {"key": "a", "effect": "NoSchedule"})


def test_with_and_without_keep_foreign_taints():
    listed = nodes.with_taint([FOREIGN], medik8s.DRAIN_TAINT)
    assert listed == [FOREIGN, medik8s.DRAIN_TAINT]
    assert nodes.with_taint(listed, medik8s.DRAIN_TAINT) == listed
    assert nodes.without_taint(listed, medik8s.DRAIN_TAINT) == [FOREIGN]
    assert nodes.has_taint(make_node(taints=listed), medik8s.DRAIN_TAINT)
    assert not nodes.has_taint(make_node(), medik8s.DRAIN_TAINT)


def test_patch_guards_current_taint_list():
    node = make_node(taints=[FOREIGN])
    wanted = nodes.with_taint(nodes.taints(node), medik8s.DRAIN_TAINT)
    ops = nodes.node_patch(node, taints=wanted, unschedulable=True,
                           labels={medik8s.EXCLUDE_FROM_REMEDIATION_LABEL: "true"})
    assert ops[0] == {"op": "test", "path": "/spec/taints", "value": [FOREIGN]}
    assert ops[1] == {"op": "add", "path": "/spec/taints", "value": [FOREIGN, medik8s.DRAIN_TAINT]}
    assert {"op": "add", "path": "/spec/unschedulable", "value": True} in ops
    assert {"op": "add", "path": "/metadata/labels/remediation.medik8s.io~1exclude-from-remediation",
            "value": "true"} in ops


def test_patch_without_taints_tests_resource_version_and_removes_empty():
    node = make_node()
    node["metadata"]["resourceVersion"] = "42"
    ops = nodes.node_patch(node, taints=[medik8s.DRAIN_TAINT])
    assert ops[0] == {"op": "test", "path": "/metadata/resourceVersion", "value": "42"}
    assert ops[1] == {"op": "add", "path": "/spec/taints", "value": [medik8s.DRAIN_TAINT]}
    tainted = make_node(taints=[medik8s.DRAIN_TAINT], unschedulable=True)
    ops = nodes.node_patch(tainted, taints=[], unschedulable=False)
    assert ops == [{"op": "test", "path": "/spec/taints", "value": [medik8s.DRAIN_TAINT]},
                   {"op": "remove", "path": "/spec/taints"},
                   {"op": "remove", "path": "/spec/unschedulable"}]


def test_patch_is_empty_when_nothing_changes():
    node = make_node(taints=[medik8s.DRAIN_TAINT], unschedulable=True, labels={"a": "1"}, annotations={"b": "2"})
    assert nodes.node_patch(node, taints=[medik8s.DRAIN_TAINT], unschedulable=True, labels={"a": "1", "gone": None},
                            annotations={"b": "2"}) == []


def test_patch_adds_whole_annotation_map_when_absent_and_removes_keys():
    node = make_node()
    assert nodes.node_patch(node, annotations={"x/y": "1", "z": None}) == [
        {"op": "add", "path": "/metadata/annotations", "value": {"x/y": "1"}}]
    node = make_node(annotations={"x/y": "1"})
    assert nodes.node_patch(node, annotations={"x/y": None}) == [
        {"op": "remove", "path": "/metadata/annotations/x~1y"}]


def test_node_view():
    view = nodes.node_view(make_node(taints=[FOREIGN], unschedulable=True))
    assert view["unschedulable"] is True and view["taints"] == [FOREIGN] and view["name"] == "w1"
