"""node_maintenance against the lab's API server alone (no kubelets, scheduler or KubeVirt): pre-flight, check
mode, marks, lease, evictions (grace 0, so no kubelet is needed to finish them), idempotence, ending maintenance.
Nodes and pods are created directly in the lab's store; the module talks to the lab over HTTP."""
import datetime
import os

import pytest

from nm_helpers import lease, node, node_state, pod, run_module
from playbook_runner import ROOT, run_playbook

DRAIN = {"key": "medik8s.io/drain", "effect": "NoSchedule"}
UNSCHED = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
FOREIGN = {"key": "example.com/dedicated", "value": "gpu", "effect": "PreferNoSchedule"}
EXCLUDE = "remediation.medik8s.io/exclude-from-remediation"
GRACE0 = {"terminate_grace_period": 0}

pytestmark = pytest.mark.lab(components=[])


def three_workers(lab, **w1):
    lab.store.create("nodes", node("w1", **w1))
    lab.store.create("nodes", node("w2"))
    lab.store.create("nodes", node("w3"))


def pods_on(lab, name):
    return sorted(p["metadata"]["name"] for p in lab.store.list("pods", field_selector="spec.nodeName=" + name)[0])


def test_full_cycle_marks_lease_idempotence_and_end(lab):
    three_workers(lab, taints=[FOREIGN])
    for i in range(3):
        lab.store.create("pods", pod("web-%d" % i, "w1"))
    lab.store.create("pods", pod("ds", "w1", owner="DaemonSet"))

    result = run_module(lab, {"name": "w1", "reason": "BIOS update", "requested_by": "alice",
                              "delete_options": GRACE0})
    assert not result.get("failed"), result["msg"]
    assert "skipped" not in result          # Ansible would report the task as skipped
    assert result["changed"] and result["phase"] == "Succeeded" and result["drain_progress"] == 100
    assert sorted(e["name"] for e in result["evicted"]) == ["web-0", "web-1", "web-2"]
    assert [e["name"] for e in result["left_on_node"]] == ["ds"]
    assert pods_on(lab, "w1") == ["ds"]
    state = node_state(lab, "w1")
    assert state["unschedulable"] and FOREIGN in state["taints"] and DRAIN in state["taints"]
    assert UNSCHED in state["taints"] and state["labels"][EXCLUDE] == "true"
    assert state["annotations"]["workload.availability/maintenance-reason"] == "BIOS update"
    assert state["annotations"]["workload.availability/maintenance-by"] == "alice"
    assert lease(lab, "w1")["spec"]["holderIdentity"] == "node-maintenance"
    assert result["diff"]["before"]["unschedulable"] is False and result["diff"]["after"]["unschedulable"] is True
    assert result["api_requests"] > 0 and result["timeline"]

    rerun = run_module(lab, {"name": "w1", "reason": "BIOS update", "delete_options": GRACE0})
    assert not rerun.get("failed") and rerun["changed"] is False, rerun["msg"]
    assert "already in maintenance" in rerun["msg"]

    ended = run_module(lab, {"name": "w1", "state": "absent"})
    assert ended["changed"] and not ended.get("failed"), ended["msg"]
    state = node_state(lab, "w1")
    assert not state["unschedulable"] and state["taints"] == [FOREIGN] and EXCLUDE not in state["labels"]
    assert not any(k.startswith("workload.availability/") for k in state["annotations"])
    assert lease(lab, "w1") is None
    again = run_module(lab, {"name": "w1", "state": "absent"})
    assert again["changed"] is False and not again.get("failed")


def test_check_mode_returns_the_plan_and_changes_nothing(lab):
    three_workers(lab)
    lab.store.create("pods", pod("web", "w1"))
    lab.store.create("pods", pod("cache", "w1", emptydir=True))
    before = node_state(lab, "w1")
    result = run_module(lab, {"name": "w1", "delete_options": {"delete_emptydir_data": True}}, check=True)
    assert not result.get("failed"), result["msg"]
    assert result["changed"] and result["phase"] == "Planned"
    assert sorted(e["name"] for e in result["plan"]["evict"]) == ["cache", "web"]
    assert result["preflight"]["capacity"]["ok"] and len(result["preflight"]["capacity"]["table"]) == 2
    assert result["diff"]["after"]["unschedulable"] is True
    assert node_state(lab, "w1") == before and pods_on(lab, "w1") == ["cache", "web"] and lease(lab, "w1") is None


@pytest.mark.parametrize("bad_pod,option", [
    (pod("bare", "w1", owner=None), "force=true"),
    (pod("cache", "w1", emptydir=True), "delete_emptydir_data=true"),
])
def test_blocking_pods_fail_before_anything_changes(lab, bad_pod, option):
    three_workers(lab)
    lab.store.create("pods", bad_pod)
    result = run_module(lab, {"name": "w1"})
    assert result["failed"] and option in result["msg"] and "nothing was changed" in result["msg"]
    assert not node_state(lab, "w1")["unschedulable"] and lease(lab, "w1") is None


