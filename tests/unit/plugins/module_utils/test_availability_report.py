# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.workload.availability.plugins.module_utils.availability_report import one_line, summarise
from ansible_collections.workload.availability.plugins.module_utils.medik8s import host_for_node

import builders

NOW = datetime.datetime(2026, 11, 25, 12, 0, 0, tzinfo=datetime.timezone.utc)
MAPI = "openshift-machine-api"
node = builders.node
machine = builders.machine


def lease(node_name, holder, renewed_minutes_ago, duration=3600):
    return builders.lease(holder, NOW - datetime.timedelta(minutes=renewed_minutes_ago), duration=duration,
                          node=node_name)


def vmi(name, node_name, phase="Running"):
    return builders.vmi(name, node=node_name, phase=phase, migratable=None)


def host(name, powered_on):
    return builders.baremetalhost(name, powered_on=powered_on)


def by_name(report):
    return dict((entry["name"], entry) for entry in report["nodes"])


def test_node_fields():
    report = summarise(
        [node("w0", labels={"node-role.kubernetes.io/worker": "",
                            "remediation.medik8s.io/exclude-from-remediation": "true"},
              unschedulable=True, uuid="u-0",
              taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
                      {"key": "medik8s.io/drain", "value": "x", "effect": "NoSchedule"}])],
        [], [], [], [], NOW)
    entry = report["nodes"][0]
    assert entry["ready"] == "True"
    assert entry["schedulable"] is False
    assert entry["roles"] == ["worker"]
    assert entry["taints"] == ["node.kubernetes.io/unschedulable:NoSchedule", "medik8s.io/drain=x:NoSchedule"]
    assert entry["excluded_from_remediation"] is True
    assert entry["system_uuid"] == "u-0"
    assert entry["lease"] is None and entry["host"] is None and entry["vmis"] == []


def test_ready_unknown_without_condition():
    assert summarise([node("a", ready=None)], [], [], [], [], NOW)["nodes"][0]["ready"] == "Unknown"


def test_lease_holder_and_validity():
    report = by_name(summarise([node("a"), node("b"), node("c")],
                               [lease("a", "node-maintenance", 10), lease("b", "NodeHealthCheck-nhc", 120),
                                {"metadata": {"name": "unrelated"}, "spec": {}}], [], [], [], NOW))
    assert report["a"]["lease"] == {"holder": "node-maintenance", "valid": True, "expires": "2026-11-25T12:50:00.000000Z"}
    assert report["b"]["lease"]["holder"] == "NodeHealthCheck-nhc" and report["b"]["lease"]["valid"] is False
    assert report["c"]["lease"] is None


def test_vmis_grouped_by_node_and_unplaced_kept():
    report = summarise([node("a"), node("b")],
                       [], [vmi("v2", "a"), vmi("v1", "a"), vmi("p", None, phase="Pending"), vmi("x", "gone")],
                       [], [], NOW)
    nodes = by_name(report)
    assert [v["name"] for v in nodes["a"]["vmis"]] == ["v1", "v2"]
    assert nodes["b"]["vmis"] == []
    assert [(v["name"], v["node"]) for v in report["unplaced_vmis"]] == [("p", None), ("x", "gone")]
    assert report["summary"]["vmis"] == 4 and report["summary"]["vmis_running"] == 3


def test_host_found_through_machine_annotations():
    hosts = [host("bmh-7", False)]
    machines = [machine("m-a", MAPI + "/bmh-7")]
    found = host_for_node(node("a", machine=MAPI + "/m-a"), machines, hosts)
    assert found["metadata"]["name"] == "bmh-7"


def test_host_found_by_node_name_without_machines():
    hosts = [host("a", True), host("b", True)]
    assert host_for_node(node("a"), [], hosts)["metadata"]["name"] == "a"
    assert host_for_node(node("z"), [], hosts) is None


def test_power_and_summary():
    report = summarise([node("a"), node("b", ready="False", unschedulable=True), node("c")],
                       [lease("b", "node-maintenance", 1)], [],
                       [], [host("a", True), host("b", False)], NOW)
    nodes = by_name(report)
    assert nodes["a"]["host"] == {"name": MAPI + "/a", "powered_on": True}
    assert nodes["b"]["host"]["powered_on"] is False
    assert nodes["c"]["host"] is None
    assert report["summary"] == {"nodes": 3, "ready": 2, "cordoned": 1, "held": 1, "powered_off": 1,
                                 "vmis": 0, "vmis_running": 0}
    assert one_line(report["summary"]) == \
        "3 nodes (2 Ready, 1 cordoned, 1 held, 1 powered off), 0 VMIs (0 Running)"


def test_nodes_sorted_by_name():
    report = summarise([node("b"), node("a"), node("c")], [], [], [], [], NOW)
    assert [entry["name"] for entry in report["nodes"]] == ["a", "b", "c"]
