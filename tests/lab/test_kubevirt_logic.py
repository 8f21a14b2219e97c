"""Pure decisions of the lab's KubeVirt: eviction interception, run strategies, limits, timing, GC."""
import pytest

from lab.kubevirt.eviction import decide_eviction
from lab.kubevirt.kubevirt_cr import cluster_config, kubevirt_cr, vmi_eviction_strategy
from lab.kubevirt.launcher import launcher_pod, migration_target_pod
from lab.kubevirt.migratability import non_migratable_reason
from lab.kubevirt.migration_plan import (abort_reason, admissible, evacuation_capacity, finished_to_collect,
                                         migration_timing)
from lab.kubevirt.settings import resolve_settings
from lab.kubevirt.vm_controller import decide_vm, run_strategy

NOW = "2026-01-01T00:00:00Z"
GIB = 2 ** 30


def launcher(node="worker-0", phase="Running"):
    return {"metadata": {"name": "virt-launcher-vm-abcde", "namespace": "vms",
                         "labels": {"kubevirt.io": "virt-launcher"}, "annotations": {"kubevirt.io/domain": "vm"}},
            "spec": {"nodeName": node}, "status": {"phase": phase}}


def vmi(migratable=True, node="worker-0", evacuation=None, strategy=None, phase="Running"):
    status = {"phase": phase, "nodeName": node,
              "conditions": [{"type": "LiveMigratable", "status": "True" if migratable else "False"}]}
    if evacuation:
        status["evacuationNodeName"] = evacuation
    spec = {"evictionStrategy": strategy} if strategy else {}
    return {"metadata": {"name": "vm", "namespace": "vms", "uid": "vmi-uid"}, "spec": spec, "status": status}


# --- eviction interception -----------------------------------------------------------------------------------
def test_live_migrate_and_migratable_marks_the_vmi_and_denies_with_kubevirts_message():
    assert decide_eviction(launcher(), vmi(), None, "LiveMigrate") == \
        ("mark", 'Eviction triggered evacuation of VMI "vms/vm"')


def test_live_migrate_but_not_migratable_is_denied():
    assert decide_eviction(launcher(), vmi(migratable=False), None, "LiveMigrate") == \
        ("deny", "VMI vm is configured with an eviction strategy but is not live-migratable")


def test_repeated_eviction_while_evacuating_is_denied_as_in_progress():
    verdict = decide_eviction(launcher(), vmi(evacuation="worker-0"), None, "LiveMigrate")
    assert verdict == ("deny", 'Evacuation in progress: Eviction triggered evacuation of VMI "vms/vm"')


@pytest.mark.parametrize("strategy,migratable,expected", [
    ("LiveMigrateIfPossible", False, "allow"), ("LiveMigrateIfPossible", True, "mark"),
    (None, True, "allow"), ("External", False, "mark")])
def test_other_strategies(strategy, migratable, expected):
    assert decide_eviction(launcher(), vmi(migratable=migratable), None, strategy)[0] == expected


def test_completed_launchers_and_other_pods_pass_through():
    assert decide_eviction(launcher(phase="Succeeded"), vmi(), None, "LiveMigrate")[0] == "allow"
    plain = launcher()
    plain["metadata"]["labels"] = {"app": "web"}
    assert decide_eviction(plain, vmi(), None, "LiveMigrate")[0] == "allow"


def test_eviction_of_a_migration_target_pod_is_denied():
    assert decide_eviction(launcher(node="worker-1"), vmi(node="worker-0"), None, "LiveMigrate") == \
        ("deny", "Eviction request for target Pod")


def test_vmi_strategy_wins_over_the_cluster_default():
    config = cluster_config(kubevirt_cr())
    assert config.eviction_strategy == "LiveMigrate"
    assert vmi_eviction_strategy(config, vmi(strategy="None")) == "None"
    assert vmi_eviction_strategy(config, vmi()) == "LiveMigrate"


# --- VM run strategies ---------------------------------------------------------------------------------------
def vm(spec=None, status=None, deleting=False):
    meta = {"name": "vm", "namespace": "vms", "uid": "vm-uid", "generation": 1,
            "finalizers": ["kubevirt.io/virtualMachineControllerFinalize"]}
    if deleting:
        meta["deletionTimestamp"] = NOW
    base = {"template": {"spec": {"domain": {"memory": {"guest": "1Gi"}}}}}
    base.update(spec or {})
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "metadata": meta, "spec": base,
            "status": status or {}}


