"""The cluster's controls through the lab's control endpoint and its status report."""

import json

import urllib3

from test_cluster_support import cluster_lab, clients, ready_condition, wait


def _control(lab, name, body=None):
    http = urllib3.PoolManager()
    response = http.request("POST" if body is not None else "GET", f"{lab.url}/lab/v1/{name}",
                            body=json.dumps(body) if body is not None else None,
                            headers={"Authorization": f"Bearer {lab.token}", "Content-Type": "application/json"})
    return response.status, json.loads(response.data)


def test_partition_and_recover_through_the_control_endpoint(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    status, _ = _control(lab, "fail", {"node": "worker-2", "mode": "partition"})
    assert status == 200
    wait(lambda: ready_condition(core.read_node("worker-2")).status == "Unknown", 6)
    status, report = _control(lab, "status")
    node = next(n for n in report["cluster"]["nodes"] if n["name"] == "worker-2")
    assert (node["ready"], node["powered"], node["partitioned"], node["kubelet"]) == ("Unknown", True, True, True)
    assert "node.kubernetes.io/unreachable:NoExecute" in node["taints"]
    assert report["cluster"]["split_brain"] == 0 and report["cluster"]["lost"] == 0
    assert _control(lab, "recover", {"node": "worker-2"})[0] == 200
    wait(lambda: ready_condition(core.read_node("worker-2")).status == "True", 5)
    assert _control(lab, "fail", {"node": "nope", "mode": "partition"})[0] == 400


def test_load_and_rendered_status(make_lab):
    lab = cluster_lab(make_lab)
    lab.load("worker-0", cpu=0.9)
    assert lab.component("cluster").machines.get("worker-0").external_load["cpu"] == 0.9
    core, _, _ = clients(lab)
    core.patch_node("worker-1", {"spec": {"unschedulable": True}})
    wait(lambda: any("worker-1" in line and " yes " in line
                     for line in lab.render_status().splitlines()), 3, "cordon shown")
    text = lab.render_status()
    assert "NODE" in text and "GROUND TRUTH: split-brain 0" in text and "MIGRATIONS IN FLIGHT: 0" in text


def test_power_off_without_bmcs_is_a_plain_switch(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    machines = lab.component("cluster").machines
    lab.fail("worker-0", "power-off")
    assert not machines.is_powered("worker-0") and machines.running_pods("worker-0") == {}
    wait(lambda: ready_condition(core.read_node("worker-0")).status == "Unknown", 6)
    lab.recover("worker-0")
    wait(lambda: ready_condition(core.read_node("worker-0")).status == "True", 6, "booted and Ready")
    assert machines.is_powered("worker-0")
