# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one answer to "is this node in maintenance" and the one Node -> Machine -> BareMetalHost chain."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.workload.availability.plugins.module_utils import medik8s

import builders

MAPI = "openshift-machine-api"
RECORD = {medik8s.MAINTENANCE_REASON_ANNOTATION: "bios"}


@pytest.mark.parametrize("marks", [
    {"labels": {medik8s.EXCLUDE_FROM_REMEDIATION_LABEL: "true"}},
    {"taints": [medik8s.DRAIN_TAINT]},
    {"annotations": RECORD},
])
def test_any_maintenance_mark_means_maintenance(marks):
    assert medik8s.in_maintenance(builders.node(**marks))


@pytest.mark.parametrize("marks", [
    {},
    {"unschedulable": True, "taints": [medik8s.UNSCHEDULABLE_TAINT]},
    {"labels": {medik8s.EXCLUDE_FROM_REMEDIATION_LABEL: "false"}},
    {"taints": [dict(medik8s.DRAIN_TAINT, effect="PreferNoSchedule")]},
])
def test_a_cordon_or_a_lookalike_is_not_maintenance(marks):
    assert not medik8s.in_maintenance(builders.node(**marks))


def test_marks_and_record():
    node = builders.node(taints=[medik8s.DRAIN_TAINT], unschedulable=True, annotations=RECORD)
    assert medik8s.maintenance_marks(node) == {"unschedulable": True, "unschedulable_taint": False,
                                               "drain_taint": True, "exclude_label": False, "record": True}
    assert medik8s.maintenance_record(node) == {"reason": "bios", "by": None, "since": None}
    assert medik8s.maintenance_record(builders.node()) is None


def test_lease_and_holder_names():
    assert medik8s.lease_name("w1") == "node-w1"
    assert medik8s.nhc_holder("workers") == "NodeHealthCheck-workers"
    assert medik8s.fence_run_holder("ab12") == "workload.availability.fence_node/ab12"


def test_host_through_the_machine_wins_over_one_named_like_the_node():
    node = builders.node("w1", machine=MAPI + "/m-1")
    machines = [builders.machine("m-1", host=MAPI + "/rack3-slot7")]
    hosts = [builders.baremetalhost("w1"), builders.baremetalhost("rack3-slot7")]
    assert medik8s.host_for_node(node, machines, hosts)["metadata"]["name"] == "rack3-slot7"


def test_a_machine_pointing_nowhere_falls_back_to_the_name():
    node = builders.node("w1", machine=MAPI + "/m-1")
    machines = [builders.machine("m-1", host=MAPI + "/gone")]
    assert medik8s.host_for_node(node, machines, [builders.baremetalhost("w1")])["metadata"]["name"] == "w1"


def test_by_name_in_a_namespace_or_the_only_one_anywhere():
    hosts = [builders.baremetalhost("w1", namespace="a"), builders.baremetalhost("w1", namespace="b")]
    assert medik8s.host_for_node(builders.node("w1"), [], hosts) is None    # two of that name: never guess
    assert medik8s.host_for_node(builders.node("w1"), [], hosts, namespace="b")["metadata"]["namespace"] == "b"
    assert medik8s.host_for_node(builders.node("w1"), [], hosts, namespace="c") is None


def test_malformed_references_find_nothing():
    node = builders.node("w1", machine="no-namespace")
    assert medik8s.machine_ref(node) is None
    assert medik8s.host_ref(builders.machine("m", host="a/b/c")) is None