def running_vmi(phase="Running", uid="vmi-1"):
    return {"metadata": {"name": "vm", "namespace": "vms", "uid": uid}, "status": {
        "phase": phase, "conditions": [{"type": "Ready", "status": "True" if phase == "Running" else "False"}]}}


def test_run_strategy_from_legacy_running_field():
    assert run_strategy(vm({"running": True})) == "Always"
    assert run_strategy(vm({"running": False})) == "Halted"
    assert run_strategy(vm({"runStrategy": "Manual", "running": None})) == "Manual"


def test_always_creates_a_vmi_owned_by_the_vm():
    actions = decide_vm(vm({"runStrategy": "Always"}), None, NOW)
    assert actions.create_vmi["metadata"]["ownerReferences"][0]["uid"] == "vm-uid"
    assert actions.status["printableStatus"] == "Starting"


def test_halted_deletes_the_vmi_and_reports_vmi_not_exists_when_gone():
    assert decide_vm(vm({"runStrategy": "Halted"}), running_vmi(), NOW).delete_vmi_uid == "vmi-1"
    actions = decide_vm(vm({"runStrategy": "Halted"}), None, NOW)
    ready = next(c for c in actions.status["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"], actions.status["printableStatus"]) == \
        ("False", "VMINotExists", "Stopped")
    assert actions.create_vmi is None


def test_vm_mirrors_the_vmi_live_migratable_condition():
    the_vmi = running_vmi()
    the_vmi["status"]["conditions"].append({"type": "LiveMigratable", "status": "False",
                                            "reason": "DisksNotLiveMigratable", "message": "m"})
    conditions = decide_vm(vm({"runStrategy": "Always"}), the_vmi, NOW).status["conditions"]
    assert {"type": "LiveMigratable", "status": "False", "reason": "DisksNotLiveMigratable",
            "message": "m"} in conditions
    gone = decide_vm(vm({"runStrategy": "Halted"}, {"conditions": conditions}), None, NOW).status["conditions"]
    assert [c["type"] for c in gone] == ["Ready"]


def test_always_replaces_a_failed_vmi():
    assert decide_vm(vm({"runStrategy": "Always"}, {"runStrategy": "Always"}), running_vmi("Failed"),
                     NOW).delete_vmi_uid == "vmi-1"


def test_rerun_on_failure_restarts_failed_but_not_succeeded():
    failed = decide_vm(vm({"runStrategy": "RerunOnFailure"}, {"runStrategy": "RerunOnFailure"}),
                       running_vmi("Failed"), NOW)
    assert failed.delete_vmi_uid == "vmi-1"
    assert failed.status["stateChangeRequests"] == [{"action": "Start"}]
    succeeded = decide_vm(vm({"runStrategy": "RerunOnFailure"}, {"runStrategy": "RerunOnFailure"}),
                          running_vmi("Succeeded"), NOW)
    assert succeeded.delete_vmi_uid is None and succeeded.create_vmi is None


def test_rerun_on_failure_stays_stopped_after_a_stop_request():
    stopped = vm({"runStrategy": "RerunOnFailure"}, {"runStrategy": "RerunOnFailure",
                                                     "stateChangeRequests": [{"action": "Stop", "uid": "vmi-1"}]})
    assert decide_vm(stopped, running_vmi(), NOW).delete_vmi_uid == "vmi-1"
    after = decide_vm(stopped, None, NOW)
    assert after.create_vmi is None and "stateChangeRequests" not in after.status
    assert after.status["printableStatus"] == "Stopped"


def test_manual_starts_only_on_request_and_consumes_it():
    assert decide_vm(vm({"runStrategy": "Manual"}), None, NOW).create_vmi is None
    requested = decide_vm(vm({"runStrategy": "Manual"}, {"stateChangeRequests": [{"action": "Start"}]}), None, NOW)
    assert requested.create_vmi is not None and "stateChangeRequests" not in requested.status


