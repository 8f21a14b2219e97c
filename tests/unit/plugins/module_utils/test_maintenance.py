"""The pure parts of the native workflow: pending reasons and migration accounting from a snapshot (plain data)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import maintenance
from ansible_collections.workload.availability.plugins.module_utils import maintenance_plan as mplan

LIMITS = {"per_node": 2, "per_cluster": 5}


class Snap:
    """The data a Snapshot holds, built by hand."""

    def __init__(self, vmis, vmims, pods=()):
        self.pods = list(pods)
        self.vmis = vmis
        self.vmims = vmims
        self.vmis_on_node = mplan.vmis_on("w1", vmis)
        self.vmi_by_key = dict(("%s/%s" % (v["metadata"]["namespace"], v["metadata"]["name"]), v) for v in vmis)


def vmi(name, node="w1"):
    return {"metadata": {"name": name, "namespace": "vms"},
            "status": {"phase": "Running", "nodeName": node,
                       "conditions": [{"type": "LiveMigratable", "status": "True"}]}}


def vmim(name, vmi_name, phase, ours=True, failure=None):
    labels = {mplan.MIGRATION_NODE_LABEL: "w1"} if ours else {}
    status = {"phase": phase}
    if failure:
        status["migrationState"] = {"failureReason": failure}
    return {"metadata": {"name": name, "namespace": "vms", "labels": labels}, "spec": {"vmiName": vmi_name},
            "status": status}


def workflow():
    return maintenance.NativeMaintenance(None, {"name": "w1"}, lambda *a, **k: None)


def reasons(snap, backoff=None):
    plan = mplan.plan_drain(snap.pods, snap.vmis_on_node, {"non_migratable": "fail"})
    return dict((p["name"], p["reason"]) for p in workflow().pending(plan, snap, backoff or {}, LIMITS))


def test_pending_reasons_for_queued_running_waiting_and_failed_migrations():
    vmis = [vmi("a"), vmi("b"), vmi("c"), vmi("d"), vmi("elsewhere", node="w2")]
    vmims = [vmim("m-a", "a", "Running"), vmim("m-b", "b", "Pending"),
             vmim("m-d1", "d", "Failed", failure="target pod unschedulable"),
             vmim("m-d2", "d", "Failed"), vmim("m-d3", "d", "Failed", failure="aborted")]
    found = reasons(Snap(vmis, vmims))
    assert found["a"] == "migration m-a Running"
    assert found["b"].startswith("migration m-b Pending (queued behind KubeVirt limits: 2 per node, 5 per cluster")
    assert found["c"].startswith("waiting for a migration slot")
    assert found["d"] == "migration failed 3 times: aborted"
    assert "elsewhere" not in found


def test_pending_reason_of_a_refused_eviction():
    pod = {"metadata": {"name": "db-0", "namespace": "shop",
                        "ownerReferences": [{"kind": "StatefulSet", "name": "db", "controller": True}]},
           "spec": {"nodeName": "w1"}, "status": {"phase": "Running"}}
    backoff = {"shop/db-0": [3, 0.0, "Cannot evict pod as it would violate the pod's disruption budget."]}
    assert reasons(Snap([], [], [pod]), backoff)["db-0"] == \
        "eviction refused (429): Cannot evict pod as it would violate the pod's disruption budget."


def test_active_sources_count_pending_and_running_by_source_node():
    vmis = [vmi("a"), vmi("b", node="w2"), vmi("c")]
    snap = Snap(vmis, [vmim("m-a", "a", "Running"), vmim("m-b", "b", "Scheduling", ours=False),
                       vmim("m-c", "c", "Succeeded"), vmim("m-x", "gone", "Pending")])
    assert sorted(str(s) for s in workflow().active_sources(snap)) == ["None", "w1", "w2"]
    assert sorted(workflow().our_migrations(snap)) == ["vms/a", "vms/c", "vms/gone"]


def test_stuck_only_when_every_remaining_vm_exhausted_its_attempts():
    failed = [vmim("m-a%d" % i, "a", "Failed") for i in range(3)]
    snap = Snap([vmi("a")], failed)
    plan = mplan.plan_drain([], snap.vmis_on_node, {"non_migratable": "fail"})
    assert workflow().stuck(plan, snap)
    retrying = Snap([vmi("a")], failed[:2])
    assert not workflow().stuck(mplan.plan_drain([], retrying.vmis_on_node, {}), retrying)
    busy = Snap([vmi("a"), vmi("b")], failed + [vmim("m-b", "b", "Running")])
    assert not workflow().stuck(mplan.plan_drain([], busy.vmis_on_node, {}), busy)
