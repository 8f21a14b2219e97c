"""VMs of a dead or partitioned node, against the lab's ground truth."""
import os
import subprocess

import pytest
from kubernetes import client, config

GROUP, VERSION, NS = "kubevirt.io", "v1", "default"
pytestmark = pytest.mark.lab(components=["cluster", "kubevirt"], bmc=False, tls=True, vms=0)


def vm_body(name, node):
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine",
            "metadata": {"name": name, "namespace": NS, "annotations": {"lab.kubevirt.io/initial-node": node}},
            "spec": {"runStrategy": "Always", "template": {"spec": {
                "domain": {"cpu": {"cores": 1}, "memory": {"guest": "1Gi"}, "devices": {}}}}}}


def vmi(custom, name):
    try:
        return custom.get_namespaced_custom_object(GROUP, VERSION, NS, "virtualmachineinstances", name)
    except client.ApiException as error:
        if error.status != 404:     # no VMI right now: stopped, or between deletion and recreation
            raise
        return {}


def running_vm(lab, name, node):
    custom = client.CustomObjectsApi(config.new_client_from_config(config_file=lab.kubeconfig_path))
    custom.create_namespaced_custom_object(GROUP, VERSION, NS, "virtualmachines", vm_body(name, node))
    lab.wait_for(lambda: (vmi(custom, name).get("status") or {}).get("phase") == "Running", 20)
    return custom


def node_ready(lab, node):
    core = client.CoreV1Api(config.new_client_from_config(config_file=lab.kubeconfig_path))
    conditions = core.read_node(node).status.conditions or []
    return next(c.status for c in conditions if c.type == "Ready")


def force_delete_launcher(lab, custom, name):
    uid = vmi(custom, name)["metadata"]["uid"]
    result = subprocess.run(["kubectl", "delete", "pod", "-n", NS, "-l", f"kubevirt.io/created-by={uid}",
                             "--force", "--grace-period=0"], env=dict(os.environ, KUBECONFIG=lab.kubeconfig_path),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return uid


def test_powered_off_node_keeps_its_vmi_until_the_pod_is_force_deleted(lab):
    custom = running_vm(lab, "pw", "worker-0")
    truth = lab.component("cluster").truth
    assert truth.running_on(f"{NS}/pw") == {"worker-0"}
    lab.component("cluster").machines.power_off("worker-0")
    assert truth.running_on(f"{NS}/pw") == set()
    lab.wait_for(lambda: node_ready(lab, "worker-0") == "Unknown", 15)
    stale = vmi(custom, "pw")
    assert stale["status"]["phase"] == "Running" and stale["status"]["nodeName"] == "worker-0"

    old_uid = force_delete_launcher(lab, custom, "pw")
    lab.wait_for(lambda: vmi(custom, "pw").get("metadata", {}).get("uid") not in (None, old_uid)
                 and (vmi(custom, "pw").get("status") or {}).get("phase") == "Running", 20)
    moved = vmi(custom, "pw")["status"]["nodeName"]
    assert moved != "worker-0"
    assert truth.running_on(f"{NS}/pw") == {moved}
    counters = truth.counters()
    assert counters["split_brain"] == 0
    assert [i["vm"] for i in counters["intervals"] if i["kind"] == "lost"] == [f"{NS}/pw"]


def test_partitioned_node_keeps_running_its_vm_and_force_deletion_shows_split_brain(lab):
    custom = running_vm(lab, "pt", "worker-1")
    cluster = lab.component("cluster")
    cluster.machines.partition("worker-1")
    lab.wait_for(lambda: node_ready(lab, "worker-1") == "Unknown", 15)
    assert cluster.truth.running_on(f"{NS}/pt") == {"worker-1"}

    old_uid = force_delete_launcher(lab, custom, "pt")
    lab.wait_for(lambda: vmi(custom, "pt").get("metadata", {}).get("uid") not in (None, old_uid)
                 and (vmi(custom, "pt").get("status") or {}).get("phase") == "Running", 20)
    elsewhere = vmi(custom, "pt")["status"]["nodeName"]
    assert cluster.truth.running_on(f"{NS}/pt") == {"worker-1", elsewhere}
    assert cluster.truth.counters()["split_brain_active"] == 1

    cluster.machines.heal("worker-1")      # the kubelet is back and kills the orphaned launcher
    lab.wait_for(lambda: cluster.truth.running_on(f"{NS}/pt") == {elsewhere}, 10)
    assert cluster.truth.counters()["split_brain_active"] == 0


@pytest.mark.lab(components=["cluster", "kubevirt"], bmc=False, tls=True, vms=0,
                 overrides={"kubevirt.migration_seconds": 5})
def test_a_migration_whose_source_loses_power_fails_and_the_vm_is_lost(lab):
    custom = running_vm(lab, "mover", "worker-0")
    custom.create_namespaced_custom_object(GROUP, VERSION, NS, "virtualmachineinstancemigrations", {
        "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstanceMigration",
        "metadata": {"name": "move", "namespace": NS}, "spec": {"vmiName": "mover"}})

    def migration_phase():
        return (custom.get_namespaced_custom_object(GROUP, VERSION, NS, "virtualmachineinstancemigrations",
                                                    "move").get("status") or {}).get("phase")
    lab.wait_for(lambda: migration_phase() == "Running", 15)
    cluster = lab.component("cluster")
    cluster.machines.power_off("worker-0")
    lab.wait_for(lambda: migration_phase() == "Failed", 10)
    state = custom.get_namespaced_custom_object(GROUP, VERSION, NS, "virtualmachineinstancemigrations",
                                                "move")["status"]["migrationState"]
    assert state["failureReason"] == "migration source node worker-0 is unreachable"
    assert vmi(custom, "mover")["status"]["nodeName"] == "worker-0"
    assert cluster.truth.running_on(f"{NS}/mover") == set()
