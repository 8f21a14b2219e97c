from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.workload.availability.plugins.module_utils.core.labels import parse_selector
from ansible_collections.workload.availability.plugins.module_utils.maintenance import drain

import builders


def pod(name, owner_kind="ReplicaSet", labels=None, emptydir=False, phase="Running", mirror=False,
        terminating=False):
    return builders.pod(name, owner=owner_kind, labels=labels, emptydir=emptydir, phase=phase, mirror=mirror,
                        terminating=terminating)


def launcher(vmi_name, phase="Running"):
    return builders.launcher(vmi_name, namespace="app", suffix="abcde", phase=phase)


def names(entries):
    return [e["name"] for e in entries]


def test_defaults_block_unmanaged_and_emptydir_pods_naming_the_option():
    plan = drain.plan_pods([pod("bare", owner_kind=None), pod("cache", emptydir=True), pod("web")], {})
    assert names(plan["evict"]) == ["web"]
    reasons = dict((e["name"], e["reason"]) for e in plan["blockers"])
    assert "force=true" in reasons["bare"]
    assert "delete_emptydir_data=true" in reasons["cache"]


def test_force_and_delete_emptydir_data_allow_with_warnings():
    plan = drain.plan_pods([pod("bare", owner_kind=None), pod("cache", emptydir=True)],
                           {"force": True, "delete_emptydir_data": True})
    assert plan["blockers"] == []
    warnings = dict((e["name"], e["warning"]) for e in plan["evict"])
    assert "not be recreated" in warnings["bare"] and "emptyDir" in warnings["cache"]


def test_daemonset_mirror_terminating_and_finished_pods():
    done = pod("job-done", owner_kind=None, emptydir=True, phase="Succeeded")
    plan = drain.plan_pods([pod("ds", owner_kind="DaemonSet"), pod("static", owner_kind="Node", mirror=True),
                            pod("going", terminating=True), done], {})
    assert names(plan["skip"]) == ["ds", "static"]
    assert names(plan["terminating"]) == ["going"]
    assert names(plan["evict"]) == ["job-done"]
    assert plan["blockers"] == []


def test_launcher_pods_follow_their_vmi_and_ignore_emptydir():
    plan = drain.plan_pods([launcher("vm-a"), launcher("vm-b")], {}, moved_vmis={"app/vm-a"})
    assert names(plan["vm"]) == ["virt-launcher-vm-a-abcde"]
    assert names(plan["skip"]) == ["virt-launcher-vm-b-abcde"]
    assert plan["blockers"] == []
    finished = drain.plan_pods([launcher("vm-c", phase="Succeeded")], {})
    assert names(finished["evict"]) == ["virt-launcher-vm-c-abcde"]


@pytest.mark.parametrize("selectors,expected", [
    (["app=web"], ["web"]),
    (["app!=web"], ["db", "plain"]),
    (["app in (web, db)"], ["db", "web"]),
    (["app notin (web)"], ["db", "plain"]),
    (["app"], ["db", "web"]),
    (["!app"], ["plain"]),
    (["tier=front,app=web"], ["web"]),
    (["app=db", "tier=front"], ["db", "web"]),
])
def test_pod_selectors(selectors, expected):
    pods = [pod("web", labels={"app": "web", "tier": "front"}), pod("db", labels={"app": "db"}), pod("plain")]
    plan = drain.plan_pods(pods, {"pod_selectors": selectors})
    assert sorted(names(plan["evict"])) == sorted(expected)
    assert all(e["reason"] == "not matched by pod_selectors" for e in plan["skip"])


def test_bad_selector_raises():
    with pytest.raises(ValueError):
        parse_selector("a=b,,c")


def vmi(name, migratable=True, migrating=False, evacuating=False, phase="Running"):
    return builders.vmi(name, migratable=migratable, migrating=migrating, evacuating=evacuating, phase=phase)


@pytest.mark.parametrize("policy,bucket", [("fail", "blockers"), ("shutdown", "shutdown"), ("skip", "skip")])
def test_non_migratable_policy(policy, bucket):
    plan = drain.plan_vms([vmi("a"), vmi("b", migratable=False)], policy)
    assert names(plan["migrate"]) == ["a"]
    assert names(plan[bucket]) == ["b"]
    assert "DisksNotLiveMigratable" in plan[bucket][0]["reason"]
    if policy == "fail":
        assert "non_migratable" in plan["blockers"][0]["reason"]


def test_in_flight_and_finished_vmis():
    done = vmi("done", phase="Succeeded")
    finished_migration = vmi("moved-before")
    finished_migration["status"]["migrationState"] = {"startTimestamp": "t", "endTimestamp": "t2", "completed": True}
    plan = drain.plan_vms([vmi("m", migrating=True), vmi("e", evacuating=True), done, finished_migration], "fail")
    assert names(plan["in_flight"]) == ["e", "m"]
    assert names(plan["migrate"]) == ["moved-before"]


def test_missing_condition_is_not_migratable():
    v = vmi("x")
    v["status"]["conditions"] = []
    plan = drain.plan_vms([v], "fail")
    assert "no LiveMigratable condition" in plan["blockers"][0]["reason"]
