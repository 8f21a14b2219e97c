"""Pure parts of lab.cluster: ground truth, machines, timings, scenarios, taint and budget arithmetic."""

import time

import pytest

from lab.cluster import scenarios, zones
from lab.cluster.disruption import budget_numbers
from lab.cluster.machines import Machine, Machines
from lab.cluster.node_lifecycle import desired_taints
from lab.cluster.taints import eviction_delay
from lab.cluster.timing import load_timings
from lab.cluster.truth import GroundTruth


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_ground_truth_records_split_brain_and_lost_intervals():
    clock = Clock()
    truth = GroundTruth(clock=clock)
    truth.expect_running("vms/a", True)
    assert truth.counters()["lost"] == 0                 # never ran yet: starting, not lost
    truth.vm_started("vms/a", "worker-0")
    clock.now += 5
    truth.vm_started("vms/a", "worker-1")               # e.g. restarted elsewhere while the old one still runs
    assert truth.running_on("vms/a") == {"worker-0", "worker-1"}
    clock.now += 3
    truth.vm_stopped("vms/a", "worker-0")
    truth.node_lost_power("worker-1")
    clock.now += 2
    counters = truth.counters()
    assert (counters["split_brain"], counters["lost"], counters["split_brain_active"], counters["lost_active"]) == \
        (1, 1, 0, 1)
    split = next(i for i in counters["intervals"] if i["kind"] == "split_brain")
    assert split["seconds"] == 3.0 and split["nodes"] == ["worker-0", "worker-1"]
    lost = next(i for i in counters["intervals"] if i["kind"] == "lost")
    assert lost["end"] is None and lost["seconds"] == 2.0
    truth.vm_started("vms/a", "worker-2")
    assert truth.counters()["lost_active"] == 0 and truth.counters()["lost"] == 1


def test_machines_power_cycle_and_faults_notify_in_order():
    scheduled = []
    machines = Machines(schedule=lambda delay, fn: scheduled.append((delay, fn)), boot_seconds=7)
    machines.add(Machine(name="n1", system_uuid="11111111-2222-3333-4444-555555555555", cpu_cores=8,
                         memory_bytes=1 << 30))
    changes = []
    machines.subscribe(lambda node, change: changes.append(change))
    machines.pod_started("n1", "uid-1", "default", "p")
    machines.power_off("n1")
    assert machines.running_pods("n1") == {} and not machines.kubelet_running("n1")
    machines.power_on("n1")
    assert scheduled[0][0] == 7 and machines.get("n1").booting_until
    boot_before = machines.get("n1").boot_id
    scheduled[0][1]()
    assert machines.kubelet_running("n1") and machines.get("n1").boot_id != boot_before
    machines.stop_kubelet("n1")
    machines.partition("n1")
    machines.start_kubelet("n1")
    machines.heal("n1")
    assert changes == ["kubelet_stop", "power_off", "power_on", "booted", "kubelet_start", "kubelet_stop",
                       "partition", "kubelet_start", "heal"]


def test_kubelet_stop_survives_a_reboot_until_recovered():
    machines = Machines(schedule=lambda delay, fn: fn(), boot_seconds=0)
    machines.add(Machine(name="n1", system_uuid="u", cpu_cores=1, memory_bytes=1))
    machines.stop_kubelet("n1")
    machines.power_off("n1")
    machines.power_on("n1")
    assert machines.is_powered("n1") and not machines.kubelet_running("n1")


def test_machines_without_a_scheduler_still_finish_booting():
    machines = Machines(schedule=None, boot_seconds=0.05)
    machines.add(Machine(name="n1", system_uuid="u", cpu_cores=1, memory_bytes=1))
    machines.power_off("n1")
    machines.power_on("n1")
    deadline = time.monotonic() + 2
    while not machines.kubelet_running("n1") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert machines.kubelet_running("n1")


def test_timing_presets_and_overrides():
    realistic = load_timings("realistic")
    assert (realistic.node_monitor_grace_seconds, realistic.lease_renew_seconds,
            realistic.default_toleration_seconds) == (40, 10, 300)
    fast = load_timings("fast", {"node-monitor-grace": 3, "bmc_power_delay": 1, "pod_start_seconds": 0.5})
    assert fast.node_monitor_grace_seconds == 3.0 and fast.pod_start_seconds == 0.5
    assert all(getattr(load_timings("fast"), f) <= 5 for f in ("node_monitor_grace_seconds", "boot_seconds",
                                                                "lease_renew_seconds", "default_toleration_seconds"))
    with pytest.raises(ValueError):
        load_timings("slow")


def test_scenarios_are_seeded_and_sized():
    small = scenarios.build("small", seed=3)
    assert small == scenarios.build("small", seed=3)
    assert small != scenarios.build("small", seed=4)
    assert [n["role"] for n in small["nodes"]].count("control-plane") == 3 and len(small["nodes"]) == 6
    assert len(small["vms"]) == 12 and sum(not vm["migratable"] for vm in small["vms"]) == 2
    assert len({n["system_uuid"] for n in small["nodes"]}) == 6
    large = scenarios.build("large")
    assert (len(large["nodes"]), len(large["vms"])) == (500, 10000)
    hotspot = scenarios.build("hotspot")
    assert sum(vm["node"] == "worker-0" for vm in hotspot["vms"]) > len(hotspot["vms"]) / 2
    custom = scenarios.build("balanced-noisy", nodes=5, vms=7)
    assert (len(custom["nodes"]), len(custom["vms"])) == (5, 7)
    with pytest.raises(ValueError):
        scenarios.build("huge")


