# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.workload.availability.plugins.module_utils.balance import eligibility
from ansible_collections.workload.availability.plugins.module_utils.balance import vm_query

from balance_snapshot import NOW, launcher_pod, node, settings, vmi

SETTINGS = settings()


def refusal(vmi_obj, pod=None, options=None, strategy=None, active=()):
    return eligibility.vmi_refusal(vmi_obj, pod, options or SETTINGS, strategy, active)


def test_a_plain_running_migratable_vmi_may_move():
    assert refusal(vmi("a", "w1")) is None


@pytest.mark.parametrize("vmi_obj, reason", [
    (vmi("a", "w1", phase="Scheduled"), "not Running (phase Scheduled)"),
    (vmi("a", "w1", migratable=False), "not live-migratable (DisksNotLiveMigratable)"),
    (vmi("a", "w1", strategy="None"), "eviction strategy None does not live-migrate"),
    (vmi("a", "w1", strategy="External"), "eviction strategy External does not live-migrate"),
    (vmi("a", "w1", namespace="openshift-cnv"), "namespace openshift-cnv is excluded (openshift-*)"),
    (vmi("a", "w1", namespace="kube-system"), "namespace kube-system is excluded (kube-*)"),
    (vmi("a", "w1", namespace="hypershift"), "namespace hypershift is excluded (hypershift)"),
    (vmi("a", "w1", annotations={"descheduler.alpha.kubernetes.io/prefer-no-eviction": ""}),
     "annotated descheduler.alpha.kubernetes.io/prefer-no-eviction"),
    (vmi("a", "w1", migration_state={"startTimestamp": "2026-03-01T11:59:00Z"}),
     "migration in flight (started 2026-03-01T11:59:00Z)"),
])
def test_vmi_refusals(vmi_obj, reason):
    assert refusal(vmi_obj) == reason


def test_live_migrate_if_possible_moves_and_the_cluster_default_applies():
    assert refusal(vmi("a", "w1", strategy="LiveMigrateIfPossible")) is None
    assert refusal(vmi("a", "w1", strategy=None), strategy="LiveMigrate") is None
    assert refusal(vmi("a", "w1", strategy=None)) == "eviction strategy None does not live-migrate"


def test_an_unfinished_vmim_and_an_evacuation_count_as_in_flight():
    assert refusal(vmi("a", "w1"), active={"vms/a"}) == "a VirtualMachineInstanceMigration for it is not finished"
    evacuating = vmi("a", "w1")
    evacuating["status"]["evacuationNodeName"] = "w1"
    assert refusal(evacuating) == "evacuation of node w1 in progress"
    active = eligibility.vmis_with_active_migration([
        {"metadata": {"namespace": "vms"}, "spec": {"vmiName": "a"}, "status": {"phase": "Pending"}},
        {"metadata": {"namespace": "vms"}, "spec": {"vmiName": "b"}, "status": {"phase": "Succeeded"}}])
    assert active == {"vms/a"}


def test_prefer_no_eviction_on_the_launcher_pod_counts():
    vmi_obj = vmi("a", "w1")
    pod = launcher_pod(vmi_obj)
    pod["metadata"]["annotations"] = {"descheduler.alpha.kubernetes.io/prefer-no-eviction": "true"}
    assert refusal(vmi_obj, pod) == "annotated descheduler.alpha.kubernetes.io/prefer-no-eviction"


def test_user_exclusions_add_to_the_protected_namespaces():
    options = settings(exclude_namespaces=["legacy-*"])
    assert refusal(vmi("a", "w1", namespace="legacy-erp"), options=options) == \
        "namespace legacy-erp is excluded (legacy-*)"
    assert refusal(vmi("a", "w1", namespace="openshift-x"), options=options).startswith("namespace openshift-x")


