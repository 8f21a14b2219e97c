from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import nodes
from ansible_collections.workload.availability.plugins.module_utils.maintenance import marks
from ansible_collections.workload.availability.plugins.module_utils.maintenance import plan as plans
from ansible_collections.workload.availability.plugins.module_utils.maintenance.drain_loop import migration_body
from ansible_collections.workload.availability.plugins.module_utils.maintenance.preflight import preflight

import builders

GI = 2 ** 30
FOREIGN = {"key": "example.com/gpu", "effect": "NoSchedule"}


def node(name="w1", mem="32Gi", control_plane=False, labels=None, annotations=None, **options):
    return builders.node(name, role="master" if control_plane else "worker", cpu="8", memory=mem,
                         labels=dict({"kubevirt.io/schedulable": "true"}, **(labels or {})),
                         annotations=annotations or {}, **options)


def in_maintenance(name="w1"):
    return node(name, taints=[FOREIGN, medik8s.UNSCHEDULABLE_TAINT, medik8s.DRAIN_TAINT], unschedulable=True,
                labels={medik8s.EXCLUDE_FROM_REMEDIATION_LABEL: "true"},
                annotations={medik8s.MAINTENANCE_REASON_ANNOTATION: "bios",
                             medik8s.MAINTENANCE_BY_ANNOTATION: "alice@h",
                             medik8s.MAINTENANCE_SINCE_ANNOTATION: "2026-01-01T00:00:00.000000Z"})


def pod(name, node_name="w1", owner="ReplicaSet", mem="1Gi"):
    return builders.pod(name, node=node_name, owner=owner, cpu="1", memory=mem)


def launcher(vmi_name):
    return builders.launcher(vmi_name, cpu="1", memory="4Gi")


def vmi(name, migratable=True):
    return builders.vmi(name, migratable=migratable)


def test_present_changes_then_nothing_to_do():
    n = node(taints=[FOREIGN])
    changes = marks.present_changes(n, "bios", "alice@h", "2026-01-01T00:00:00.000000Z")
    after = marks.apply_changes(n, changes)
    assert medik8s.maintenance_marks(after) == {"unschedulable": True, "unschedulable_taint": True,
                                                "drain_taint": True, "exclude_label": True, "record": True}
    assert nodes.taints(after)[0] == FOREIGN
    again = marks.present_changes(after, "bios", "bob@h", "2027-01-01T00:00:00.000000Z")
    assert nodes.node_patch(after, **again) == []
    assert medik8s.maintenance_record(after) == {"reason": "bios", "by": "alice@h",
                                                 "since": "2026-01-01T00:00:00.000000Z"}


def test_absent_changes_remove_only_ours():
    n = in_maintenance()
    after = marks.apply_changes(n, marks.absent_changes(n))
    assert nodes.taints(after) == [FOREIGN]
    assert not nodes.is_unschedulable(after)
    assert medik8s.maintenance_record(after) is None
    assert medik8s.EXCLUDE_FROM_REMEDIATION_LABEL not in after["metadata"]["labels"]
    assert nodes.node_patch(after, **marks.absent_changes(after)) == []


def test_absent_keeps_someone_elses_cordon():
    n = node(unschedulable=True, taints=[medik8s.UNSCHEDULABLE_TAINT])
    changes = marks.absent_changes(n)
    assert nodes.node_patch(n, **changes) == []


def test_plan_moves_launchers_with_their_vms_and_counts_remaining():
    pods = [pod("web"), launcher("a"), launcher("b"), pod("ds", owner="DaemonSet")]
    plan = plans.plan_drain(pods, [vmi("a"), vmi("b", migratable=False)], {"non_migratable": "skip"})
    assert [e["name"] for e in plan["vms"]["migrate"]] == ["a"]
    assert [e["name"] for e in plan["pods"]["vm"]] == ["virt-launcher-a-x"]
    assert sorted(e["name"] for e in plan["pods"]["skip"]) == ["ds", "virt-launcher-b-x"]
    assert plans.remaining_count(plan) == 2
    assert not plans.is_drained(plan)
    assert plans.is_drained(plans.plan_drain([pod("ds", owner="DaemonSet")], [vmi("b", migratable=False)],
                                             {"non_migratable": "skip"}))


def test_blockers_list_both_kinds():
    plan = plans.plan_drain([pod("bare", owner=None)], [vmi("nm", migratable=False)], {})
    kinds = sorted(b["kind"] for b in plans.blockers(plan))
    assert kinds == ["Pod", "VirtualMachineInstance"]


def test_drain_progress():
    assert plans.drain_progress(0, 0) == 100
    assert plans.drain_progress(4, 1) == 75
    assert plans.drain_progress(4, 9) == 0


def test_preflight_balanced_targets_and_capacity_failure():
    nodes_list = [node("w1"), node("w2", mem="16Gi"), node("w3", mem="16Gi")]
    pods = [launcher("a"), launcher("b"), pod("web"), pod("busy", node_name="w2", mem="8Gi")]
    vmis = [vmi("a"), vmi("b")]
    plan = plans.plan_drain(pods[:3], vmis, {})
    verdict = preflight(nodes_list[0], nodes_list, pods, plan, pods[:3], vmis, [])
    assert verdict["ok"], verdict["problems"]
    # w2 is half full already: both VMs go to the empty w3, which stays below w2's load
    assert verdict["targets"]["vms/a"] == verdict["targets"]["vms/b"] == "w3"
    assert verdict["capacity"]["table"][1]["load_after"] <= 0.6
    small = [node("w1"), node("w2", mem="4Gi")]
    verdict = preflight(small[0], small, pods[:3], plan, pods[:3], vmis, [])
    assert not verdict["ok"]
    assert "cannot take" in verdict["problems"][0] and "w2" in verdict["problems"][0]


def test_preflight_refuses_breaking_etcd_quorum():
    cp = [node("m%d" % i, control_plane=True) for i in range(3)]
    cp[1]["status"]["conditions"][0]["status"] = "False"
    plan = plans.plan_drain([], [], {})
    verdict = preflight(cp[0], cp, [], plan, [], [], [])
    assert not verdict["ok"] and "quorum" in verdict["problems"][0]
    assert preflight(cp[0], cp, [], plan, [], [], [], check_quorum=False)["ok"]


def test_migration_body_pins_target_only_when_given():
    body = migration_body({"namespace": "vms", "name": "a"}, "w1", "w3")
    assert body["spec"] == {"vmiName": "a", "addedNodeSelector": {"kubernetes.io/hostname": "w3"}}
    assert body["metadata"]["labels"][medik8s.MIGRATION_NODE_LABEL] == "w1"
    assert "addedNodeSelector" not in migration_body({"namespace": "vms", "name": "a"}, "w1")["spec"]
