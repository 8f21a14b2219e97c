from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import maintenance_plan as mplan
from ansible_collections.workload.availability.plugins.module_utils import nodes

GI = 2 ** 30
FOREIGN = {"key": "example.com/gpu", "effect": "NoSchedule"}


def node(name="w1", taints=None, unschedulable=False, labels=None, annotations=None, cpu="8", mem="32Gi",
         control_plane=False):
    labels = dict(labels or {})
    labels["node-role.kubernetes.io/%s" % ("master" if control_plane else "worker")] = ""
    labels.setdefault("kubevirt.io/schedulable", "true")
    spec = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    return {"metadata": {"name": name, "labels": labels, "annotations": annotations or {}}, "spec": spec,
            "status": {"conditions": [{"type": "Ready", "status": "True"}],
                       "allocatable": {"cpu": cpu, "memory": mem, "pods": "110"}}}


def in_maintenance(name="w1"):
    n = node(name, taints=[FOREIGN, nodes.UNSCHEDULABLE_TAINT, nodes.DRAIN_TAINT], unschedulable=True,
             labels={nodes.EXCLUDE_FROM_REMEDIATION_LABEL: "true"},
             annotations={mplan.REASON_ANNOTATION: "bios", mplan.BY_ANNOTATION: "alice@h",
                          mplan.SINCE_ANNOTATION: "2026-01-01T00:00:00.000000Z"})
    return n


def pod(name, node_name="w1", owner="ReplicaSet", cpu="1", mem="1Gi", labels=None, volumes=None, phase="Running"):
    meta = {"name": name, "namespace": "app", "labels": labels or {}}
    if owner:
        meta["ownerReferences"] = [{"kind": owner, "name": name + "-owner", "controller": True}]
    return {"metadata": meta, "spec": {"nodeName": node_name, "volumes": volumes or [], "containers": [
        {"resources": {"requests": {"cpu": cpu, "memory": mem}}}]}, "status": {"phase": phase}}


def launcher(vmi, node_name="w1", mem="4Gi"):
    p = pod("virt-launcher-%s-x" % vmi, node_name=node_name, owner="VirtualMachineInstance", mem=mem,
            labels={"kubevirt.io": "virt-launcher", "vm.kubevirt.io/name": vmi},
            volumes=[{"name": "private", "emptyDir": {}}])
    p["metadata"]["namespace"] = "vms"
    p["metadata"]["ownerReferences"][0]["name"] = vmi
    p["spec"]["nodeSelector"] = {"kubevirt.io/schedulable": "true"}
    return p


def vmi(name, node_name="w1", migratable=True):
    return {"metadata": {"name": name, "namespace": "vms"}, "spec": {},
            "status": {"phase": "Running", "nodeName": node_name,
                       "conditions": [{"type": "LiveMigratable", "status": "True" if migratable else "False",
                                       "reason": "" if migratable else "DisksNotLiveMigratable"}]}}


def test_present_changes_then_nothing_to_do():
    n = node(taints=[FOREIGN])
    changes = mplan.present_changes(n, "bios", "alice@h", "2026-01-01T00:00:00.000000Z")
    after = mplan.apply_changes(n, changes)
    assert mplan.marks(after) == {"unschedulable": True, "unschedulable_taint": True, "drain_taint": True,
                                  "exclude_label": True, "record": True}
    assert nodes.taints(after)[0] == FOREIGN
    again = mplan.present_changes(after, "bios", "bob@h", "2027-01-01T00:00:00.000000Z")
    assert nodes.node_patch(after, **again) == []
    assert mplan.record(after) == {"reason": "bios", "by": "alice@h", "since": "2026-01-01T00:00:00.000000Z"}


def test_absent_changes_remove_only_ours():
    n = in_maintenance()
    after = mplan.apply_changes(n, mplan.absent_changes(n))
    assert nodes.taints(after) == [FOREIGN]
    assert not nodes.is_unschedulable(after)
    assert mplan.record(after) is None
    assert nodes.EXCLUDE_FROM_REMEDIATION_LABEL not in after["metadata"]["labels"]
    assert nodes.node_patch(after, **mplan.absent_changes(after)) == []


