"""Load profiles, the node model (utilization, PSI) and the descheduler rule arithmetic (pure functions)."""

import pytest

from lab.metrics import node_model, profiles, rules

GIB = 1024 ** 3


@pytest.mark.parametrize("profile", profiles.PROFILES)
def test_profiles_are_deterministic_and_bounded(profile):
    values = [profiles.fraction(profile, 0.4, "vms/vm-01", t) for t in range(0, 7200, 7)]
    assert values == [profiles.fraction(profile, 0.4, "vms/vm-01", t) for t in range(0, 7200, 7)]
    assert all(0.01 <= v <= 1.0 for v in values)


def test_profiles_have_their_character():
    timing = dict(profiles.DEFAULT_TIMING, diurnal_period=600.0, spike_every=120.0, spike_length=20.0)
    def spread(profile):
        values = [profiles.fraction(profile, 0.4, "vms/vm-07", t, timing) for t in range(0, 1200)]
        return max(values) - min(values), values
    steady, _ = spread("steady")
    noisy, _ = spread("noisy")
    diurnal, _ = spread("diurnal")
    spike, spike_values = spread("spike")
    assert steady < 0.05 < noisy
    assert diurnal > 0.3
    assert max(spike_values) >= 0.95 and sum(v >= 0.9 for v in spike_values) / len(spike_values) < 0.3
    with pytest.raises(ValueError):
        profiles.fraction("bursty", 0.4, "k", 0)


def test_cpu_pressure_rises_with_saturation():
    demands = [0.1, 0.5, 0.7, 0.9, 1.0, 1.3, 2.0]
    pressures = [node_model.cpu_pressure(d) for d in demands]
    assert pressures == sorted(pressures)
    assert pressures[1] < 0.01 and pressures[4] >= 0.2 and pressures[-1] > 0.5


def test_node_sample_adds_vms_pods_system_and_external_load():
    idle = node_model.sample(32, 128 * GIB, workload_cores=0, workload_memory=0)
    busy = node_model.sample(32, 128 * GIB, workload_cores=8, workload_memory=32 * GIB, external_cpu=0.5)
    assert idle.cpu_utilization == pytest.approx(node_model.system_cpu(32) / 32)
    assert busy.cpu_utilization == pytest.approx((8 + node_model.system_cpu(32) + 16) / 32)
    assert busy.memory_available == pytest.approx(128 * GIB - 32 * GIB - node_model.system_memory(128 * GIB))
    saturated = node_model.sample(32, 128 * GIB, workload_cores=40, workload_memory=0)
    assert saturated.cpu_utilization == 1.0 and saturated.cpu_pressure > 0.2


def test_k3_distance_flags_only_the_node_above_the_worker_average():
    cpu = {"w0": 0.9, "w1": 0.3, "w2": 0.3, "m0": 0.1}
    memory = {"w0": 0.5, "w1": 0.5, "w2": 0.5, "m0": 0.2}
    derived = rules.derive(cpu, memory, {"w0": 0.4, "w1": 0.0, "w2": 0.0}, {}, workers={"w0", "w1", "w2"})
    k3 = derived["per_node"][rules.K3_DISTANCE]
    assert derived["cluster"][rules.AVG_CPU_UTILIZATION] == pytest.approx(0.5)
    assert derived["per_node"][rules.CPU_PRESSURE] == {"w0": 0.4, "w1": 0.0, "w2": 0.0, "m0": 0.0}
    assert k3["w1"] == 0.0 and k3["w2"] == 0.0 and k3["m0"] == 0.0
    assert k3["w0"] == 1.0                    # 3 * sqrt(0.4^2 + (0.4-0.133)^2) clamps at 1
    balanced = rules.derive({"a": 0.5, "b": 0.5}, {"a": 0.4, "b": 0.4}, {}, {}, workers={"a", "b"})
    assert set(balanced["per_node"][rules.K3_DISTANCE].values()) == {0.0}


def test_combined_metric_switches_to_pressure_when_workers_are_busy():
    cpu = {"a": 0.85, "b": 0.9}
    derived = rules.derive(cpu, {"a": 0.5, "b": 0.5}, {"a": 0.1, "b": 0.3}, {}, workers={"a", "b"})
    assert derived["per_node"][rules.COMBINED] == {"a": 0.1, "b": 0.3}
    calm = rules.derive({"a": 0.2, "b": 0.4}, {"a": 0.5, "b": 0.5}, {}, {}, workers={"a", "b"})
    assert calm["per_node"][rules.COMBINED] == {"a": 0.2, "b": 0.4}