def test_label_selectors_must_all_match():
    options = settings(label_selectors=["tier in (web,app)", "!pinned"])
    assert refusal(vmi("a", "w1", labels={"tier": "web"}), options=options) is None
    assert refusal(vmi("a", "w1", labels={"tier": "db"}), options=options) == \
        "labels do not match tier in (web,app)"
    assert refusal(vmi("a", "w1", labels={"tier": "web", "pinned": "1"}), options=options) == \
        "labels do not match !pinned"


def test_vm_query_selects_by_jmespath():
    options = settings(vm_query="metadata.labels.tier != 'db'")
    assert refusal(vmi("a", "w1", labels={"tier": "web"}), options=options) is None
    assert refusal(vmi("a", "w1", labels={"tier": "db"}), options=options) == \
        "not selected by vm_query \"metadata.labels.tier != 'db'\""


def test_vm_query_errors_carry_the_expression():
    with pytest.raises(ValueError) as error:
        settings(vm_query="metadata.labels.[tier")
    assert "vm_query 'metadata.labels.[tier' is not a valid JMESPath expression" in str(error.value)
    failing = settings(vm_query="length(metadata.labels.tier) > `3`")
    reason = refusal(vmi("a", "w1", labels={}), options=failing)
    assert reason.startswith("vm_query 'length(metadata.labels.tier) > `3`' failed on this VMI: ")


def test_vm_query_truth_follows_jmespath_zero_is_true():
    query = vm_query.compile_query("spec.count")
    assert vm_query.evaluate(query, {"spec": {"count": 0}}) == (True, None)
    assert vm_query.evaluate(query, {"spec": {"count": []}}) == (False, None)
    assert vm_query.evaluate(query, {"spec": {}}) == (False, None)


def lease(node_name, holder, renewed_minutes_ago, duration=3600):
    renewed = NOW - datetime.timedelta(minutes=renewed_minutes_ago)
    return {"metadata": {"name": "node-" + node_name, "namespace": "medik8s-leases"},
            "spec": {"holderIdentity": holder, "renewTime": renewed.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                     "leaseDurationSeconds": duration}}


def test_nodes_in_maintenance_remediation_or_held_are_left_out():
    nodes = [node("ok"), node("cordoned", unschedulable=True), node("down", ready=False),
             node("gpu", labels={"kubevirt.io/schedulable": "false"}),
             node("nmo", labels={"remediation.medik8s.io/exclude-from-remediation": "true"}),
             node("far", taints=[{"key": "remediation.medik8s.io/fence-agents-remediation", "effect": "NoSchedule"}]),
             node("snr", taints=[{"key": "remediation.medik8s.io/self-node-remediation", "effect": "NoSchedule"}]),
             node("oos", taints=[{"key": "node.kubernetes.io/out-of-service", "value": "nodeshutdown",
                                  "effect": "NoExecute"}]),
             node("leased"), node("expired")]
    leases = [lease("leased", "NodeHealthCheck-nhc", 5), lease("expired", "node-maintenance", 120)]
    selected, excluded = eligibility.select_nodes(nodes, SETTINGS["node_selector"], leases, NOW)
    assert selected == ["expired", "ok"]
    assert excluded["cordoned"] == "cordoned (unschedulable)"
    assert excluded["down"] == "not Ready"
    assert excluded["gpu"] == "does not match node_selector kubevirt.io/schedulable=true"
    assert excluded["nmo"].startswith("in maintenance")
    assert excluded["far"] == "being remediated or fenced (taint remediation.medik8s.io/fence-agents-remediation:" \
                              "NoSchedule)"
    assert excluded["snr"].startswith("being remediated or fenced")
    assert excluded["oos"].startswith("being remediated or fenced (taint node.kubernetes.io/out-of-service")
    assert excluded["leased"] == "node lease medik8s-leases/node-leased held by NodeHealthCheck-nhc"


def test_bad_label_selector_names_the_option():
    with pytest.raises(ValueError) as error:
        settings(label_selectors=["app=x", "tier in db"])
    assert str(error.value).startswith("label_selectors: invalid label key in selector 'tier in db' (use key=value")
