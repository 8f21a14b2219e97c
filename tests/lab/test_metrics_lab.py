"""Metrics of a running lab through real clients: the Prometheus HTTP API and metrics.k8s.io (kubectl top)."""

import json
import os
import subprocess
import time

import pytest
import requests

from lab.lab import Lab
from lab.metrics import node_model

RAW_SERIES = ["node_cpu_seconds_total", "node_pressure_cpu_waiting_seconds_total",
              "node_pressure_memory_waiting_seconds_total", "node_memory_MemAvailable_bytes",
              "kube_node_status_allocatable", "kube_node_role", "kubevirt_vmi_cpu_usage_seconds_total",
              "kubevirt_vmi_memory_used_bytes"]
RULES = ["descheduler:nodeutilization:cpu:avg1m", "descheduler:nodeutilization:memory:avg1m",
         "descheduler:nodepressure:cpu:avg1m", "descheduler:nodepressure:memory:avg1m",
         "descheduler:averageworkersutilization:cpu:avg1m", "descheduler:combined_utilization_and_pressure:avg1m",
         "descheduler:node:linear_amplified_ideal_point_positive_distance:k3:avg1m", "instance:node_cpu:rate:sum"]
WORKERS = ("worker-0", "worker-1", "worker-2")


@pytest.fixture(scope="module")
def lab():
    # kubectl sends its bearer token only over TLS
    with Lab(scenario="small", seed=2, tls=True, components=["cluster", "kubevirt", "metrics"]) as lab:
        assert lab.component("cluster").wait_settled(30)
        deadline = time.monotonic() + 30
        while len(lab.component("cluster").truth.vms_on("worker-0") + lab.component("cluster").truth.vms_on(
                "worker-1") + lab.component("cluster").truth.vms_on("worker-2")) < 12:
            assert time.monotonic() < deadline, "VMs did not start"
            time.sleep(0.2)
        time.sleep(2.5)   # a few scrapes with every VM running
        yield lab


def prom(lab, query, **params):
    url = lab.component("metrics").prometheus_url
    response = requests.get(url + "/api/v1/query", params=dict(params, query=query), timeout=10)
    return response


def vector(lab, query) -> dict:
    response = prom(lab, query)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["resultType"] == "vector"
    return {json.dumps(r["metric"], sort_keys=True): float(r["value"][1]) for r in data["result"]}


def by(lab, query, label) -> dict:
    response = prom(lab, query)
    assert response.status_code == 200, response.text
    return {r["metric"].get(label): float(r["value"][1]) for r in response.json()["data"]["result"]}


def test_prometheus_url_is_in_lab_json(lab):
    with open(os.path.join(lab.workdir, "lab.json"), encoding="utf-8") as handle:
        state = json.load(handle)
    assert state["vars"]["lab_prometheus_url"] == lab.component("metrics").prometheus_url
    assert requests.get(state["vars"]["lab_prometheus_url"] + "/-/ready", timeout=5).status_code == 200


@pytest.mark.parametrize("name", RAW_SERIES + RULES)
def test_every_documented_series_answers(lab, name):
    assert vector(lab, name), f"{name} returned no samples"


def test_vm_load_is_part_of_node_utilization(lab):
    machines = lab.component("cluster").machines
    busy = by(lab, "avg by (instance) (1 - rate(node_cpu_seconds_total{mode='idle'}[10s]))", "instance")
    vms = by(lab, "sum by (node) (rate(kubevirt_vmi_cpu_usage_seconds_total[10s]))", "node")
    assert set(vms) == set(WORKERS)
    for node in WORKERS:
        cores = machines.get(node).cpu_cores
        busy_cores = busy[node] * cores
        assert vms[node] + node_model.system_cpu(cores) <= busy_cores + 0.05
        assert busy_cores - vms[node] - node_model.system_cpu(cores) < 1.5     # the rest is plain pods
    memory = by(lab, "sum by (node) (kubevirt_vmi_memory_used_bytes)", "node")
    available = by(lab, "node_memory_MemAvailable_bytes", "instance")
    for node in WORKERS:
        assert available[node] <= machines.get(node).memory_bytes - memory[node]


def test_external_load_raises_utilization_and_pressure(lab):
    lab.load("worker-2", cpu=0.95)
    try:
        time.sleep(4)
        busy = by(lab, "avg by (instance) (1 - rate(node_cpu_seconds_total{mode='idle'}[3s]))", "instance")
        psi = by(lab, "rate(node_pressure_cpu_waiting_seconds_total[3s])", "instance")
        assert busy["worker-2"] == pytest.approx(1.0)
        assert psi["worker-2"] > 0.2 and psi["worker-2"] > 10 * max(psi["worker-0"], psi["worker-1"])
        # the 1-minute averages follow more slowly; the loaded node must end up the most distant one
        deadline = time.monotonic() + 30
        while True:
            k3 = by(lab, "descheduler:node:linear_amplified_ideal_point_positive_distance:k3:avg1m", "instance")
            if k3["worker-2"] > max(k3["worker-0"], k3["worker-1"]) or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert k3["worker-2"] > max(k3["worker-0"], k3["worker-1"]), k3
    finally:
        lab.load("worker-2", cpu=0.0)


def test_query_range_returns_a_matrix(lab):
    url = lab.component("metrics").prometheus_url
    end = time.time()
    response = requests.get(url + "/api/v1/query_range", timeout=10, params={
        "query": "sum by (instance) (rate(node_cpu_seconds_total{mode!='idle'}[1m]))",
        "start": end - 60, "end": end, "step": "15s"})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["resultType"] == "matrix" and len(data["result"]) == 6
    assert all(len(series["values"]) == 5 for series in data["result"])


def test_unsupported_promql_is_a_400_with_the_reason(lab):
    response = prom(lab, "quantile(0.9, up)")
    assert response.status_code == 400
    assert response.json() == {"status": "error", "errorType": "bad_data",
                               "error": "aggregation quantile is not supported by the lab"}


def test_kubectl_top_reads_metrics_k8s_io(lab):
    result = subprocess.run(["kubectl", "--kubeconfig", lab.kubeconfig_path, "top", "nodes", "--no-headers"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()}
    assert set(rows) == {"master-0", "master-1", "master-2", *WORKERS}
    pods = subprocess.run(["kubectl", "--kubeconfig", lab.kubeconfig_path, "top", "pods", "-n", "vms",
                           "--containers", "--no-headers"], capture_output=True, text=True, timeout=30)
    assert pods.returncode == 0, pods.stderr
    assert sum(1 for line in pods.stdout.splitlines() if " compute " in f" {line} ") == 12


def test_a_powered_off_node_goes_stale(lab):
    machines = lab.component("cluster").machines
    machines.power_off("master-2")
    try:
        time.sleep(1.5)
        assert by(lab, "up", "instance")["master-2"] == 0.0
        assert "master-2" not in by(lab, "node_memory_MemAvailable_bytes", "instance")
        assert "master-2" in by(lab, "kube_node_status_allocatable{resource='cpu'}", "node")
    finally:
        machines.power_on("master-2")