def test_absent_keeps_someone_elses_cordon():
    n = node(unschedulable=True, taints=[nodes.UNSCHEDULABLE_TAINT])
    changes = mplan.absent_changes(n)
    assert nodes.node_patch(n, **changes) == []


def test_plan_moves_launchers_with_their_vms_and_counts_remaining():
    pods = [pod("web"), launcher("a"), launcher("b"), pod("ds", owner="DaemonSet")]
    plan = mplan.plan_drain(pods, [vmi("a"), vmi("b", migratable=False)], {"non_migratable": "skip"})
    assert [e["name"] for e in plan["vms"]["migrate"]] == ["a"]
    assert [e["name"] for e in plan["pods"]["vm"]] == ["virt-launcher-a-x"]
    assert sorted(e["name"] for e in plan["pods"]["skip"]) == ["ds", "virt-launcher-b-x"]
    assert mplan.remaining_count(plan) == 2
    assert not mplan.is_drained(plan)
    assert mplan.is_drained(mplan.plan_drain([pod("ds", owner="DaemonSet")], [vmi("b", migratable=False)],
                                             {"non_migratable": "skip"}))


def test_blockers_list_both_kinds():
    plan = mplan.plan_drain([pod("bare", owner=None)], [vmi("nm", migratable=False)], {})
    kinds = sorted(b["kind"] for b in mplan.blockers(plan))
    assert kinds == ["Pod", "VirtualMachineInstance"]


def test_drain_progress():
    assert mplan.drain_progress(0, 0) == 100
    assert mplan.drain_progress(4, 1) == 75
    assert mplan.drain_progress(4, 9) == 0


def test_preflight_balanced_targets_and_capacity_failure():
    nodes_list = [node("w1"), node("w2", mem="16Gi"), node("w3", mem="16Gi")]
    pods = [launcher("a"), launcher("b"), pod("web"), pod("busy", node_name="w2", mem="8Gi")]
    vmis = [vmi("a"), vmi("b")]
    plan = mplan.plan_drain(pods[:3], vmis, {})
    verdict = mplan.preflight(nodes_list[0], nodes_list, pods, plan, pods[:3], vmis, [])
    assert verdict["ok"], verdict["problems"]
    # w2 is half full already: both VMs go to the empty w3, which stays below w2's load
    assert verdict["targets"]["vms/a"] == verdict["targets"]["vms/b"] == "w3"
    assert verdict["capacity"]["table"][1]["load_after"] <= 0.6
    small = [node("w1"), node("w2", mem="4Gi")]
    verdict = mplan.preflight(small[0], small, pods[:3], plan, pods[:3], vmis, [])
    assert not verdict["ok"]
    assert "cannot take" in verdict["problems"][0] and "w2" in verdict["problems"][0]


def test_preflight_refuses_breaking_etcd_quorum():
    cp = [node("m%d" % i, control_plane=True) for i in range(3)]
    cp[1]["status"]["conditions"][0]["status"] = "False"
    plan = mplan.plan_drain([], [], {})
    verdict = mplan.preflight(cp[0], cp, [], plan, [], [], [])
    assert not verdict["ok"] and "quorum" in verdict["problems"][0]
    assert mplan.preflight(cp[0], cp, [], plan, [], [], [], check_quorum=False)["ok"]


def test_migration_body_pins_target_only_when_given():
    body = mplan.migration_body({"namespace": "vms", "name": "a"}, "w1", "w3")
    assert body["spec"] == {"vmiName": "a", "addedNodeSelector": {"kubernetes.io/hostname": "w3"}}
    assert body["metadata"]["labels"][mplan.MIGRATION_NODE_LABEL] == "w1"
    assert "addedNodeSelector" not in mplan.migration_body({"namespace": "vms", "name": "a"}, "w1")["spec"]
