"""`kubectl drain` against nodes running KubeVirt VMs, as on a real OpenShift Virtualization cluster."""
import os
import subprocess

import pytest
from kubernetes import client, config

pytestmark = pytest.mark.lab(components=["cluster", "kubevirt"], bmc=False, tls=True, vms=0)
GROUP, VERSION = "kubevirt.io", "v1"


def api(lab):
    return client.CustomObjectsApi(config.new_client_from_config(config_file=lab.kubeconfig_path))


def vm_body(name, node, migratable=True, eviction="LiveMigrate"):
    access = "ReadWriteMany" if migratable else "ReadWriteOnce"
    return {
        "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine",
        # The lab's initial-node annotation places the first launcher pod; the VM stays free to migrate.
        "metadata": {"name": name, "namespace": "default", "annotations": {"lab.kubevirt.io/initial-node": node}},
        "spec": {
            "runStrategy": "Always",
            "dataVolumeTemplates": [{"metadata": {"name": f"{name}-disk"},
                                     "spec": {"storage": {"accessModes": [access]}}}],
            "template": {"spec": {
                "evictionStrategy": eviction,
                "domain": {"cpu": {"cores": 1}, "memory": {"guest": "1Gi"},
                           "devices": {"disks": [{"name": "root", "disk": {"bus": "virtio"}}]}},
                "volumes": [{"name": "root", "dataVolume": {"name": f"{name}-disk"}}]}},
        },
    }


def start_vms(lab, bodies):
    custom = api(lab)
    for body in bodies:
        custom.create_namespaced_custom_object(GROUP, VERSION, "default", "virtualmachines", body)
    names = {b["metadata"]["name"] for b in bodies}

    def all_running():
        items = custom.list_namespaced_custom_object(GROUP, VERSION, "default", "virtualmachineinstances")["items"]
        running = {i["metadata"]["name"] for i in items if (i.get("status") or {}).get("phase") == "Running"}
        return names <= running
    lab.wait_for(all_running, 20)
    return custom


def vmi(custom, name):
    return custom.get_namespaced_custom_object(GROUP, VERSION, "default", "virtualmachineinstances", name)


def vmi_if_present(custom, name):
    """For wait conditions: between a VMI's deletion and its successor's creation there is none (404)."""
    try:
        return vmi(custom, name)
    except client.ApiException as error:
        if error.status != 404:
            raise
        return {}


def drain(lab, node, timeout):
    return subprocess.run(["kubectl", "drain", node, "--ignore-daemonsets", "--delete-emptydir-data",
                           f"--timeout={timeout}s"], env=dict(os.environ, KUBECONFIG=lab.kubeconfig_path),
                          capture_output=True, text=True, timeout=timeout + 30)


def test_drain_waits_for_live_migrations_then_succeeds(lab):
    custom = start_vms(lab, [vm_body(f"mig-{i}", "worker-0") for i in range(3)])
    assert {vmi(custom, f"mig-{i}")["status"]["nodeName"] for i in range(3)} == {"worker-0"}
    result = drain(lab, "worker-0", 60)
    assert result.returncode == 0, result.stderr
    assert 'Eviction triggered evacuation of VMI "default/mig-0"' in result.stderr
    assert "node/worker-0 drained" in result.stdout
    migrations = custom.list_namespaced_custom_object(GROUP, VERSION, "default",
                                                      "virtualmachineinstancemigrations")["items"]
    assert sorted(m["spec"]["vmiName"] for m in migrations) == ["mig-0", "mig-1", "mig-2"]
    assert all(m["metadata"]["name"].startswith("kubevirt-evacuation-") for m in migrations)
    assert {m["status"]["phase"] for m in migrations} == {"Succeeded"}
    truth = lab.component("cluster").truth
    for i in range(3):
        moved = vmi(custom, f"mig-{i}")
        assert moved["status"]["phase"] == "Running"
        assert moved["status"]["nodeName"] != "worker-0"
        assert moved["status"]["migrationState"]["completed"] is True
        assert moved["status"]["migrationState"]["sourceNode"] == "worker-0"
        assert "evacuationNodeName" not in moved["status"]
        assert truth.running_on(f"default/mig-{i}") == {moved["status"]["nodeName"]}
    counters = truth.counters()
    assert (counters["split_brain"], counters["lost"]) == (0, 0)


def test_non_migratable_vm_under_live_migrate_blocks_the_drain(lab):
    start_vms(lab, [vm_body("pinned-disk", "worker-1", migratable=False)])
    result = drain(lab, "worker-1", 7)
    assert result.returncode != 0
    assert ('admission webhook "virt-launcher-eviction-interceptor.kubevirt.io" denied the request: '
            'VMI pinned-disk is configured with an eviction strategy but is not live-migratable') in result.stderr
    assert lab.component("cluster").truth.running_on("default/pinned-disk") == {"worker-1"}


def test_eviction_strategy_none_lets_the_eviction_through_and_the_vm_restarts(lab):
    custom = start_vms(lab, [vm_body("plain", "worker-2", eviction="None")])
    core = client.CoreV1Api(config.new_client_from_config(config_file=lab.kubeconfig_path))
    old = vmi(custom, "plain")
    launcher = core.list_namespaced_pod("default", label_selector=f"kubevirt.io/created-by={old['metadata']['uid']}")
    name = launcher.items[0].metadata.name
    core.create_namespaced_pod_eviction(name, "default", client.V1Eviction(
        metadata=client.V1ObjectMeta(name=name, namespace="default")))

    def restarted():
        current = vmi_if_present(custom, "plain")
        return (current.get("metadata", {}).get("uid") not in (None, old["metadata"]["uid"])
                and (current.get("status") or {}).get("phase") == "Running")
    lab.wait_for(restarted, 20)
    assert custom.list_namespaced_custom_object(GROUP, VERSION, "default",
                                                "virtualmachineinstancemigrations")["items"] == []


def test_repeated_eviction_during_an_evacuation_is_refused_as_in_progress(lab):
    custom = start_vms(lab, [vm_body("twice", "worker-0")])
    core = client.CoreV1Api(config.new_client_from_config(config_file=lab.kubeconfig_path))
    uid = vmi(custom, "twice")["metadata"]["uid"]
    name = core.list_namespaced_pod("default", label_selector=f"kubevirt.io/created-by={uid}").items[0].metadata.name
    body = client.V1Eviction(metadata=client.V1ObjectMeta(name=name, namespace="default"))
    messages = []
    for _ in range(2):
        with pytest.raises(client.ApiException) as denied:
            core.create_namespaced_pod_eviction(name, "default", body)
        assert denied.value.status == 429
        messages.append(denied.value.body)
    assert 'Eviction triggered evacuation of VMI \\"default/twice\\"' in messages[0]
    assert 'Evacuation in progress: Eviction triggered evacuation of VMI \\"default/twice\\"' in messages[1]
    assert vmi(custom, "twice")["status"]["evacuationNodeName"] == "worker-0"
