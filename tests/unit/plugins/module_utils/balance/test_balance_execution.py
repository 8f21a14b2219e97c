# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure parts of running a plan: migration bodies, starts within KubeVirt's limits, outcomes, the history
record, and the module result with predicted against observed load."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.workload.availability.plugins.module_utils.balance import cooldown
from ansible_collections.workload.availability.plugins.module_utils.balance import execution
from ansible_collections.workload.availability.plugins.module_utils.balance import planner
from ansible_collections.workload.availability.plugins.module_utils.balance import results

import builders
from balance_snapshot import NOW, cluster, settings, vm


def move(name, source, target, hostname=None):
    return {"vm": "vms/" + name, "namespace": "vms", "name": name, "from": source, "to": target,
            "node_selector": {"kubernetes.io/hostname": hostname or target}}


def test_the_migration_pins_the_planned_node_and_carries_the_run():
    body = execution.migration_body(move("db-1", "w1", "w2", hostname="w2.example"), "run-1")
    assert body["spec"] == {"vmiName": "db-1", "addedNodeSelector": {"kubernetes.io/hostname": "w2.example"}}
    assert body["metadata"]["generateName"] == "rebalance-db-1-"
    assert body["metadata"]["labels"] == {execution.RUN_LABEL: "run-1",
                                          "app.kubernetes.io/managed-by": "workload.availability"}


def test_a_move_no_longer_applies_when_the_vm_changed_since_the_plan():
    planned = move("a", "w1", "w2")
    assert execution.refusal(planned, builders.vmi("a", node="w1")) is None
    assert execution.refusal(planned, None) == "the VMI no longer exists"
    assert execution.refusal(planned, builders.vmi("a", node="w3")) == "the VMI left w1 for w3 meanwhile"
    assert execution.refusal(planned, builders.vmi("a", node="w1", phase="Succeeded")) == \
        "the VMI is no longer Running (phase Succeeded)"
    assert execution.refusal(planned, builders.vmi("a", node="w1", migrating=True)).startswith("migration in flight")


def test_moves_start_in_plan_order_within_both_limits_counting_migrations_of_others():
    limits = {"per_cluster": 3, "per_node": 2}
    pending = [move("a", "w1", "w4"), move("b", "w1", "w5"), move("c", "w1", "w6"), move("d", "w2", "w4"),
               move("e", "w3", "w5")]
    assert [m["name"] for m in execution.startable(pending, limits, [])] == ["a", "b", "d"]
    # a migration of someone else leaves w1: one slot left there, and one in the cluster
    assert [m["name"] for m in execution.startable(pending, limits, ["w1"])] == ["a", "d"]
    assert execution.startable(pending, limits, ["w7", "w8", "w9"]) == []


def test_outcomes_name_kubevirts_reason():
    vmi = builders.vmi("a", node="w2")
    assert execution.outcome(builders.vmim("m", "a", phase="Running"), vmi) is None
    assert execution.outcome(builders.vmim("m", "a", phase="Succeeded"), vmi) == \
        {"status": "Succeeded", "reason": None, "node": "w2"}
    failed = builders.vmim("m", "a", phase="Failed", failure="Live migration is not completed after 750 seconds")
    assert execution.outcome(failed, builders.vmi("a", node="w1")) == {
        "status": "Failed", "reason": "Live migration is not completed after 750 seconds", "node": "w1"}
    assert execution.outcome(None, vmi)["reason"] == "its migration was deleted by someone else"


def test_a_failed_migration_cools_its_vm_down_twice_as_long():
    vmim = builders.vmim("m", "a", phase="Failed")
    vmim["metadata"]["uid"] = "u-1"
    started = NOW - datetime.timedelta(seconds=100)
    entry = execution.history_entry(vmim, started, NOW, failed=True)
    assert entry == {"id": "u-1", "start": started, "end": NOW, "failed": True}
    vmi = builders.vmi("a", annotations={cooldown.HISTORY_ANNOTATION: cooldown.history_annotation(
        builders.vmi("a"), entry, NOW)})
    failed = cooldown.cooldown(cooldown.merged_history(vmi, [], NOW), NOW)
    succeeded = cooldown.cooldown([dict(entry, failed=False)], NOW)
    assert failed["wait_seconds"] == 2 * succeeded["wait_seconds"] == 2 * 1800


def plan_and_result():
    layout = {"w1": [vm("hot-%d" % i, cpu_used=2.5) for i in range(10)],
              "w2": [vm("cool-%d" % i, cpu_used=0.5) for i in range(5)],
              "w3": [vm("calm-%d" % i, cpu_used=0.5) for i in range(5)]}
    plan = planner.plan_rebalance(cluster(layout), settings(max_migrations=2))
    return plan, results.new_result(plan)


def test_the_check_mode_result_is_the_plan_with_nothing_measured_yet():
    plan, result = plan_and_result()
    assert [m["vm"] for m in result["moves"]] == [m["vm"] for m in plan["moves"]]
    assert result["imbalance"]["after"] is None and all(node["after"] is None for node in result["nodes"])
    assert results.observed_view(result) is None
    assert results.summary(result, check_mode=True).startswith("check mode: 2 VM(s) would move, imbalance")


def test_outcomes_and_the_measured_load_join_the_plan():
    plan, result = plan_and_result()
    first, second = [m["vm"] for m in plan["moves"]]
    results.record_outcomes(result, {first: {"status": "Succeeded", "reason": None, "seconds": 41.0, "node": "w2"}})
    assert result["moves"][1]["status"] == "Skipped" and result["moves"][1]["reason"] == "not started"
    observed = {"nodes": dict((n["name"], dict(n["predicted"], combined=n["predicted"]["combined"] + 0.02))
                              for n in plan["nodes"]),
                "imbalance": plan["imbalance"]["predicted"], "notes": ["node w3: no cpu pressure"]}
    results.record_observed(result, observed)
    assert result["prediction_error"] == {"nodes": 3, "mean_abs_combined": 0.02, "max_abs_combined": 0.02}
    assert results.observed_view(result)["nodes"]["w1"]["combined"] == observed["nodes"]["w1"]["combined"]
    assert "node w3: no cpu pressure" in result["notes"]
    assert results.summary(result, check_mode=False) == (
        "1 of 2 planned migration(s) succeeded (1 skipped); imbalance %.3f -> %.3f predicted -> %.3f measured" % (
            plan["imbalance"]["before"]["combined"]["stddev"], plan["imbalance"]["predicted"]["combined"]["stddev"],
            plan["imbalance"]["predicted"]["combined"]["stddev"]))


def test_metrics_unreadable_afterwards_is_a_note_not_a_failure():
    _plan, result = plan_and_result()
    results.record_observed(result, {"error": "Prometheus at http://p did not answer"})
    assert result["imbalance"]["after"] is None
    assert result["notes"][-1] == "the load after the moves could not be measured: Prometheus at http://p did not " \
                                  "answer"


def test_a_cluster_within_target_says_why_nothing_moves():
    layout = dict(("w%d" % i, [vm("v-%d-%d" % (i, j), cpu_used=1.0) for j in range(4)]) for i in range(1, 4))
    result = results.new_result(planner.plan_rebalance(cluster(layout), settings()))
    assert result["moves"] == []
    assert results.summary(result, check_mode=False) == \
        "no VM to move: within target: no node above its high threshold; imbalance 0.000 <= target_imbalance 0.030"
