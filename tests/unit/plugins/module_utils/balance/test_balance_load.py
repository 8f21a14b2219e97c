# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

import pytest

from ansible_collections.workload.availability.plugins.module_utils.balance import imbalance
from ansible_collections.workload.availability.plugins.module_utils.balance import inventory
from ansible_collections.workload.availability.plugins.module_utils.balance import load
from ansible_collections.workload.availability.plugins.module_utils.balance import queries
from ansible_collections.workload.availability.plugins.module_utils.placement.nodes import node_states

from balance_snapshot import GI, cluster, node, sample, vm, vmi, launcher_pod


def model_of(snapshot, source="prometheus", on_missing="exclude", samples=None):
    states = node_states(snapshot["nodes"], snapshot["pods"])
    capacities = dict((n["metadata"]["name"], inventory.capacity(n)) for n in snapshot["nodes"])
    vms = list(inventory.vm_items(snapshot["vmis"], snapshot["pods"]).values())
    return load.build_model(source, list(states.values()), capacities, vms,
                            samples if samples is not None else snapshot["metrics"], on_missing)


def two_nodes(**kwargs):
    return cluster({"w1": [vm("a", cpu_used=7.0, mem_gi=12)], "w2": [vm("b", cpu_used=1.0, mem_gi=4)]}, **kwargs)


def test_prometheus_model_reads_node_utilization_and_vm_usage():
    model = model_of(two_nodes())
    # w1: (1 system core + 7) / 32 cores; (4 GiB system + 12 GiB) / 128 GiB
    assert model["nodes"]["w1"]["util"] == {"cpu": pytest.approx(8 / 32), "memory": pytest.approx(16 / 128)}
    assert model["nodes"]["w1"]["scale"] == {"cpu": 32.0, "memory": 128.0 * GI}
    assert model["vms"]["vms/a"] == {"cpu": 7.0, "memory": 12 * GI, "dirty_rate": 10 * 2 ** 20,
                                     "basis": "prometheus"}
    assert model["excluded_nodes"] == {} and model["excluded_vms"] == {}


def test_combined_score_is_the_weighted_root_mean_square():
    assert load.combined(0.6, 0.6) == pytest.approx(0.6)
    assert load.combined(0.8, 0.0) == pytest.approx(0.8 / math.sqrt(2))
    assert load.combined(0.8, 0.2, {"cpu": 3.0, "memory": 1.0}) == pytest.approx(math.sqrt((3 * 0.64 + 0.04) / 4))
    # the busier dimension dominates, the other still counts
    assert load.combined(0.9, 0.1) > load.combined(0.5, 0.5) > load.combined(0.9, 0.0) - 0.2


def test_pressure_counts_only_above_the_utilization_gate():
    entry = {"util": {"cpu": 0.65, "memory": 0.75}, "pressure": {"cpu": 0.3, "memory": 0.2},
             "scale": {"cpu": 32.0, "memory": 128.0 * GI}, "basis": "prometheus"}
    loads = load.node_loads(entry)
    assert loads["cpu"] == pytest.approx(0.65)          # 0.65 <= 0.7: pressure ignored (gated)
    assert loads["memory"] == pytest.approx(0.95)       # 0.75 > 0.7: pressure added


def test_relieving_a_node_below_the_gate_clears_its_pressure_and_scales_it_above():
    entry = {"util": {"cpu": 0.9, "memory": 0.1}, "pressure": {"cpu": 0.4, "memory": None},
             "scale": {"cpu": 10.0, "memory": 100.0 * GI}, "basis": "prometheus"}
    halfway = load.shifted(entry, {"cpu": 1.0, "memory": 0.0}, -1)    # 0.9 -> 0.8: half the excess above 0.7
    assert halfway["util"]["cpu"] == pytest.approx(0.8)
    assert halfway["pressure"]["cpu"] == pytest.approx(0.2)
    relieved = load.shifted(entry, {"cpu": 3.0, "memory": 0.0}, -1)   # 0.9 -> 0.6
    assert load.node_loads(relieved)["cpu"] == pytest.approx(0.6)
    assert relieved["pressure"]["memory"] is None


