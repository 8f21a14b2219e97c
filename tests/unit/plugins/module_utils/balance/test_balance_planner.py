# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import random

from ansible_collections.workload.availability.plugins.module_utils.balance import planner

from balance_snapshot import NOW, cluster, node, settings, vm

ANTI_DB = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "kubernetes.io/hostname"}]}}


def hotspot(extra=None):
    """w1 runs ten busy VMs, w2 and w3 five quiet ones each."""
    layout = {"w1": [vm("hot-%d" % i, cpu_used=2.5) for i in range(10)],
              "w2": [vm("cool-%d" % i, cpu_used=0.5) for i in range(5)],
              "w3": [vm("calm-%d" % i, cpu_used=0.5) for i in range(5)]}
    for name, vms in (extra or {}).items():
        layout.setdefault(name, []).extend(vms)
    return layout


def plan_of(snapshot, **options):
    return planner.plan_rebalance(snapshot, settings(**options))


def node_of(plan, name):
    return [n for n in plan["nodes"] if n["name"] == name][0]


def test_a_hotspot_is_relieved_towards_the_idle_nodes():
    plan = plan_of(cluster(hotspot()))
    moves = plan["moves"]
    assert moves, plan["stop_reason"]
    assert all(m["from"] == "w1" and m["to"] in ("w2", "w3") for m in moves)
    assert all(m["node_selector"] == {"kubernetes.io/hostname": m["to"]} for m in moves)
    assert node_of(plan, "w1")["class_before"] == "over"
    assert node_of(plan, "w1")["predicted"]["combined"] < node_of(plan, "w1")["before"]["combined"]
    assert plan["imbalance"]["predicted"]["combined"]["stddev"] < plan["imbalance"]["before"]["combined"]["stddev"]
    assert all(m["predicted_mode"] == "pre-copy" and not m["dirty_rate_assumed"] for m in moves)
    assert set(plan) == set(planner.PLAN_FIELDS)


def test_each_move_lowers_the_imbalance_and_lands_below_the_source():
    plan = plan_of(cluster(hotspot()))
    previous = plan["imbalance"]["before"]["combined"]["stddev"]
    for move in plan["moves"]:
        assert move["imbalance_after"] < previous
        previous = move["imbalance_after"]
        assert move["load_after"][move["to"]] <= move["load_after"][move["from"]]


def shuffled(snapshot, seed):
    rng = random.Random(seed)
    copied = copy.deepcopy(snapshot)
    for field in ("nodes", "pods", "vmis"):
        rng.shuffle(copied[field])
    for series in copied["metrics"].values():
        rng.shuffle(series)
    return copied


def test_one_snapshot_gives_one_plan_whatever_the_listing_order():
    layout = hotspot({"w4": [vm("mid-%d" % i, cpu_used=1.0, mem_gi=8) for i in range(4)]})
    snapshot = cluster(layout)
    reference = plan_of(snapshot)
    assert len(reference["moves"]) >= 2
    for seed in range(5):
        assert plan_of(shuffled(snapshot, seed)) == reference


def test_ties_are_broken_by_vm_key_then_node_name():
    # identical VMs and identical destinations: the first key goes to the first node name
    plan = plan_of(cluster(hotspot()), max_migrations=1)
    assert (plan["moves"][0]["vm"], plan["moves"][0]["to"]) == ("vms/hot-0", "w2")


def test_a_balanced_cluster_gets_no_move():
    layout = dict(("w%d" % i, [vm("vm-%d-%d" % (i, j), cpu_used=1.0 + 0.05 * ((i + j) % 3)) for j in range(6)])
                  for i in range(1, 5))
    plan = plan_of(cluster(layout))
    assert plan["moves"] == []
    assert plan["stop_reason"].startswith("within target: no node above its high threshold; imbalance")


def test_a_huge_vm_that_would_overload_any_other_node_stays():
    layout = {"w1": [vm("huge", cpu_used=20.0, mem_gi=64, cpu_request=24)],
              "w2": [vm("b-%d" % i, cpu_used=2.5) for i in range(4)],
              "w3": [vm("c-%d" % i, cpu_used=2.5) for i in range(4)]}
    plan = plan_of(cluster(layout))
    assert plan["moves"] == []
    assert node_of(plan, "w1")["class_before"] == "over"
    reason = [s for s in plan["skipped"] if s["vm"] == "vms/huge"][0]["reason"]
    assert reason.startswith("no destination accepted it (2 tried): 2 x w2: would push cpu above the high threshold")


