"""mode=operator against the lab with the NodeMaintenance CRD installed through the lab's OLM (a Subscription to
node-maintenance-operator). The lab has no NMO runtime, so these tests prove what the module does on its side:
it creates the right CR, follows its status (the test writes the status NMO would write), times out clearly when
nothing reconciles the CR, and deletes the CR to end maintenance. It does not prove NMO's own drain."""
import time

import pytest

from nm_helpers import node, node_state, run_module
from playbook_runner import read_result

NM_KEY = "nodemaintenances.nodemaintenance.medik8s.io"

pytestmark = pytest.mark.lab(components=["olm"])


def install_nmo(lab):
    lab.store.create("subscriptions.operators.coreos.com", {
        "apiVersion": "operators.coreos.com/v1alpha1", "kind": "Subscription",
        "metadata": {"name": "node-maintenance-operator", "namespace": "openshift-operators"},
        "spec": {"channel": "stable", "name": "node-maintenance-operator", "source": "redhat-operators",
                 "sourceNamespace": "openshift-marketplace", "installPlanApproval": "Automatic"}})
    lab.wait_for(lambda: lab.registry.find("nodemaintenance.medik8s.io", "v1beta1", "nodemaintenances") is not None,
                 timeout=30)


def setup_nodes(lab):
    for name in ("w1", "w2", "w3"):
        lab.store.create("nodes", node(name))


def status_writer(status):
    def write(obj):
        obj["status"] = dict(status)
        return obj
    return write


def maintenances(lab):
    return lab.store.list(NM_KEY)[0]


def test_operator_mode_creates_the_cr_and_times_out_clearly_without_a_runtime(lab):
    setup_nodes(lab)
    install_nmo(lab)
    result = run_module(lab, {"name": "w1", "mode": "operator", "reason": "kernel update", "timeout": 3})
    assert result["failed"] and result["mode"] == "operator"
    assert "did not succeed within timeout=3s" in result["msg"]
    assert "no node-maintenance-operator is reconciling it" in result["msg"]
    crs = maintenances(lab)
    assert len(crs) == 1
    assert crs[0]["spec"] == {"nodeName": "w1", "reason": "kernel update"}
    assert crs[0]["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "workload.availability"
    assert not node_state(lab, "w1")["unschedulable"]   # the operator, not we, cordons in this mode

    rerun = run_module(lab, {"name": "w1", "mode": "auto", "timeout": 1})
    assert rerun["mode"] == "operator" and len(maintenances(lab)) == 1   # auto continues with our CR, no second one

    ended = run_module(lab, {"name": "w1", "state": "absent", "mode": "operator"})
    assert ended["changed"] and not ended.get("failed"), ended["msg"]
    assert maintenances(lab) == []


def test_operator_mode_follows_the_status_to_success(lab):
    setup_nodes(lab)
    install_nmo(lab)
    watchers = lab.store.watcher_count()
    proc, result_file = run_module(lab, {"name": "w2", "mode": "auto", "timeout": 60}, background=True)
    lab.wait_for(lambda: len(maintenances(lab)) == 1, timeout=60)
    name = maintenances(lab)[0]["metadata"]["name"]
    lab.wait_for(lambda: lab.store.watcher_count() > watchers, timeout=60)   # the module follows the CR now
    for status in ({"phase": "Running", "drainProgress": 40, "pendingPods": ["default/db-0"],
                    "lastError": "Cannot evict pod as it would violate the pod's disruption budget."},
                   {"phase": "Succeeded", "drainProgress": 100, "pendingPods": []}):
        lab.store.mutate(NM_KEY, None, name, status_writer(status), subresource="status")
        time.sleep(0.2)   # two separate watch events
    output = proc.communicate(timeout=120)[0]
    result = read_result(result_file, output.decode())
    assert not result.get("failed"), result["msg"]
    assert result["changed"] and result["mode"] == "operator" and result["phase"] == "Succeeded"
    assert result["drain_progress"] == 100
    phases = [e.get("phase") for e in result["timeline"] if e["event"] == "NodeMaintenance status"]
    assert "Running" in phases and phases[-1] == "Succeeded"


def test_operator_mode_without_the_crd_fails_before_anything(lab):
    setup_nodes(lab)
    result = run_module(lab, {"name": "w1", "mode": "operator"})
    assert result["failed"] and "install node-maintenance-operator" in result["msg"]
    assert not node_state(lab, "w1")["unschedulable"]
