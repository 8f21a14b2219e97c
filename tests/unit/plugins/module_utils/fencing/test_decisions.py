# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

import datetime
import json

import pytest

from ansible_collections.workload.availability.plugins.module_utils import leases
from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.fencing import decisions

import builders

NOW = datetime.datetime(2026, 11, 25, 17, 0, 0, tzinfo=datetime.timezone.utc)
OOS = medik8s.OUT_OF_SERVICE_TAINT


def node(ready="Unknown", taints=None, labels=None, annotations=None):
    return builders.node("w1", ready=ready, taints=taints or [], labels=labels, annotations=annotations or {},
                         uuid="u-1")


def lease(holder, seconds_left=600):
    return builders.lease(holder, NOW - datetime.timedelta(seconds=60), duration=60 + seconds_left)


FENCED = [dict(medik8s.FENCE_TAINT, value="off"), OOS]


def test_not_ready_node_may_be_fenced():
    assert decisions.refusals(node("Unknown"), "off", False, None, NOW) == []
    assert decisions.refusals(node("False"), "reboot", False, None, NOW) == []


def test_ready_node_needs_force():
    reasons = decisions.refusals(node("True"), "off", False, None, NOW)
    assert len(reasons) == 1 and "is Ready" in reasons[0] and "force=true" in reasons[0]
    assert decisions.refusals(node("True"), "off", True, None, NOW) == []


def test_powering_on_a_ready_node_needs_no_force():
    assert decisions.refusals(node("True"), "on", False, None, NOW) == []


def test_status_is_always_allowed_even_with_a_foreign_lease():
    assert decisions.refusals(node("True"), "status", False, lease("node-maintenance"), NOW) == []


@pytest.mark.parametrize("marks", [
    {"labels": {medik8s.EXCLUDE_FROM_REMEDIATION_LABEL: "true"}},
    {"taints": [medik8s.DRAIN_TAINT]},
])
@pytest.mark.parametrize("action", ["off", "reboot", "on"])
def test_maintenance_needs_force(marks, action):
    reasons = decisions.refusals(node("False", **marks), action, False, None, NOW)
    assert any("maintenance" in r for r in reasons)
    assert decisions.refusals(node("False", **marks), action, True, None, NOW) == []


def test_exclude_label_must_be_true():
    assert decisions.refusals(node("False", labels={medik8s.EXCLUDE_FROM_REMEDIATION_LABEL: "false"}), "off",
                              False, None, NOW) == []


@pytest.mark.parametrize("holder, what", [
    ("NodeHealthCheck-nhc-far", "another remediator"),
    ("node-maintenance", "node maintenance"),
    (medik8s.fence_run_holder("job-41"), "another fence_node run"),
])
def test_a_valid_foreign_lease_refuses_even_with_force_naming_the_holder(holder, what):
    reasons = decisions.refusals(node("False"), "off", True, lease(holder), NOW)
    assert len(reasons) == 1
    assert holder in reasons[0] and what in reasons[0] and "medik8s-leases/node-w1" in reasons[0]


IN_MAINTENANCE = {"labels": {medik8s.EXCLUDE_FROM_REMEDIATION_LABEL: "true"},
                  "taints": [medik8s.DRAIN_TAINT, medik8s.UNSCHEDULABLE_TAINT]}


def test_force_acts_under_the_maintenance_lease_of_a_node_in_maintenance():
    maintained = node("True", **IN_MAINTENANCE)
    held = lease(medik8s.MAINTENANCE_HOLDER)
    assert decisions.refusals(maintained, "reboot", True, held, NOW, remediation="none") == []
    assert decisions.under_maintenance(maintained, "reboot", True, held, NOW)


def test_the_maintenance_lease_without_force_is_refused():
    maintained = node("True", **IN_MAINTENANCE)
    held = lease(medik8s.MAINTENANCE_HOLDER)
    reasons = decisions.refusals(maintained, "reboot", False, held, NOW, remediation="none")
    assert any(medik8s.MAINTENANCE_HOLDER in r and "node maintenance" in r for r in reasons)
    assert any("in maintenance" in r and "force=true" in r for r in reasons)
    assert not decisions.under_maintenance(maintained, "reboot", False, held, NOW)


@pytest.mark.parametrize("holder", ["NodeHealthCheck-nhc-far", medik8s.fence_run_holder("job-41"),
                                    medik8s.FENCE_PARKED_HOLDER])