def test_min_gain_refuses_moves_that_remove_too_little():
    snapshot = cluster(hotspot())
    accepted = plan_of(snapshot, min_gain=0.1)
    assert accepted["moves"] and all(m["predicted_gain"] >= 0.1 for m in accepted["moves"])
    best_gain = max(m["predicted_gain"] for m in accepted["moves"][:1])
    refused = plan_of(snapshot, min_gain=round(best_gain + 0.3, 2))
    assert refused["moves"] == []
    assert "below min_gain" in [s for s in refused["skipped"] if s["vm"] == "vms/hot-0"][0]["reason"]


def test_max_migrations_caps_the_plan():
    plan = plan_of(cluster(hotspot()), max_migrations=2)
    assert len(plan["moves"]) == 2
    assert plan["stop_reason"] == "max_migrations (2) reached"


def test_kubevirt_limits_spread_the_moves_over_waves_and_count_migrations_in_flight():
    kubevirt = {"spec": {"configuration": {"migrations": {"parallelOutboundMigrationsPerNode": 1,
                                                          "parallelMigrationsPerCluster": 2}}}}
    snapshot = cluster(hotspot({"w3": [vm("moving", cpu_used=0.1)]}), kubevirt=kubevirt)
    moving = [v for v in snapshot["vmis"] if v["metadata"]["name"] == "moving"][0]
    moving["status"]["migrationState"] = {"startTimestamp": "2026-03-01T11:59:00Z", "sourceNode": "w3",
                                          "targetNode": "w2"}
    plan = plan_of(snapshot, max_migrations=3)
    assert [(m["to"], m["wave"]) for m in plan["moves"]] == [("w2", 0), ("w2", 1), ("w3", 2)]
    assert plan["limits"] == {"per_cluster": 2, "per_node": 1, "in_flight": 1}
    assert "vms/moving" in [s["vm"] for s in plan["skipped"]]
    # in wave 0 the stream into w2 shares w2's link with the migration in flight; later ones have the stream ceiling
    assert [m["bandwidth_mib_s"] for m in plan["moves"]] == [round(1250e6 / 2 / 2 ** 20, 1), 953.7, 953.7]


def hot_vm_layout():
    # w1 is busy with VMs that cannot migrate; the one that can dirties 2000 MiB/s
    layout = dict(("w%d" % i, [vm("q-%d-%d" % (i, j), cpu_used=0.5) for j in range(4)]) for i in (2, 3, 4))
    layout["w1"] = [vm("pinned-%d" % j, cpu_used=2.5, migratable=False) for j in range(4)] + [
        vm("hot", cpu_used=3.0, mem_gi=8, dirty_mib=2000.0)]
    return layout


def test_a_hot_vm_that_would_not_converge_is_left_alone():
    plan = plan_of(cluster(hot_vm_layout()))
    assert plan["moves"] == []
    reason = [s for s in plan["skipped"] if s["vm"] == "vms/hot"][0]["reason"]
    assert reason.startswith("no destination accepted it (3 tried): 3 x w2: would not converge (KubeVirt would "
                             "abort it: not completed after 1350 s (completionTimeoutPerGiB); the guest dirties "
                             "2500 MiB/s, the link gives it 954 MiB/s)")


def test_with_auto_converge_the_same_hot_vm_moves():
    kubevirt = {"spec": {"configuration": {"migrations": {"allowAutoConverge": True}}}}
    plan = plan_of(cluster(hot_vm_layout(), kubevirt=kubevirt))
    assert [m["vm"] for m in plan["moves"]] == ["vms/hot"]
    assert plan["moves"][0]["predicted_mode"] == "auto-converge"


def test_a_cooler_vm_is_preferred_over_a_hot_one_of_equal_effect():
    layout = hotspot()
    layout["w1"][0] = vm("hot-0", cpu_used=2.5, dirty_mib=600.0)
    plan = plan_of(cluster(layout), max_migrations=1)
    assert plan["moves"][0]["vm"] == "vms/hot-1"          # same relief, fewer bytes re-sent


def test_a_vm_cooling_down_does_not_move():
    snapshot = cluster(hotspot())
    ended = NOW - datetime.timedelta(minutes=5)
    snapshot["vmims"] = [{"metadata": {"name": "m", "namespace": "vms", "uid": "u1"}, "spec": {"vmiName": "hot-0"},
                          "status": {"phase": "Succeeded", "migrationState": {
                              "startTimestamp": (ended - datetime.timedelta(seconds=40)).strftime(
                                  "%Y-%m-%dT%H:%M:%SZ"),
                              "endTimestamp": ended.strftime("%Y-%m-%dT%H:%M:%SZ")}}}]
    plan = plan_of(snapshot)
    assert "vms/hot-0" not in [m["vm"] for m in plan["moves"]]
    assert [s for s in plan["skipped"] if s["vm"] == "vms/hot-0"][0]["reason"].startswith("cooling down until")


