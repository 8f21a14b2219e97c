from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.workload.availability.plugins.module_utils.maintenance import nmo as op
from ansible_collections.workload.availability.plugins.module_utils.maintenance.options import (
    MAINTENANCE_ARGUMENT_SPEC,
    input_errors,
)
from ansible_collections.workload.availability.plugins.module_utils.maintenance.workflow import summary

import builders


def params(**overrides):
    base = {"name": "w1", "state": "present", "timeout": 600, "lease_duration": 3600, "delete_options": {},
            "pod_selectors": None, "mode": "auto"}
    base.update(overrides)
    return base


def test_valid_options_have_no_problems():
    assert input_errors(params(pod_selectors=["app=web", "tier in (a,b)"])) == []


@pytest.mark.parametrize("overrides,option", [
    ({"timeout": 0}, "timeout"),
    ({"lease_duration": 10}, "lease_duration"),
    ({"delete_options": {"terminate_grace_period": -1}}, "delete_options.terminate_grace_period"),
    ({"pod_selectors": ["a=b,,c"]}, "pod_selectors"),
    ({"name": " "}, "name"),
])
def test_bad_input_names_the_option(overrides, option):
    problems = input_errors(params(**overrides))
    assert len(problems) == 1 and problems[0].startswith(option)


def test_argument_spec_mirrors_k8s_drain_names():
    spec = MAINTENANCE_ARGUMENT_SPEC
    assert set(spec["delete_options"]["options"]) == {"terminate_grace_period", "force", "delete_emptydir_data"}
    assert spec["pod_selectors"]["aliases"] == ["label_selectors"]
    assert spec["non_migratable"]["default"] == "fail"


def test_summary_lines():
    assert summary(params(state="absent"), {}, False) == "node w1 is not in maintenance"
    assert "already in maintenance" in summary(params(), {"phase": "Succeeded"}, False)
    line = summary(params(), {"phase": "Succeeded", "mode": "native", "evicted": [1], "migrated": [1, 2]}, True)
    assert "1 pods evicted, 2 VMs migrated" in line


nm = builders.node_maintenance


@pytest.mark.parametrize("requested,served,existing,record,expected", [
    ("native", True, [], False, "native"),
    ("operator", False, [], False, "operator"),
    ("auto", False, [], False, "native"),
    ("auto", True, [], False, "operator"),
    ("auto", True, [], True, "native"),
    ("auto", True, [nm("w1")], False, "operator"),
    ("auto", True, [nm("w1", ours=False)], False, "native"),
])
def test_choose_mode(requested, served, existing, record, expected):
    assert op.choose_mode(requested, served, existing, record) == expected


def test_cr_body_and_status_summary():
    body = op.cr_body("w1", "bios", "alice", "t")
    assert body["spec"] == {"nodeName": "w1", "reason": "bios"}
    assert body["apiVersion"] == "nodemaintenance.medik8s.io/v1beta1" and body["kind"] == "NodeMaintenance"
    assert op.maintenance_for([nm("w1"), nm("w2")], "w2") == [nm("w2")]
    summary = op.status_summary({"status": {"phase": "Running", "drainProgress": 40, "lastError": "pdb",
                                            "pendingPods": ["a"]}})
    assert summary["phase"] == "Running" and summary["drain_progress"] == 40 and summary["pending_pods"] == ["a"]
    assert op.status_summary(None)["phase"] is None