def test_force_on_a_node_in_maintenance_still_refuses_another_holder(holder):
    maintained = node("True", **IN_MAINTENANCE)
    reasons = decisions.refusals(maintained, "reboot", True, lease(holder), NOW, remediation="none")
    if holder == medik8s.FENCE_PARKED_HOLDER:   # a parked lease never blocks, and is not the maintenance's
        assert reasons == [] and not decisions.under_maintenance(maintained, "reboot", True, lease(holder), NOW)
        return
    assert len(reasons) == 1 and holder in reasons[0] and "medik8s-leases/node-w1" in reasons[0]


def test_the_maintenance_lease_on_a_node_without_maintenance_marks_is_refused_even_with_force():
    reasons = decisions.refusals(node("True"), "reboot", True, lease(medik8s.MAINTENANCE_HOLDER), NOW,
                                 remediation="none")
    assert len(reasons) == 1 and medik8s.MAINTENANCE_HOLDER in reasons[0] and "maintenance label" in reasons[0]


def test_an_expired_maintenance_lease_is_not_acted_under():
    expired = lease(medik8s.MAINTENANCE_HOLDER, seconds_left=-5)
    assert not decisions.under_maintenance(node("True", **IN_MAINTENANCE), "reboot", True, expired, NOW)


@pytest.mark.parametrize("remediation", ["out_of_service_taint", "resource_deletion"])
def test_under_the_maintenance_lease_remediation_must_be_none(remediation):
    reasons = decisions.refusals(node("True", **IN_MAINTENANCE), "reboot", True, lease(medik8s.MAINTENANCE_HOLDER),
                                 NOW, remediation=remediation)
    assert len(reasons) == 1 and "remediation=none" in reasons[0]


def test_a_second_run_under_the_maintenance_lease_is_refused_naming_the_first():
    first = medik8s.fence_run_holder("run-1")
    marked = decisions.claimed_lease(lease(medik8s.MAINTENANCE_HOLDER), first, NOW + datetime.timedelta(seconds=300))
    assert decisions.claim(marked, NOW)[0] == first
    reasons = decisions.refusals(node("True", **IN_MAINTENANCE), "reboot", True, marked, NOW, remediation="none")
    assert len(reasons) == 1 and first in reasons[0] and "another fence_node run" in reasons[0]
    assert decisions.claim(marked, NOW + datetime.timedelta(seconds=301)) == (None, None)   # an old mark expires


def test_only_our_own_mark_is_removed_and_the_holder_stays():
    first = medik8s.fence_run_holder("run-1")
    marked = decisions.claimed_lease(lease(medik8s.MAINTENANCE_HOLDER), first, NOW + datetime.timedelta(seconds=300))
    assert decisions.unclaimed_lease(marked, medik8s.fence_run_holder("run-2")) is None
    cleared = decisions.unclaimed_lease(marked, first)
    assert decisions.claim(cleared, NOW) == (None, None)
    assert leases.holder(cleared) == medik8s.MAINTENANCE_HOLDER and cleared["spec"] == marked["spec"]


def test_ready_after_a_power_cycle_needs_a_new_boot_id():
    def booted(ready, boot_id):
        found = node(ready)
        found["status"]["nodeInfo"]["bootID"] = boot_id
        return found

    assert not decisions.rebooted(booted("True", "boot-1"), "boot-1")
    assert not decisions.rebooted(booted("False", "boot-2"), "boot-1")
    assert decisions.rebooted(booted("True", "boot-2"), "boot-1")
    assert decisions.rebooted(booted("True", "boot-1"), None)


def test_expired_or_parked_leases_do_not_block():
    assert decisions.refusals(node("False"), "off", False, lease("NodeHealthCheck-x", seconds_left=-5), NOW) == []
    assert decisions.refusals(node("False"), "off", False, lease(medik8s.FENCE_PARKED_HOLDER), NOW) == []


def test_plan_off_from_scratch():
    assert decisions.plan("off", "On", node(), "out_of_service_taint") == ["power_off", "remediate", "wait_workloads"]


def test_plan_off_when_already_off_and_tainted_only_waits():
    steps = decisions.plan("off", "Off", node(taints=FENCED), "out_of_service_taint")
    assert steps == ["wait_workloads"] and not decisions.is_mutating(steps)


