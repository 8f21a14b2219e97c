# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

import datetime
import json

import pytest

from ansible_collections.workload.availability.plugins.module_utils import fencing
from ansible_collections.workload.availability.plugins.module_utils import leases
from ansible_collections.workload.availability.plugins.module_utils import nodes

NOW = datetime.datetime(2026, 11, 25, 17, 0, 0, tzinfo=datetime.timezone.utc)
OOS = nodes.OUT_OF_SERVICE_TAINT


def node(ready="Unknown", taints=None, labels=None, annotations=None):
    return {"metadata": {"name": "w1", "labels": labels or {}, "annotations": annotations or {}},
            "spec": {"taints": taints or []},
            "status": {"conditions": [{"type": "Ready", "status": ready}], "nodeInfo": {"systemUUID": "u-1"}}}


def lease(holder, seconds_left=600):
    renew = NOW - datetime.timedelta(seconds=60)
    return {"spec": {"holderIdentity": holder, "leaseDurationSeconds": 60 + seconds_left,
                     "renewTime": leases.format_time(renew)}}


FENCED = [dict(fencing.FENCE_TAINT, value="off"), OOS]


def test_not_ready_node_may_be_fenced():
    assert fencing.refusals(node("Unknown"), "off", False, None, NOW) == []
    assert fencing.refusals(node("False"), "reboot", False, None, NOW) == []


def test_ready_node_needs_force():
    reasons = fencing.refusals(node("True"), "off", False, None, NOW)
    assert len(reasons) == 1 and "is Ready" in reasons[0] and "force=true" in reasons[0]
    assert fencing.refusals(node("True"), "off", True, None, NOW) == []


def test_powering_on_a_ready_node_needs_no_force():
    assert fencing.refusals(node("True"), "on", False, None, NOW) == []


def test_status_is_always_allowed_even_with_a_foreign_lease():
    assert fencing.refusals(node("True"), "status", False, lease("node-maintenance"), NOW) == []


@pytest.mark.parametrize("marks", [
    {"labels": {nodes.EXCLUDE_FROM_REMEDIATION_LABEL: "true"}},
    {"taints": [nodes.DRAIN_TAINT]},
])
@pytest.mark.parametrize("action", ["off", "reboot", "on"])
def test_maintenance_needs_force(marks, action):
    reasons = fencing.refusals(node("False", **marks), action, False, None, NOW)
    assert any("maintenance" in r for r in reasons)
    assert fencing.refusals(node("False", **marks), action, True, None, NOW) == []


def test_exclude_label_must_be_true():
    assert fencing.refusals(node("False", labels={nodes.EXCLUDE_FROM_REMEDIATION_LABEL: "false"}), "off", False,
                            None, NOW) == []


@pytest.mark.parametrize("holder, what", [
    ("NodeHealthCheck-nhc-far", "another remediator"),
    ("node-maintenance", "node maintenance"),
    (fencing.run_holder("job-41"), "another fence_node run"),
])
def test_a_valid_foreign_lease_refuses_even_with_force_naming_the_holder(holder, what):
    reasons = fencing.refusals(node("False"), "off", True, lease(holder), NOW)
    assert len(reasons) == 1
    assert holder in reasons[0] and what in reasons[0] and "medik8s-leases/node-w1" in reasons[0]


IN_MAINTENANCE = {"labels": {nodes.EXCLUDE_FROM_REMEDIATION_LABEL: "true"},
                  "taints": [nodes.DRAIN_TAINT, nodes.UNSCHEDULABLE_TAINT]}


def test_force_acts_under_the_maintenance_lease_of_a_node_in_maintenance():
    maintained = node("True", **IN_MAINTENANCE)
    held = lease(leases.MAINTENANCE_HOLDER)
    assert fencing.refusals(maintained, "reboot", True, held, NOW, remediation="none") == []
    assert fencing.under_maintenance(maintained, "reboot", True, held, NOW)


def test_the_maintenance_lease_without_force_is_refused():
    maintained = node("True", **IN_MAINTENANCE)
    held = lease(leases.MAINTENANCE_HOLDER)
    reasons = fencing.refusals(maintained, "reboot", False, held, NOW, remediation="none")
    assert any(leases.MAINTENANCE_HOLDER in r and "node maintenance" in r for r in reasons)
    assert any("in maintenance" in r and "force=true" in r for r in reasons)
    assert not fencing.under_maintenance(maintained, "reboot", False, held, NOW)


