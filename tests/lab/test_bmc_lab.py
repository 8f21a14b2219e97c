"""BMCs inside a full lab: BareMetalHosts and their links, fence_redfish driving real node power, lab faults."""

import base64
import os
import shutil
import subprocess
import time

import pytest
import requests

from lab.lab import Lab

FENCE_REDFISH = shutil.which("fence_redfish") or "/usr/sbin/fence_redfish"
NS = "openshift-machine-api"


@pytest.fixture(scope="module")
def lab():
    with Lab(scenario="small", nodes=5, vms=2, seed=11, tls=True, bmc_tls=True,
             overrides={"bmc_power_delay": (0, 1)}) as lab:
        yield lab


def api_get(lab, path):
    response = requests.get(lab.url + path, headers={"Authorization": f"Bearer {lab.token}"}, verify=lab.ca_path,
                            timeout=10)
    response.raise_for_status()
    return response.json()


def node_ready(lab, node):
    conditions = api_get(lab, f"/api/v1/nodes/{node}")["status"].get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def wait(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_every_node_has_a_baremetalhost_linked_through_its_machine(lab):
    hosts = api_get(lab, f"/apis/metal3.io/v1alpha1/namespaces/{NS}/baremetalhosts")["items"]
    nodes = api_get(lab, "/api/v1/nodes")["items"]
    assert {h["metadata"]["name"] for h in hosts} == {n["metadata"]["name"] for n in nodes}
    bmc = lab.component("bmc")
    for node in nodes:
        name = node["metadata"]["name"]
        machine_ref = node["metadata"]["annotations"]["machine.openshift.io/machine"]
        machine_ns, machine_name = machine_ref.split("/")
        machine = api_get(lab, f"/apis/machine.openshift.io/v1beta1/namespaces/{machine_ns}/machines/{machine_name}")
        host_ns, host_name = machine["metadata"]["annotations"]["metal3.io/BareMetalHost"].split("/")
        host = api_get(lab, f"/apis/metal3.io/v1alpha1/namespaces/{host_ns}/baremetalhosts/{host_name}")
        assert host["spec"]["consumerRef"]["name"] == machine_name
        assert host["spec"]["bmc"]["address"] == f"redfish://127.0.0.1:{bmc.proxy.port(name)}/redfish/v1/Systems/1"
        system = requests.get(bmc.base_url(name) + "/redfish/v1/Systems/1", auth=(bmc.username, bmc.password),
                              verify=bmc.ca_path, timeout=5).json()
        assert system["UUID"] == node["status"]["nodeInfo"]["systemUUID"]
        assert host["spec"]["bmc"]["disableCertificateVerification"] is False
        assert host["status"]["poweredOn"] is True
        secret = api_get(lab, f"/api/v1/namespaces/{NS}/secrets/{host['spec']['bmc']['credentialsName']}")
        assert base64.b64decode(secret["data"]["username"]).decode() == bmc.username
        assert base64.b64decode(secret["data"]["password"]).decode() == bmc.password


def test_bmc_certificate_is_issued_by_the_lab_ca(lab):
    bmc = lab.component("bmc")
    node = "worker-0"
    response = requests.get(bmc.base_url(node) + "/redfish/v1/", verify=lab.ca_path, timeout=5)
    assert response.status_code == 200
    assert bmc.inventory_vars()["lab_bmc_hosts"][node]["bmc_ca_path"] == lab.ca_path


@pytest.mark.skipif(not os.path.exists(FENCE_REDFISH), reason="fence_redfish not installed")
def test_fence_redfish_powers_a_lab_node_off_and_on(lab):
    bmc, node = lab.component("bmc"), "worker-1"
    machines = lab.component("cluster").machines
    hostvars = bmc.inventory_vars()["lab_bmc_hosts"][node]
    port = hostvars["bmc_address"].rsplit(":", 1)[1]
    argv = [FENCE_REDFISH, "--ip", "127.0.0.1", "--ipport", port, "--username", hostvars["bmc_username"],
            "--password", hostvars["bmc_password"], "--ssl-insecure", "--systems-uri", hostvars["bmc_systems_uri"]]
    off = subprocess.run(argv + ["--action", "off"], capture_output=True, text=True, timeout=60)
    assert off.returncode == 0, off.stdout + off.stderr
    assert not machines.is_powered(node)
    assert wait(lambda: api_get(lab, f"/apis/metal3.io/v1alpha1/namespaces/{NS}/baremetalhosts/{node}"
                                )["status"]["poweredOn"] is False, 5)
    assert wait(lambda: not node_ready(lab, node), 30)
    status = subprocess.run(argv + ["--action", "status"], capture_output=True, text=True, timeout=30)
    assert status.returncode == 2 and "OFF" in status.stdout
    on = subprocess.run(argv + ["--action", "on"], capture_output=True, text=True, timeout=60)
    assert on.returncode == 0, on.stdout + on.stderr
    assert machines.is_powered(node)
    assert wait(lambda: node_ready(lab, node), 30)
    annotations = api_get(lab, f"/api/v1/nodes/{node}")["metadata"]["annotations"]
    assert annotations["machine.openshift.io/machine"] == f"{NS}/lab-{node}"


def test_lab_power_off_fault_and_recover(lab):
    machines = lab.component("cluster").machines
    lab.fail("worker-0", "power-off")
    assert not machines.is_powered("worker-0")
    assert wait(lambda: api_get(lab, f"/apis/metal3.io/v1alpha1/namespaces/{NS}/baremetalhosts/worker-0"
                                )["status"]["poweredOn"] is False, 5)
    lab.recover("worker-0")
    assert machines.is_powered("worker-0")
    assert wait(lambda: node_ready(lab, "worker-0"), 30)


def test_bmc_down_through_the_control_endpoint(lab):
    bmc = lab.component("bmc")
    headers = {"Authorization": f"Bearer {lab.token}"}
    response = requests.post(lab.url + "/lab/v1/fail", json={"node": "master-0", "mode": "bmc-down"},
                             headers=headers, verify=lab.ca_path, timeout=10)
    assert response.status_code == 200, response.text
    with pytest.raises(requests.exceptions.ConnectTimeout):
        requests.get(bmc.base_url("master-0") + "/redfish/v1/", verify=bmc.ca_path, timeout=(1, 2))
    response = requests.put(lab.url + "/lab/v1/bmc/faults/master-1", json={"mode": "error", "status": 503},
                            headers=headers, verify=lab.ca_path, timeout=10)
    assert response.status_code == 200, response.text
    hostvars = bmc.inventory_vars()["lab_bmc_hosts"]["master-1"]
    answer = requests.get(bmc.base_url("master-1") + hostvars["bmc_systems_uri"], verify=bmc.ca_path, timeout=5,
                          auth=(hostvars["bmc_username"], hostvars["bmc_password"]))
    assert answer.status_code == 503
    host = api_get(lab, f"/apis/metal3.io/v1alpha1/namespaces/{NS}/baremetalhosts/master-0")
    assert (host["status"]["operationalStatus"], host["status"]["errorType"]) == ("error", "power management error")
    status = requests.get(lab.url + "/lab/v1/bmc", headers=headers, verify=lab.ca_path, timeout=10).json()
    assert status["nodes"]["master-0"]["fault"] == "blackhole" and status["nodes"]["master-1"]["fault"] == "error"
    lab.recover("master-0")
    lab.recover("master-1")
    assert requests.get(bmc.base_url("master-0") + "/redfish/v1/", verify=bmc.ca_path, timeout=5).status_code == 200
    host = api_get(lab, f"/apis/metal3.io/v1alpha1/namespaces/{NS}/baremetalhosts/master-0")
    assert (host["status"]["operationalStatus"], host["status"]["errorType"]) == ("OK", "")


def test_a_re_registered_node_gets_its_machine_annotation_back(lab):
    node = lab.store.get("nodes", None, "worker-1")
    lab.store.delete("nodes", None, "worker-1", grace_period_seconds=0)
    for field in ("uid", "resourceVersion", "creationTimestamp", "annotations"):
        node["metadata"].pop(field, None)
    time.sleep(0.5)
    try:
        lab.store.create("nodes", node)     # what a restarted kubelet does
    except Exception as error:  # noqa: BLE001 - the lab's kubelet registered it again already
        assert getattr(error, "code", None) == 409
    assert wait(lambda: api_get(lab, "/api/v1/nodes/worker-1")["metadata"].get("annotations", {}).get(
        "machine.openshift.io/machine") == f"{NS}/lab-worker-1", 5)