def test_plan_off_when_off_but_untainted_picks_up_at_remediation():
    assert decisions.plan("off", "Off", node(), "out_of_service_taint") == ["remediate", "wait_workloads"]


def test_plan_resource_deletion_needs_only_our_taint():
    tainted = node(taints=[dict(medik8s.FENCE_TAINT, value="off")])
    assert decisions.plan("off", "Off", tainted, "resource_deletion") == ["wait_workloads"]
    assert decisions.plan("off", "Off", tainted, "out_of_service_taint") == ["remediate", "wait_workloads"]


def test_plan_without_remediation_only_powers():
    assert decisions.plan("off", "On", node(), "none") == ["power_off"]
    assert decisions.plan("off", "Off", node(), "none") == []


def test_plan_reboot_always_cycles_and_cleans_up():
    assert decisions.plan("reboot", "On", node(), "out_of_service_taint") == [
        "power_off", "remediate", "wait_workloads", "power_on", "wait_ready", "cleanup"]


def test_plan_on_of_a_fenced_node_cleans_up_after_ready():
    assert decisions.plan("on", "Off", node(taints=FENCED), "out_of_service_taint") == [
        "power_on", "wait_ready", "cleanup"]
    assert decisions.plan("on", "On", node("True"), "out_of_service_taint") == ["wait_ready"]


def test_plan_status_does_nothing():
    assert decisions.plan("status", "Off", node(taints=FENCED), "out_of_service_taint") == []


def test_remediated_taints_keep_foreign_taints():
    other = {"key": "example.com/x", "effect": "NoSchedule"}
    taints = decisions.remediated_taints(node(taints=[other]), "reboot", "out_of_service_taint")
    assert other in taints and OOS in taints
    assert {"key": medik8s.FENCE_TAINT["key"], "value": "reboot", "effect": "NoSchedule"} in taints
    assert decisions.remediated_taints(node(taints=[other]), "off", "none") == [other]


def test_cleaned_taints_remove_ours_far_style_and_out_of_service_only():
    other = {"key": "example.com/x", "effect": "NoSchedule"}
    current = node(taints=FENCED + [other, dict(medik8s.FAR_TAINT)])
    assert decisions.cleaned_taints(current) == [other]


def test_record_says_why_and_by_whom():
    text = decisions.record("off", "out_of_service_taint", "holder-x", "2026-11-25T17:00:00Z")
    assert json.loads(text) == {"action": "off", "remediation": "out_of_service_taint", "holder": "holder-x",
                                "at": "2026-11-25T17:00:00Z"}


def pod(name, node_name="w1", owner=None, mirror=False):
    return builders.pod(name, namespace="ns", node=node_name, owner=owner, mirror=mirror)


def test_blocking_pods_ignore_daemonsets_mirrors_and_other_nodes():
    pods = [pod("a"), pod("b", owner="ReplicaSet"), pod("ds", owner="DaemonSet"), pod("m", mirror=True),
            pod("elsewhere", node_name="w2")]
    assert decisions.blocking_pods(pods, "w1") == ["ns/a", "ns/b"]


vm = builders.vm


def vmi(name, node_name, phase="Running"):
    return builders.vmi(name, node=node_name, phase=phase, migratable=None)


def test_vms_to_follow_are_those_that_should_run_again():
    vms = [vm("always", runStrategy="Always"), vm("rerun", runStrategy="RerunOnFailure"),
           vm("manual", runStrategy="Manual"), vm("legacy", running=True), vm("halted", running=False),
           vm("other-node", runStrategy="Always")]
    vmis = [vmi("always", "w1"), vmi("rerun", "w1"), vmi("manual", "w1"), vmi("legacy", "w1"), vmi("halted", "w1"),
            vmi("other-node", "w2"), vmi("orphan", "w1")]
    assert decisions.vms_to_follow(vmis, vms, "w1") == [("vms", "always"), ("vms", "legacy"), ("vms", "rerun")]


def test_running_elsewhere():
    followed = [("vms", "a"), ("vms", "b"), ("vms", "c")]
    vmis = [vmi("a", "w2"), vmi("b", "w1"), vmi("c", "w3", phase="Scheduling")]
    assert decisions.running_elsewhere(vmis, followed, "w1") == {("vms", "a"): "w2"}