@pytest.mark.parametrize("holder", ["NodeHealthCheck-nhc-far", fencing.run_holder("job-41"), fencing.PARKED_HOLDER])
def test_force_on_a_node_in_maintenance_still_refuses_another_holder(holder):
    maintained = node("True", **IN_MAINTENANCE)
    reasons = fencing.refusals(maintained, "reboot", True, lease(holder), NOW, remediation="none")
    if holder == fencing.PARKED_HOLDER:   # a parked lease never blocks, and is not the maintenance's
        assert reasons == [] and not fencing.under_maintenance(maintained, "reboot", True, lease(holder), NOW)
        return
    assert len(reasons) == 1 and holder in reasons[0] and "medik8s-leases/node-w1" in reasons[0]


def test_the_maintenance_lease_on_a_node_without_maintenance_marks_is_refused_even_with_force():
    reasons = fencing.refusals(node("True"), "reboot", True, lease(leases.MAINTENANCE_HOLDER), NOW,
                               remediation="none")
    assert len(reasons) == 1 and leases.MAINTENANCE_HOLDER in reasons[0] and "maintenance label" in reasons[0]


def test_an_expired_maintenance_lease_is_not_acted_under():
    expired = lease(leases.MAINTENANCE_HOLDER, seconds_left=-5)
    assert not fencing.under_maintenance(node("True", **IN_MAINTENANCE), "reboot", True, expired, NOW)


@pytest.mark.parametrize("remediation", ["out_of_service_taint", "resource_deletion"])
def test_under_the_maintenance_lease_remediation_must_be_none(remediation):
    reasons = fencing.refusals(node("True", **IN_MAINTENANCE), "reboot", True, lease(leases.MAINTENANCE_HOLDER), NOW,
                               remediation=remediation)
    assert len(reasons) == 1 and "remediation=none" in reasons[0]


def test_a_second_run_under_the_maintenance_lease_is_refused_naming_the_first():
    first = fencing.run_holder("run-1")
    marked = fencing.claimed_lease(lease(leases.MAINTENANCE_HOLDER), first, NOW + datetime.timedelta(seconds=300))
    assert fencing.claim(marked, NOW)[0] == first
    reasons = fencing.refusals(node("True", **IN_MAINTENANCE), "reboot", True, marked, NOW, remediation="none")
    assert len(reasons) == 1 and first in reasons[0] and "another fence_node run" in reasons[0]
    assert fencing.claim(marked, NOW + datetime.timedelta(seconds=301)) == (None, None)   # an old mark expires


def test_only_our_own_mark_is_removed_and_the_holder_stays():
    first = fencing.run_holder("run-1")
    marked = fencing.claimed_lease(lease(leases.MAINTENANCE_HOLDER), first, NOW + datetime.timedelta(seconds=300))
    assert fencing.unclaimed_lease(marked, fencing.run_holder("run-2")) is None
    cleared = fencing.unclaimed_lease(marked, first)
    assert fencing.claim(cleared, NOW) == (None, None)
    assert leases.holder(cleared) == leases.MAINTENANCE_HOLDER and cleared["spec"] == marked["spec"]


def test_ready_after_a_power_cycle_needs_a_new_boot_id():
    def booted(ready, boot_id):
        found = node(ready)
        found["status"]["nodeInfo"]["bootID"] = boot_id
        return found

    assert not fencing.rebooted(booted("True", "boot-1"), "boot-1")
    assert not fencing.rebooted(booted("False", "boot-2"), "boot-1")
    assert fencing.rebooted(booted("True", "boot-2"), "boot-1")
    assert fencing.rebooted(booted("True", "boot-1"), None)


def test_expired_or_parked_leases_do_not_block():
    assert fencing.refusals(node("False"), "off", False, lease("NodeHealthCheck-x", seconds_left=-5), NOW) == []
    assert fencing.refusals(node("False"), "off", False, lease(fencing.PARKED_HOLDER), NOW) == []


def test_plan_off_from_scratch():
    assert fencing.plan("off", "On", node(), "out_of_service_taint") == ["power_off", "remediate", "wait_workloads"]


def test_plan_off_when_already_off_and_tainted_only_waits():
    steps = fencing.plan("off", "Off", node(taints=FENCED), "out_of_service_taint")
    assert steps == ["wait_workloads"] and not fencing.is_mutating(steps)


def test_plan_off_when_off_but_untainted_picks_up_at_remediation():
    assert fencing.plan("off", "Off", node(), "out_of_service_taint") == ["remediate", "wait_workloads"]


