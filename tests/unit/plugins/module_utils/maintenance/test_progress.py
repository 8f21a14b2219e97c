"""Where a drain stands, from a snapshot (plain data): pending reasons, migration accounting, stuck detection."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.maintenance import plan as plans
from ansible_collections.workload.availability.plugins.module_utils.maintenance import progress
from ansible_collections.workload.availability.plugins.module_utils.maintenance.evictions import EvictionBackoff
from ansible_collections.workload.availability.plugins.module_utils.migrations import state as migrations

import builders

LIMITS = {"per_node": 2, "per_cluster": 5}


def Snap(vmis, vmims, pods=()):
    return progress.Snapshot("w1", list(pods), vmis, vmims)


def vmi(name, node="w1"):
    return builders.vmi(name, node=node)


def vmim(name, vmi_name, phase, ours=True, failure=None):
    return builders.vmim(name, vmi_name, phase, labels={medik8s.MIGRATION_NODE_LABEL: "w1"} if ours else None,
                         failure=failure)


def reasons(snap, backoff=None):
    plan = plans.plan_drain(snap.pods, snap.vmis_on_node, {"non_migratable": "fail"})
    return dict((p["name"], p["reason"]) for p in progress.pending(plan, snap, backoff or {}, LIMITS, "w1"))


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
    pod = builders.pod("db-0", namespace="shop", owner="StatefulSet")
    refusal = "Cannot evict pod as it would violate the pod's disruption budget."
    backoff = {"shop/db-0": EvictionBackoff(3, 0.0, refusal)}
    assert reasons(Snap([], [], [pod]), backoff)["db-0"] == \
        "eviction refused (429): Cannot evict pod as it would violate the pod's disruption budget."


def test_active_sources_count_pending_and_running_by_source_node():
    vmis = [vmi("a"), vmi("b", node="w2"), vmi("c")]
    snap = Snap(vmis, [vmim("m-a", "a", "Running"), vmim("m-b", "b", "Scheduling", ours=False),
                       vmim("m-c", "c", "Succeeded"), vmim("m-x", "gone", "Pending")])
    assert sorted(str(s) for s in migrations.active_sources(snap.vmims, snap.vmi_by_key)) == ["None", "w1", "w2"]
    assert sorted(progress.ours(snap, "w1")) == ["vms/a", "vms/c", "vms/gone"]


def test_stuck_only_when_every_remaining_vm_exhausted_its_attempts():
    failed = [vmim("m-a%d" % i, "a", "Failed") for i in range(3)]
    snap = Snap([vmi("a")], failed)
    plan = plans.plan_drain([], snap.vmis_on_node, {"non_migratable": "fail"})
    assert progress.stuck(plan, snap, "w1")
    retrying = Snap([vmi("a")], failed[:2])
    assert not progress.stuck(plans.plan_drain([], retrying.vmis_on_node, {}), retrying, "w1")
    busy = Snap([vmi("a"), vmi("b")], failed + [vmim("m-b", "b", "Running")])
    assert not progress.stuck(plans.plan_drain([], busy.vmis_on_node, {}), busy, "w1")