def test_a_node_missing_from_the_metrics_is_neither_source_nor_destination():
    snapshot = cluster(hotspot({"w4": []}), drop={"node_cpu": ["w4"]})
    plan = plan_of(snapshot)
    assert plan["moves"] and all(m["to"] != "w4" for m in plan["moves"])
    assert {"node": "w4", "reason": "no node_cpu sample; left out of balancing"} in plan["excluded_nodes"]
    assert "w4" not in [n["name"] for n in plan["nodes"]]


def test_vms_on_an_unmeasured_node_stay_with_the_reason():
    snapshot = cluster(hotspot(), drop={"node_memory": ["w1"]})
    plan = plan_of(snapshot)
    assert plan["moves"] == []
    assert [s for s in plan["skipped"] if s["vm"] == "vms/hot-0"][0]["reason"] == \
        "its node w1 does not take part: no node_memory sample; left out of balancing"


def test_a_node_in_maintenance_is_not_a_destination():
    nodes = {"w2": node("w2", taints=[{"key": "medik8s.io/drain", "effect": "NoSchedule"}],
                        labels={"remediation.medik8s.io/exclude-from-remediation": "true"})}
    plan = plan_of(cluster(hotspot(), nodes=nodes))
    assert plan["moves"] and all(m["to"] == "w3" for m in plan["moves"])
    assert plan["excluded_nodes"][0]["node"] == "w2"


def test_anti_affinity_keeps_database_replicas_apart():
    layout = hotspot({"w2": [vm("db-2", cpu_used=0.0, labels={"app": "db"})], "w3": [vm("extra", cpu_used=0.3)]})
    layout["w1"][0] = vm("db-1", cpu_used=2.5, labels={"app": "db"})
    free = plan_of(cluster(layout))
    assert (free["moves"][0]["vm"], free["moves"][0]["to"]) == ("vms/db-1", "w2")      # w2 is the idler node
    apart = plan_of(cluster(layout, vm_extra={"db-1": {"affinity": ANTI_DB}}))
    assert [m["to"] for m in apart["moves"] if m["vm"] == "vms/db-1"] == ["w3"]


def test_a_node_without_psi_does_not_fail_the_plan():
    snapshot = cluster(hotspot(), psi={"w1": (0.3, 0.0), "w2": (0.0, 0.0), "w3": (0.0, 0.0)},
                       drop={"node_cpu_pressure": ["w3"]})
    plan = plan_of(snapshot)
    assert plan["moves"]
    assert "node w3: no cpu pressure (PSI) series; its cpu load is utilization only" in plan["notes"]


def returned_from_maintenance():
    layout = dict(("w%d" % i, [vm("vm-%d-%d" % (i, j), cpu_used=2.0, mem_gi=8) for j in range(7)])
                  for i in range(1, 4))
    layout["w4"] = []
    return cluster(layout)


def test_target_imbalance_evens_out_a_skew_no_threshold_flags():
    snapshot = returned_from_maintenance()
    flagged_by_nobody = plan_of(snapshot, thresholds="High", target_imbalance=0)
    assert flagged_by_nobody["moves"] == []
    assert flagged_by_nobody["stop_reason"] == "within target: no node above its high threshold"
    evened = plan_of(snapshot, thresholds="High", target_imbalance=0.05)
    assert evened["moves"] and all(m["to"] == "w4" for m in evened["moves"])


def shared_link_layout(quiet_memory):
    """w1 (64 cores) is busy with VMs that cannot migrate plus two that can: "busy" dirties 50 MiB/s (62 with the
    margin), "quiet" hardly any. Alone on a 125 MB/s link, busy converges; sharing it, it gets 60 MiB/s and not."""
    layout = dict(("w%d" % i, [vm("q-%d-%d" % (i, j), cpu_used=0.5) for j in range(4)]) for i in (2, 3, 4))
    layout["w1"] = [vm("pinned-%d" % j, cpu_used=8, migratable=False) for j in range(3)] + [
        vm("busy", cpu_used=6, mem_gi=8, dirty_mib=50.0), vm("quiet", cpu_used=1.5, mem_gi=quiet_memory)]
    return cluster(layout, nodes=dict((name, node(name, cpu=64)) for name in layout))