def test_plan_resource_deletion_needs_only_our_taint():
    tainted = node(taints=[dict(fencing.FENCE_TAINT, value="off")])
    assert fencing.plan("off", "Off", tainted, "resource_deletion") == ["wait_workloads"]
    assert fencing.plan("off", "Off", tainted, "out_of_service_taint") == ["remediate", "wait_workloads"]


def test_plan_without_remediation_only_powers():
    assert fencing.plan("off", "On", node(), "none") == ["power_off"]
    assert fencing.plan("off", "Off", node(), "none") == []


def test_plan_reboot_always_cycles_and_cleans_up():
    assert fencing.plan("reboot", "On", node(), "out_of_service_taint") == [
        "power_off", "remediate", "wait_workloads", "power_on", "wait_ready", "cleanup"]


def test_plan_on_of_a_fenced_node_cleans_up_after_ready():
    assert fencing.plan("on", "Off", node(taints=FENCED), "out_of_service_taint") == [
        "power_on", "wait_ready", "cleanup"]
    assert fencing.plan("on", "On", node("True"), "out_of_service_taint") == ["wait_ready"]


def test_plan_status_does_nothing():
    assert fencing.plan("status", "Off", node(taints=FENCED), "out_of_service_taint") == []


def test_remediated_taints_keep_foreign_taints():
    other = {"key": "example.com/x", "effect": "NoSchedule"}
    taints = fencing.remediated_taints(node(taints=[other]), "reboot", "out_of_service_taint")
    assert other in taints and OOS in taints
    assert {"key": fencing.FENCE_TAINT["key"], "value": "reboot", "effect": "NoSchedule"} in taints
    assert fencing.remediated_taints(node(taints=[other]), "off", "none") == [other]


def test_cleaned_taints_remove_ours_far_style_and_out_of_service_only():
    other = {"key": "example.com/x", "effect": "NoSchedule"}
    current = node(taints=FENCED + [other, dict(fencing.FAR_TAINT)])
    assert fencing.cleaned_taints(current) == [other]


def test_record_says_why_and_by_whom():
    text = fencing.record("off", "out_of_service_taint", "holder-x", "2026-11-25T17:00:00Z")
    assert json.loads(text) == {"action": "off", "remediation": "out_of_service_taint", "holder": "holder-x",
                                "at": "2026-11-25T17:00:00Z"}


def pod(name, node_name="w1", owner=None, mirror=False):
    metadata = {"name": name, "namespace": "ns"}
    if owner:
        metadata["ownerReferences"] = [{"kind": owner, "name": "o"}]
    if mirror:
        metadata["annotations"] = {"kubernetes.io/config.mirror": "x"}
    return {"metadata": metadata, "spec": {"nodeName": node_name}}


def test_blocking_pods_ignore_daemonsets_mirrors_and_other_nodes():
    pods = [pod("a"), pod("b", owner="ReplicaSet"), pod("ds", owner="DaemonSet"), pod("m", mirror=True),
            pod("elsewhere", node_name="w2")]
    assert fencing.blocking_pods(pods, "w1") == ["ns/a", "ns/b"]


def vm(name, **spec):
    return {"metadata": {"name": name, "namespace": "vms"}, "spec": spec}


def vmi(name, node_name, phase="Running"):
    return {"metadata": {"name": name, "namespace": "vms"}, "status": {"nodeName": node_name, "phase": phase}}


def test_vms_to_follow_are_those_that_should_run_again():
    vms = [vm("always", runStrategy="Always"), vm("rerun", runStrategy="RerunOnFailure"),
           vm("manual", runStrategy="Manual"), vm("legacy", running=True), vm("halted", running=False),
           vm("other-node", runStrategy="Always")]
    vmis = [vmi("always", "w1"), vmi("rerun", "w1"), vmi("manual", "w1"), vmi("legacy", "w1"), vmi("halted", "w1"),
            vmi("other-node", "w2"), vmi("orphan", "w1")]
    assert fencing.vms_to_follow(vmis, vms, "w1") == [("vms", "always"), ("vms", "legacy"), ("vms", "rerun")]


def test_running_elsewhere():
    followed = [("vms", "a"), ("vms", "b"), ("vms", "c")]
    vmis = [vmi("a", "w2"), vmi("b", "w1"), vmi("c", "w3", phase="Scheduling")]
    assert fencing.running_elsewhere(vmis, followed, "w1") == {("vms", "a"): "w2"}
