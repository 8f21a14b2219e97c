"""A control-plane node is refused when draining it would break etcd quorum: on the full lab the etcd guard
PodDisruptionBudget in openshift-etcd decides (as NHC and NMO do on OpenShift)."""
import pytest

from nm_helpers import node_state, run_module

PDB_KEY = "poddisruptionbudgets.policy"

pytestmark = pytest.mark.lab(components=["cluster"], vms=0)


def guard_budget(lab):
    return lab.store.get(PDB_KEY, "openshift-etcd", "etcd-guard-pdb")


def test_control_plane_refused_while_another_member_is_down(lab):
    lab.wait_for(lambda: (guard_budget(lab).get("status") or {}).get("disruptionsAllowed") == 1, timeout=60)
    plan = run_module(lab, {"name": "master-0", "delete_options": {"force": True}}, check=True)
    assert plan["preflight"]["etcd"] == "etcd PodDisruptionBudget allows a disruption", plan["msg"]

    lab.fail("master-1", "kubelet-stop")
    lab.wait_for(lambda: (guard_budget(lab).get("status") or {}).get("disruptionsAllowed") == 0, timeout=60)
    result = run_module(lab, {"name": "master-0", "delete_options": {"force": True}})
    assert result["failed"] and "openshift-etcd/etcd-guard-pdb allows no disruption" in result["msg"]
    assert "nothing was changed" in result["msg"]
    assert not node_state(lab, "master-0")["unschedulable"]