def test_psi_from_prometheus_is_added_with_the_gate():
    model = model_of(two_nodes(psi={"w1": (0.25, 0.0), "w2": (0.5, 0.0)}))
    assert model["nodes"]["w1"]["pressure"]["cpu"] == 0.25
    # w1 at 25 % CPU: its stalls are below the gate and do not count; w2 likewise
    assert load.node_loads(model["nodes"]["w1"])["cpu"] == pytest.approx(8 / 32)
    hot = cluster({"w1": [vm("a", cpu_used=27.0)], "w2": []}, psi={"w1": (0.25, 0.0)})
    assert load.node_loads(model_of(hot)["nodes"]["w1"])["cpu"] == pytest.approx(28 / 32 + 0.25)


def test_a_node_missing_from_prometheus_is_excluded_with_the_reason_never_zero():
    model = model_of(two_nodes(drop={"node_cpu": ["w2"]}))
    assert "w2" not in model["nodes"]
    assert model["excluded_nodes"]["w2"] == "no node_cpu sample; left out of balancing"


def test_a_node_missing_from_prometheus_falls_back_to_requests_when_asked():
    model = model_of(two_nodes(drop={"node_cpu": ["w2"], "node_memory": ["w2"]}), on_missing="requests")
    entry = model["nodes"]["w2"]
    assert entry["basis"] == "requests"
    # one launcher pod requesting 1 core and 4 GiB on a 32-core, 128 GiB node
    assert entry["util"] == {"cpu": pytest.approx(1 / 32), "memory": pytest.approx(4 / 128)}
    assert any("node w2: no node_cpu sample and node_memory sample" in note for note in model["notes"])


def test_a_vm_missing_from_prometheus_stays_or_uses_its_requests():
    snapshot = two_nodes(drop={"vmi_cpu": ["vms/b"]})
    excluded = model_of(snapshot)
    assert "vms/b" not in excluded["vms"]
    assert excluded["excluded_vms"]["vms/b"] == "no vmi_cpu sample; it stays where it is"
    fallback = model_of(snapshot, on_missing="requests")
    assert fallback["vms"]["vms/b"] == {"cpu": 1.0, "memory": 4 * GI, "dirty_rate": None, "basis": "requests"}


def test_no_psi_at_all_is_one_note_and_utilization_only():
    snapshot = two_nodes()
    snapshot["metrics"]["node_cpu_pressure"] = []
    model = model_of(snapshot)
    assert model["nodes"]["w1"]["pressure"]["cpu"] is None
    assert sum("no cpu pressure (PSI) series for any node" in note for note in model["notes"]) == 1


def test_a_node_without_psi_among_nodes_with_it_is_noted():
    snapshot = two_nodes(psi={"w1": (0.1, 0.1), "w2": (0.1, 0.1)}, drop={"node_memory_pressure": ["w2"]})
    model = model_of(snapshot)
    assert model["nodes"]["w2"]["pressure"]["memory"] is None
    assert model["nodes"]["w1"]["pressure"]["memory"] == 0.1
    assert "node w2: no memory pressure (PSI) series; its memory load is utilization only" in model["notes"]


def test_non_numeric_samples_are_reported_not_read_as_zero():
    snapshot = two_nodes()
    snapshot["metrics"]["node_cpu"] = [sample({"instance": "w1"}, "NaN"), sample({"instance": "w2"}, 0.5)]
    model = model_of(snapshot)
    assert "w1" in model["excluded_nodes"]
    assert "node_cpu: sample 'NaN' for w1 is not a finite number" in model["notes"]


def test_instance_with_a_port_names_its_node():
    assert queries.node_key({"instance": "w1:9100"}, {"w1"}) == "w1"
    assert queries.node_key({"instance": "other:9100"}, {"w1"}) is None