def test_condition_taints_follow_ready_and_cordon():
    def node(ready, unschedulable=False, taints=None):
        return {"spec": {"unschedulable": unschedulable, "taints": taints or []},
                "status": {"conditions": [{"type": "Ready", "status": ready}]}}
    unknown = desired_taints(node("Unknown"), "add", "T")
    assert [(t["key"], t["effect"], t.get("timeAdded")) for t in unknown] == [
        ("node.kubernetes.io/unreachable", "NoExecute", "T"), ("node.kubernetes.io/unreachable", "NoSchedule", None)]
    assert [t["effect"] for t in desired_taints(node("False"), "keep", "T")] == ["NoSchedule"]   # rate limited
    assert [t["effect"] for t in desired_taints(node("Unknown", taints=unknown), "strip", "T")] == ["NoSchedule"]
    swapped = desired_taints(node("False", taints=unknown), "keep", "T2")          # Unknown -> False: swap
    assert {(t["key"], t["effect"]) for t in swapped} == {("node.kubernetes.io/not-ready", "NoExecute"),
                                                           ("node.kubernetes.io/not-ready", "NoSchedule")}
    keep = [{"key": "medik8s.io/drain", "effect": "NoSchedule"}]
    cordoned = desired_taints(node("True", True, keep + unknown), "add", "T")
    assert cordoned == keep + [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
    assert desired_taints(node("True", False, keep), "add", "T") is None


def test_zone_states_and_eviction_rate_limit():
    timings = load_timings("realistic")
    assert zones.zone_state(ready=0, not_ready=6, unhealthy_threshold=0.55) == zones.FULL
    assert zones.zone_state(ready=2, not_ready=4, unhealthy_threshold=0.55) == zones.PARTIAL
    assert zones.zone_state(ready=1, not_ready=2, unhealthy_threshold=0.55) == zones.NORMAL   # fewer than 3 down
    assert zones.eviction_rate(zones.PARTIAL, 6, timings) == 0.0              # small cluster: evictions stop
    assert zones.eviction_rate(zones.PARTIAL, 500, timings) == 0.01
    assert zones.eviction_rate(zones.NORMAL, 6, timings) == 0.1
    bucket = zones.TokenBucket(0.1)
    assert bucket.take(100.0) == 0.0                                          # the first node at once
    assert bucket.take(101.0) == pytest.approx(9.0)                           # the next one 10 s later
    assert bucket.take(110.0) == 0.0


def test_eviction_delay_is_the_smallest_matching_toleration():
    unreachable = [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]
    assert eviction_delay([], unreachable) == 0
    assert eviction_delay([{"operator": "Exists"}], unreachable) is None
    assert eviction_delay([{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
                            "tolerationSeconds": 300},
                           {"operator": "Exists", "tolerationSeconds": 30}], unreachable) == 30


def test_budget_numbers():
    pods = [{}] * 3
    assert budget_numbers({"minAvailable": 2}, pods, lambda: 5) == (3, 2)
    assert budget_numbers({"minAvailable": "50%"}, pods, lambda: 5) == (5, 3)
    assert budget_numbers({"maxUnavailable": "30%"}, pods, lambda: 5) == (5, 3)
    assert budget_numbers({"maxUnavailable": 1}, pods, lambda: None) is None


def test_a_stalled_controller_thread_does_not_count_against_node_heartbeats():
    from lab.cluster.node_lifecycle import NodeLifecycle
    lifecycle = NodeLifecycle(api=None, cache=None, timings=load_timings("fast"), runner=None, recorder=None)
    lifecycle._last_monitor = 100.0
    lifecycle._observed = {"n1": ("renew", "beat", 99.0)}
    lifecycle._forgive_stall(105.0)            # the monitor (every 0.1 s) could not run for 5 s
    assert lifecycle._observed["n1"][2] == pytest.approx(99.0 + 5.0 - 0.2)
    lifecycle._forgive_stall(105.1)            # on time: nothing to forgive
    assert lifecycle._observed["n1"][2] == pytest.approx(103.8)


def test_runner_runs_urgent_items_first():
    from lab.cluster.runner import Runner
    order = []

    class Recorder:
        name = "recorder"

        def sync(self, item):
            order.append(item)

    runner, recorder = Runner(store=None, cache=None, resync_seconds=60), Recorder()
    runner.enqueue(recorder, "normal-1")
    runner.enqueue(recorder, "normal-2")
    runner.enqueue(recorder, "heartbeat", urgent=True)
    runner.enqueue(recorder, "normal-1")        # de-duplicated while queued
    runner._work(limit=10)
    assert order == ["heartbeat", "normal-1", "normal-2"]
