from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.workload.availability.plugins.module_utils.migrations import state as migrations

import builders


def test_limits_from_kubevirt_cr_and_defaults():
    assert migrations.limits_from_kubevirt(None) == {"per_cluster": 5, "per_node": 2}
    cr = {"spec": {"configuration": {"migrations": {"parallelMigrationsPerCluster": 10,
                                                    "parallelOutboundMigrationsPerNode": 3}}}}
    assert migrations.limits_from_kubevirt(cr) == {"per_cluster": 10, "per_node": 3}


def test_free_slots_respects_both_limits():
    limits = {"per_cluster": 5, "per_node": 2}
    assert migrations.free_slots(limits, [], "w1") == 2
    assert migrations.free_slots(limits, ["w1"], "w1") == 1
    assert migrations.free_slots(limits, ["w1", "w1"], "w1") == 0
    assert migrations.free_slots(limits, ["w2", "w3", "w4", "w5"], "w1") == 1
    assert migrations.free_slots(limits, ["w2", "w3", "w4", "w5", "w6", "w1"], "w1") == 0


def test_active_migration():
    assert migrations.is_active({"status": {"phase": "Pending"}})
    assert migrations.is_active({})
    assert not migrations.is_active({"status": {"phase": "Succeeded"}})
    assert not migrations.is_active({"status": {"phase": "Failed"}})


def test_queued_means_active_and_not_started_yet():
    assert migrations.is_queued({"status": {"phase": "Pending"}}) and migrations.is_queued({})
    assert not migrations.is_queued({"status": {"phase": "Scheduling"}})
    assert not migrations.is_queued({"metadata": {"deletionTimestamp": "t"}, "status": {"phase": "Pending"}})


def test_labelled_migrations_by_vmi_and_exhausted_attempts():
    ours = {"workload.availability/maintenance-node": "w1"}
    vmims = [builders.vmim("m1", "a", "Failed", labels=ours), builders.vmim("m2", "a", "Failed", labels=ours),
             builders.vmim("m3", "b", "Running", labels=ours), builders.vmim("other", "a", "Failed")]
    found = migrations.labelled(vmims, "workload.availability/maintenance-node", "w1")
    assert sorted(found) == ["vms/a", "vms/b"] and len(found["vms/a"]) == 2
    assert migrations.exhausted(found["vms/a"], 2) and not migrations.exhausted(found["vms/a"], 3)
    assert not migrations.exhausted(found["vms/b"], 0)


def test_failure_reason_from_the_migration_then_its_conditions_then_the_vmi():
    assert migrations.failure_reason(builders.vmim("m", "a", "Failed", failure="target pod unschedulable")) == \
        "target pod unschedulable"
    conditioned = builders.vmim("m", "a", "Failed")
    conditioned["status"]["conditions"] = [{"type": "Failed", "message": "aborted by user"}]
    assert migrations.failure_reason(conditioned) == "aborted by user"
    vmi = builders.vmi("a")
    vmi["status"]["migrationState"] = {"failureReason": "source disconnected"}
    assert migrations.failure_reason(builders.vmim("m", "a", "Failed"), vmi) == "source disconnected"
    assert migrations.failure_reason(builders.vmim("m", "a", "Failed")) == "unknown"


def test_arrival_records_where_the_vmi_went_and_how_long_it_took():
    now = datetime.datetime(2026, 1, 1, 12, 0, 30, tzinfo=datetime.timezone.utc)
    mine = [builders.vmim("m1", "a", "Failed", created="2026-01-01T12:00:00Z"),
            builders.vmim("m2", "a", "Succeeded", created="2026-01-01T12:00:10Z")]
    assert migrations.arrival("vms/a", builders.vmi("a", node="w1"), mine, "w1", None, now) is None
    moved = migrations.arrival("vms/a", builders.vmi("a", node="w2"), mine, "w1", None, now)
    assert moved == {"namespace": "vms", "name": "a", "from": "w1", "to": "w2", "seconds": 30.0, "migration": "m2"}
    started = now - datetime.timedelta(seconds=4.25)
    assert migrations.arrival("vms/a", builders.vmi("a", node="w2"), mine, "w1", started, now)["seconds"] == 4.2


def test_the_follow_signature_ignores_progress_but_not_arrivals_or_failures():
    vmi = builders.vmi("a", node="w1", migrating=True)
    before = migrations.vmi_signature([vmi], {"vms/a"}, "w1")
    progressed = builders.vmi("a", node="w1", migrating=True)
    progressed["status"]["migrationState"]["targetNode"] = "w2"
    assert migrations.vmi_signature([progressed], {"vms/a"}, "w1") == before
    assert migrations.vmi_signature([builders.vmi("a", node="w2")], {"vms/a"}, "w1") != before
    failed = builders.vmi("a", node="w1")
    failed["status"]["migrationState"] = {"failed": True}
    assert migrations.vmi_signature([failed], {"vms/a"}, "w1") != before
    assert migrations.vmi_signature([builders.vmi("b", node="w3")], {"vms/a"}, "w1") == set()


def test_migration_body_pins_the_target_only_when_given():
    body = migrations.migration_body("vms", "a", "move-a-", {"owner": "me"}, target="w3")
    assert body["metadata"] == {"generateName": "move-a-", "namespace": "vms", "labels": {"owner": "me"}}
    assert body["spec"] == {"vmiName": "a", "addedNodeSelector": {"kubernetes.io/hostname": "w3"}}
    assert "addedNodeSelector" not in migrations.migration_body("vms", "a", "move-a-", {})["spec"]


def test_a_vmi_is_migrating_while_its_migration_state_has_not_ended_or_an_evacuation_is_marked():
    assert migrations.vmi_migrating(builders.vmi("a")) is None
    assert migrations.vmi_migrating(builders.vmi("a", migrating=True)) == \
        "migration in flight (started 2026-01-01T00:00:00Z)"
    ended = builders.vmi("a", migration_state={"startTimestamp": "t0", "endTimestamp": "t1"})
    assert migrations.vmi_migrating(ended) is None
    assert migrations.vmi_migrating(builders.vmi("a", evacuating=True)) == "evacuation of node w1 in progress"


def test_in_flight_names_source_and_target_of_started_and_pending_migrations():
    vmis = {"vms/a": builders.vmi("a", node="w2", migration_state={
        "startTimestamp": "t0", "endTimestamp": "t1", "sourceNode": "w1", "targetNode": "w2"}),
        "vms/b": builders.vmi("b", node="w3", migration_state={
            "startTimestamp": "t2", "sourceNode": "w3", "targetNode": "w4"}),
        "vms/c": builders.vmi("c", node="w5")}
    pinned = builders.vmim("m-c", "c", phase="Pending")
    pinned["spec"]["addedNodeSelector"] = {"kubernetes.io/hostname": "w6"}
    vmims = [builders.vmim("m-a", "a", phase="Pending"), builders.vmim("m-old", "b", phase="Succeeded"), pinned]
    # a's last migration ended: the pending one leaves from where it runs now, to a node the scheduler picks
    assert migrations.in_flight(vmis, vmims) == [{"vmi": "vms/a", "source": "w2", "target": None},
                                                 {"vmi": "vms/b", "source": "w3", "target": "w4"},
                                                 {"vmi": "vms/c", "source": "w5", "target": "w6"}]