def test_metrics_api_model_uses_node_and_launcher_pod_metrics():
    snapshot = two_nodes()
    samples = {"nodes": [{"metadata": {"name": "w1"}, "usage": {"cpu": "16", "memory": "64Gi"}}],
               "pods": [{"metadata": {"name": "virt-launcher-a-abcde", "namespace": "vms"},
                         "containers": [{"name": "compute", "usage": {"cpu": "3500m", "memory": "10Gi"}},
                                        {"name": "sidecar", "usage": {"cpu": "500m", "memory": "1Gi"}}]}]}
    model = model_of(snapshot, source="metrics_api", samples=samples)
    assert model["nodes"]["w1"]["util"] == {"cpu": 0.5, "memory": 0.5}
    assert model["vms"]["vms/a"]["cpu"] == pytest.approx(4.0)
    assert model["vms"]["vms/a"]["memory"] == 11 * GI
    assert model["excluded_nodes"] == {"w2": "no NodeMetrics; left out of balancing"}
    assert "vms/b" in model["excluded_vms"]


def test_requests_model_is_requests_against_allocatable():
    model = model_of(two_nodes(), source="requests")
    assert model["nodes"]["w1"]["util"] == {"cpu": pytest.approx(1 / 32), "memory": pytest.approx(12 / 128)}
    assert model["vms"]["vms/a"]["cpu"] == 1.0


def test_imbalance_measures():
    figures = imbalance.measures([0.2, 0.4, 0.6])
    assert figures["mean"] == pytest.approx(0.4)
    assert figures["stddev"] == pytest.approx(math.sqrt(0.08 / 3))
    assert figures["cv"] == pytest.approx(figures["stddev"] / 0.4)
    assert figures["spread"] == pytest.approx(0.4)
    assert imbalance.measures([0.0, 0.0])["cv"] == 0.0
    assert imbalance.measures([])["stddev"] is None


def test_vm_item_takes_requests_from_its_launcher_pod_and_drops_a_pinned_hostname():
    vmi_obj = vmi("a", "w1", mem_gi=8, node_selector={"disk": "ssd"})
    pod = launcher_pod(vmi_obj)
    pod["spec"]["nodeSelector"].update({"kubernetes.io/hostname": "w1",
                                        "cpu-model.node.kubevirt.io/Skylake": "true"})
    pod["spec"]["overhead"] = {"memory": "200Mi"}
    item = inventory.vm_items([vmi_obj], [pod])["vms/a"]
    assert item["memory"] == 8 * GI + 200 * 2 ** 20 and item["guest_memory"] == 8 * GI
    assert item["node"] == "w1" and item["pod_key"] == "vms/virt-launcher-a-abcde"
    assert item["node_selector"] == {"disk": "ssd", "cpu-model.node.kubevirt.io/Skylake": "true",
                                     "kubevirt.io/schedulable": "true"}


def test_the_launcher_on_the_vmi_node_counts_not_a_migration_target():
    vmi_obj = vmi("a", "w1", mem_gi=8)
    source, target = launcher_pod(vmi_obj), launcher_pod(vmi_obj)
    target["metadata"]["name"], target["spec"]["nodeName"] = "virt-launcher-a-target", "w2"
    assert inventory.vm_items([vmi_obj], [target, source])["vms/a"]["pod_key"] == "vms/virt-launcher-a-abcde"


def test_capacity_is_the_machine_and_falls_back_to_allocatable():
    assert inventory.capacity(node("w1", cpu=16, mem_gi=64)) == {"cpu": 16.0, "memory": 64.0 * GI}
    bare = node("w2", cpu=8, mem_gi=32)
    del bare["status"]["capacity"]
    assert inventory.capacity(bare) == {"cpu": 8.0, "memory": 32.0 * GI}


def test_the_query_set_takes_replacements_by_name():
    queries_run = queries.query_set({"node_cpu": "my:node_cpu:ratio", "vmi_dirty_rate": ""})
    assert queries_run["node_cpu"] == "my:node_cpu:ratio"
    assert queries_run["vmi_dirty_rate"] == queries.DEFAULT_QUERIES["vmi_dirty_rate"]
    assert sorted(queries_run) == sorted(queries.NODE_QUERIES + ("vmi_cpu", "vmi_memory", "vmi_dirty_rate"))