def test_once_runs_a_single_time():
    assert decide_vm(vm({"runStrategy": "Once"}), None, NOW).create_vmi is not None
    done = decide_vm(vm({"runStrategy": "Once"}, {"runStrategy": "Once"}), running_vmi("Succeeded"), NOW)
    assert done.delete_vmi_uid is None and done.status["printableStatus"] == "Stopped"
    assert decide_vm(vm({"runStrategy": "Once"}, {"runStrategy": "Once"}), None, NOW).create_vmi is None


def test_restart_request_deletes_the_current_vmi_then_recreates():
    restarting = vm({"runStrategy": "Always"}, {"runStrategy": "Always", "stateChangeRequests": [
        {"action": "Stop", "uid": "vmi-1"}, {"action": "Start"}]})
    assert decide_vm(restarting, running_vmi(), NOW).delete_vmi_uid == "vmi-1"
    again = decide_vm(restarting, None, NOW)
    assert again.create_vmi is not None and "stateChangeRequests" not in again.status


def test_deleting_vm_removes_vmi_then_its_finalizer():
    assert decide_vm(vm(deleting=True), running_vmi(), NOW).delete_vmi_uid == "vmi-1"
    assert decide_vm(vm(deleting=True), None, NOW).remove_finalizer


def test_printable_status_reports_migration_and_unschedulable():
    migrating = running_vmi()
    migrating["status"]["migrationState"] = {"sourceNode": "a", "completed": False}
    assert decide_vm(vm({"runStrategy": "Always"}), migrating, NOW).status["printableStatus"] == "Migrating"
    pending = running_vmi("Scheduling")
    pending["status"]["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]
    assert decide_vm(vm({"runStrategy": "Always"}), pending, NOW).status["printableStatus"] == "ErrorUnschedulable"


# --- migratability -----------------------------------------------------------------------------------------
def test_rwo_data_volume_is_not_migratable_with_kubevirts_message():
    spec = {"volumes": [{"name": "rootdisk", "dataVolume": {"name": "disk"}}]}
    templates = [{"metadata": {"name": "disk"}, "spec": {"storage": {"accessModes": ["ReadWriteOnce"]}}}]
    reason, message = non_migratable_reason(spec, {}, templates, lambda claim: None)
    assert reason == "DisksNotLiveMigratable"
    assert message.startswith("cannot migrate VMI: PVC disk is not shared, live migration requires")
    templates[0]["spec"]["storage"]["accessModes"] = ["ReadWriteMany"]
    assert non_migratable_reason(spec, {}, templates, lambda claim: None) is None


def test_host_devices_are_not_migratable():
    spec = {"domain": {"devices": {"hostDevices": [{"name": "gpu", "deviceName": "nvidia.com/A100"}]}}}
    assert non_migratable_reason(spec, {}, [], lambda claim: None) == \
        ("HostDeviceNotLiveMigratable", "VMI uses a PCI host devices")


# --- launcher pods -----------------------------------------------------------------------------------------
def test_launcher_pod_requests_and_target_pod_constraints():
    the_vmi = {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
               "metadata": {"name": "vm", "namespace": "vms", "uid": "u1", "annotations": {
                   "lab.kubevirt.io/initial-node": "worker-0"}},
               "spec": {"domain": {"cpu": {"cores": 2}, "memory": {"guest": "4Gi"}}}}
    pod = launcher_pod(the_vmi, 15)
    requests = pod["spec"]["containers"][0]["resources"]["requests"]
    assert requests["cpu"] == "200m" and requests["devices.kubevirt.io/kvm"] == "1"
    assert pod["spec"]["nodeSelector"] == {"kubevirt.io/schedulable": "true"}
    assert pod["metadata"]["labels"]["kubevirt.io/created-by"] == "u1"
    assert pod["spec"]["affinity"]["nodeAffinity"]
    target = migration_target_pod(the_vmi, {"metadata": {"name": "m", "uid": "m1"},
                                            "spec": {"addedNodeSelector": {"zone": "b"}}}, "worker-0", 15)
    assert target["metadata"]["labels"]["kubevirt.io/migrationJobUID"] == "m1"
    assert target["spec"]["nodeSelector"] == {"kubevirt.io/schedulable": "true", "zone": "b"}
    assert "nodeAffinity" not in target["spec"]["affinity"]
    term = target["spec"]["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert term["labelSelector"]["matchLabels"] == {"kubevirt.io/created-by": "u1"}


# --- limits, timing, history ---------------------------------------------------------------------------------
def migration(name, vmi_name, phase, created, source=None):
    status = {"phase": phase}
    if source:
        status["migrationState"] = {"sourceNode": source}
    return {"metadata": {"name": name, "namespace": "vms", "creationTimestamp": created, "resourceVersion": "1"},
            "spec": {"vmiName": vmi_name}, "status": status}


def test_outbound_limit_per_node_keeps_the_third_pending():
    config = cluster_config(kubevirt_cr()).migrations
    nodes = {("vms", f"vm{i}"): "worker-0" for i in range(4)}
    nodes[("vms", "far")] = "worker-1"
    migrations = [migration(f"m{i}", f"vm{i}", "Pending", f"2026-01-01T00:00:0{i}Z") for i in range(3)]
    migrations.append(migration("m9", "far", "Pending", "2026-01-01T00:00:09Z"))
    chosen = [m["metadata"]["name"] for m in admissible(migrations, nodes, config)]
    assert chosen == ["m0", "m1", "m9"]


def test_cluster_limit_counts_running_migrations():
    config = cluster_config(kubevirt_cr()).migrations
    nodes = {("vms", f"vm{i}"): f"worker-{i}" for i in range(7)}
    migrations = [migration(f"r{i}", f"vm{i}", "Running", "2026-01-01T00:00:00Z", source=f"worker-{i}")
                  for i in range(4)]
    migrations += [migration(f"p{i}", f"vm{i}", "Pending", f"2026-01-01T00:00:0{i}Z") for i in (4, 5, 6)]
    assert [m["metadata"]["name"] for m in admissible(migrations, nodes, config)] == ["p4"]
    assert evacuation_capacity(migrations, nodes, config, "worker-9") == 0


def test_duration_follows_memory_and_bandwidth_and_timeouts_abort():
    config = cluster_config(kubevirt_cr()).migrations       # 64Mi/s, 150 s per GiB
    settings = resolve_settings("realistic", {})
    timing = migration_timing(4 * GIB, config, settings)
    assert timing.copy_seconds == pytest.approx(64.0)
    assert timing.completion_timeout == pytest.approx(600.0)
    assert abort_reason(151, timing, stalled=True) == "Live migration stuck for 150 sec and has been aborted"
    assert abort_reason(601, timing, stalled=False) == \
        "Live migration is not completed after 600 sec and has been aborted"
    fixed = migration_timing(4 * GIB, config, resolve_settings("fast", {"kubevirt.migration_seconds": 3}))
    assert fixed.copy_seconds == 3.0


def test_only_the_last_five_finished_migrations_are_kept():
    history = [migration(f"m{i}", "vm", "Succeeded" if i % 2 else "Failed", f"2026-01-01T00:00:{i:02d}Z")
               for i in range(8)]
    history.append(migration("live", "vm", "Running", "2026-01-01T00:01:00Z"))
    assert [m["metadata"]["name"] for m in finished_to_collect(history)] == ["m0", "m1", "m2"]


# --- scenario VMs --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reason", ["DisksNotLiveMigratable", "HostDeviceNotLiveMigratable",
                                    "InterfaceNotLiveMigratable", None])
def test_scenario_vms_declare_their_migratability_in_the_spec(reason):
    from lab.kubevirt.scenario_vms import vm_from_scenario
    entry = {"namespace": "vms", "name": "v", "cpu": 2, "memory_bytes": 2 * GIB, "run_strategy": "Always",
             "eviction_strategy": "LiveMigrate", "migratable": reason is None, "not_migratable_reason": reason,
             "node": "worker-1"}
    the_vm = vm_from_scenario(entry)
    spec = the_vm["spec"]["template"]["spec"]
    found = non_migratable_reason(spec, {}, the_vm["spec"]["dataVolumeTemplates"], lambda claim: None)
    assert (found[0] if found else None) == reason
    assert spec["domain"]["memory"]["guest"] == "2Gi" and spec["evictionStrategy"] == "LiveMigrate"
    assert the_vm["metadata"]["annotations"]["lab.kubevirt.io/initial-node"] == "worker-1"
    assert "affinity" not in spec