def test_a_second_stream_is_refused_when_it_would_stall_a_planned_migration_on_the_same_link():
    snapshot = shared_link_layout(quiet_memory=16)
    slow = plan_of(snapshot, link_bandwidth="125M", stream_bandwidth="0")
    assert [m["vm"] for m in slow["moves"]] == ["vms/busy"]
    assert "w3: would slow the planned migration of vms/busy below convergence" in \
        [s for s in slow["skipped"] if s["vm"] == "vms/quiet"][0]["reason"]
    fast = plan_of(snapshot, link_bandwidth="1250M", stream_bandwidth="0")
    assert [m["vm"] for m in fast["moves"]] == ["vms/busy", "vms/quiet"]
    assert [m["bandwidth_mib_s"] for m in fast["moves"]] == [596.0, 596.0]


def test_a_busy_vm_that_would_share_a_slow_link_is_predicted_not_to_converge():
    # the quiet VM (4 GiB) moves first, being cheaper; the busy one would then get half the link
    slow = plan_of(shared_link_layout(quiet_memory=4), link_bandwidth="125M", stream_bandwidth="0")
    assert [m["vm"] for m in slow["moves"]] == ["vms/quiet"]
    assert "would not converge (KubeVirt would abort it: not completed after 1350 s (completionTimeoutPerGiB); the " \
           "guest dirties 62 MiB/s, the link gives it 60 MiB/s)" in [s for s in slow["skipped"] if s["vm"] == "vms/busy"][0]["reason"]


def test_reaching_the_target_with_the_last_allowed_move_says_so():
    layout = {"w1": [vm("hot-%d" % i, cpu_used=2.5) for i in range(6)], "w2": [vm("c", cpu_used=0.5)]}
    full = plan_of(cluster(layout), target_imbalance=0.1)
    plan = plan_of(cluster(layout), target_imbalance=0.1, max_migrations=len(full["moves"]))
    assert plan["moves"] == full["moves"]
    assert plan["stop_reason"] == full["stop_reason"]
    assert not plan["stop_reason"].startswith("max_migrations")


def test_no_metrics_at_all_plans_nothing_and_says_why_instead_of_failing():
    snapshot = cluster(hotspot())
    snapshot["metrics"] = None
    plan = plan_of(snapshot)
    assert plan["moves"] == [] and plan["nodes"] == []
    assert plan["stop_reason"] == "fewer than two nodes take part in balancing"
    assert [e["reason"] for e in plan["excluded_nodes"]] == \
        ["no node_cpu sample and node_memory sample; left out of balancing"] * 3


def test_near_equal_moves_go_to_the_first_vm_so_a_few_percent_of_drift_keep_the_plan():
    layout = {"w1": [vm("hot-%d" % i, cpu_used=2.5 + 0.01 * ((i * 7) % 5)) for i in range(10)],
              "w2": [vm("cool-%d" % i, cpu_used=0.5) for i in range(5)],
              "w3": [vm("calm-%d" % i, cpu_used=0.5) for i in range(5)]}
    plan = plan_of(cluster(layout), max_migrations=3)
    drifted = copy.deepcopy(layout)
    for index, spec in enumerate(drifted["w1"]):
        spec["cpu_used"] *= 1.0 + 0.02 * ((index * 3) % 4 - 1.5)          # up to 3 %, as a steady guest drifts
    assert [(m["vm"], m["to"]) for m in plan_of(cluster(drifted), max_migrations=3)["moves"]] == \
        [(m["vm"], m["to"]) for m in plan["moves"]]
    assert [m["vm"] for m in plan["moves"]] == ["vms/hot-0", "vms/hot-1", "vms/hot-2"]


def test_migrations_in_flight_count_at_their_target_so_a_later_run_does_not_overshoot():
    snapshot = cluster(hotspot())
    first = plan_of(snapshot, max_migrations=2)
    moving = dict((m["vm"].split("/")[1], m["to"]) for m in first["moves"])
    for vmi in snapshot["vmis"]:
        if vmi["metadata"]["name"] in moving:
            vmi["status"]["migrationState"] = {"startTimestamp": "2026-03-01T11:59:00Z", "sourceNode": "w1",
                                               "targetNode": moving[vmi["metadata"]["name"]]}
    after = plan_of(snapshot)
    alone = plan_of(cluster(hotspot()))
    # the two migrations in flight already relieve w1: the next run plans two moves fewer than a first run would
    assert len(after["moves"]) == len(alone["moves"]) - 2
    assert not set(moving) & set(m["vm"].split("/")[1] for m in after["moves"])
    # "before" is what was measured; "predicted" includes the migrations in flight
    assert after["imbalance"]["before"] == alone["imbalance"]["before"]
    assert after["imbalance"]["predicted"]["combined"]["stddev"] <= alone["imbalance"]["predicted"]["combined"][
        "stddev"] + 0.01