def test_remediation_lease_refuses_and_names_the_holder(lab):
    three_workers(lab)
    lab.store.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "medik8s-leases"}})
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    lab.store.create("leases.coordination.k8s.io", {
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": "node-w1", "namespace": "medik8s-leases"},
        "spec": {"holderIdentity": "NodeHealthCheck-nhc-workers", "leaseDurationSeconds": 660,
                 "acquireTime": now, "renewTime": now}})
    result = run_module(lab, {"name": "w1"})
    assert result["failed"] and "NodeHealthCheck-nhc-workers" in result["msg"]
    assert result["lease_holder"] == "NodeHealthCheck-nhc-workers"
    assert not node_state(lab, "w1")["unschedulable"]


def test_capacity_preflight_fails_with_a_table(lab):
    lab.store.create("nodes", node("w1"))
    lab.store.create("nodes", node("w2", memory="2Gi"))
    lab.store.create("pods", pod("big", "w1", memory="4Gi"))
    result = run_module(lab, {"name": "w1"})
    assert result["failed"] and "cannot take default/big" in result["msg"] and "w2" in result["msg"]
    assert result["preflight"]["capacity"]["ok"] is False
    assert not node_state(lab, "w1")["unschedulable"]


def test_control_plane_refused_when_etcd_would_lose_quorum(lab):
    lab.store.create("nodes", node("m1", role="control-plane"))
    lab.store.create("nodes", node("m2", role="control-plane"))
    lab.store.create("nodes", node("m3", role="control-plane", ready=False))
    lab.store.create("nodes", node("w1"))
    result = run_module(lab, {"name": "m1"})
    assert result["failed"] and "quorum" in result["msg"]
    assert not node_state(lab, "m1")["unschedulable"]


def test_unknown_node_and_bad_input(lab):
    three_workers(lab)
    missing = run_module(lab, {"name": "nope"})
    assert missing["failed"] and "node nope not found" in missing["msg"]
    bad = run_module(lab, {"name": "w1", "pod_selectors": ["a=b,,c"]})
    assert bad["failed"] and bad["msg"].startswith("pod_selectors")
    assert not node_state(lab, "w1")["unschedulable"]


def test_pod_selectors_drain_only_matching_pods(lab):
    three_workers(lab)
    lab.store.create("pods", pod("web", "w1", labels={"app": "web"}))
    lab.store.create("pods", pod("db", "w1", labels={"app": "db"}))
    result = run_module(lab, {"name": "w1", "pod_selectors": ["app=web"], "delete_options": GRACE0})
    assert not result.get("failed"), result["msg"]
    assert [e["name"] for e in result["evicted"]] == ["web"]
    assert pods_on(lab, "w1") == ["db"]
    assert result["left_on_node"][0]["reason"] == "not matched by pod_selectors"


def set_faults(lab, rules):
    import json
    import urllib.request
    request = urllib.request.Request(lab.url + "/lab/v1/faults", method="PUT",
                                     data=json.dumps({"rules": rules, "seed": 1}).encode(),
                                     headers={"Authorization": "Bearer " + lab.token,
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status in (200, 201)


def test_throttling_and_conflicts_are_not_failures(lab):
    three_workers(lab)
    for i in range(4):
        lab.store.create("pods", pod("web-%d" % i, "w1"))
    # every third list, patch and eviction answered 429 (Retry-After 1) or 409: retried, never a failure
    set_faults(lab, [{"verb": "list", "resource": "pods", "rate": 0.3, "error": 429, "retry_after": 1},
                     {"verb": "patch", "resource": "nodes", "rate": 0.5, "error": 409, "count": 2},
                     {"verb": "create", "resource": "pods/eviction", "rate": 0.3, "error": 429, "retry_after": 1}])
    result = run_module(lab, {"name": "w1", "delete_options": GRACE0, "timeout": 120})
    fired = [rule["fired"] for rule in lab.server.faults.describe()["rules"]]
    set_faults(lab, [])
    assert all(count > 0 for count in fired), fired      # each kind of refusal really happened
    assert not result.get("failed"), result["msg"]
    assert result["phase"] == "Succeeded" and pods_on(lab, "w1") == []
    assert node_state(lab, "w1")["unschedulable"]


def test_maintenance_playbook_on_and_off(lab):
    three_workers(lab)
    lab.store.create("pods", pod("web", "w1", owner=None))
    playbook = os.path.join(ROOT, "playbooks", "maintenance.yml")
    refused = run_playbook(lab, playbook, {"node": "w1"})
    assert refused.returncode != 0 and "set force=true" in refused.stdout
    lab.store.delete("pods", "default", "web", grace_period_seconds=0)
    on = run_playbook(lab, playbook, {"node": "w1", "state": "present", "reason": "disk swap"})
    assert on.returncode == 0, on.stdout[-2000:]
    assert "node w1 is in maintenance" in on.stdout
    assert node_state(lab, "w1")["annotations"]["workload.availability/maintenance-reason"] == "disk swap"
    off = run_playbook(lab, playbook, {"node": "w1", "state": "absent"})
    assert off.returncode == 0 and "maintenance of node w1 ended" in off.stdout
    assert not node_state(lab, "w1")["unschedulable"]
    missing = run_playbook(lab, playbook)
    assert missing.returncode != 0 and "pass the node and the state" in missing.stdout
