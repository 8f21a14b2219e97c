# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fencing workflow called in-process, as node_health_check will call it: plain Python builds a Context (a
Cluster, a Timeline as the event sink, a set as the secret sink) and calls fencing.workflow.fence_node against a
lab, its API server and its Redfish BMCs (sushy-emulator). No AnsibleModule anywhere."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import kinds
from ansible_collections.workload.availability.plugins.module_utils.core import nodes
from ansible_collections.workload.availability.plugins.module_utils.core.cluster import Cluster
from ansible_collections.workload.availability.plugins.module_utils.core.errors import AvailabilityError
from ansible_collections.workload.availability.plugins.module_utils.core.timeline import Timeline
from ansible_collections.workload.availability.plugins.module_utils.core.workflow import Context
from ansible_collections.workload.availability.plugins.module_utils.fencing.options import fence_params, input_errors
from ansible_collections.workload.availability.plugins.module_utils.fencing.workflow import fence_node

from lab.testing import running_lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with running_lab(tmp_path_factory.mktemp("fence-in-process")) as started:
        yield started


def context(lab):
    return Context(Cluster({"kubeconfig": lab.kubeconfig_path}, "fence_node"), Timeline(), secrets=set())


def params(**given):
    checked = fence_params(bmc_from="baremetalhost", wait_timeout=300, **given)
    assert input_errors(checked) == []
    return checked


def node_object(lab, name):
    return lab.store.get("nodes", None, name)


def test_a_ready_node_is_refused_before_anything_is_done(lab):
    ctx = context(lab)
    with pytest.raises(AvailabilityError) as failed:
        fence_node(ctx, params(name="worker-0", action="off"))
    assert "is Ready" in failed.value.msg and "force=true" in failed.value.msg
    assert failed.value.result["node"] == "worker-0" and failed.value.result["changed"] is False
    assert failed.value.result["power_state"]["before"] == "On"
    assert ctx.cluster.writes == 0


def test_fence_a_powered_off_node_then_bring_it_back(lab):
    name = "worker-1"
    truth = lab.component("cluster").truth
    vms = truth.vms_on(name)
    assert vms, "the scenario must run VMs on %s" % name
    password = lab.inventory_vars()["lab_bmc_hosts"][name]["bmc_password"]
    lab.fail(name, "power-off")
    lab.wait_for(lambda: not nodes.is_ready(node_object(lab, name)), 120)

    ctx = context(lab)
    fenced = fence_node(ctx, params(name=name, action="off"))
    assert fenced.changed and fenced.result["verified"]
    assert fenced.result["power_state"] == {"before": "Off", "after": "Off"}
    assert medik8s.OUT_OF_SERVICE_TAINT in [dict(t) for t in fenced.result["taints_applied"]]
    assert sorted("%s/%s" % (v["namespace"], v["name"]) for v in fenced.result["vms_restarted"]) == sorted(vms)
    assert all(truth.running_on(vm) and name not in truth.running_on(vm) for vm in vms)
    assert truth.counters()["split_brain"] == 0
    assert fenced.result["lease"] == {"holder": medik8s.FENCE_PARKED_HOLDER, "state": "parked", "seconds": 3600}
    # the secret sink got the BMC password; nothing the caller gets back carries it
    assert password in ctx.secrets
    assert password not in json.dumps(fenced.result) and password not in json.dumps(ctx.event.entries())
    # the event sink saw the decision steps in order
    events = [e["event"] for e in ctx.event.entries()]
    steps = ["baremetalhost_found", "bmc_selected", "power_state_read", "planned", "lease_acquired",
             "remediation_taints_applied", "pods_gone"]
    assert [e for e in events if e in steps + ["vm_running_elsewhere", "lease_parked"]] == \
        steps + ["vm_running_elsewhere"] * len(vms) + ["lease_parked"]

    back = fence_node(ctx, params(name=name, action="on"))
    assert back.changed and back.result["lease"] == {"holder": None, "state": "released"}
    current = node_object(lab, name)
    assert nodes.is_ready(current)
    assert not nodes.has_taint(current, medik8s.OUT_OF_SERVICE_TAINT)
    assert not nodes.has_taint(current, medik8s.FENCE_TAINT)
    assert ctx.cluster.get(kinds.LEASE, medik8s.lease_name(name), namespace=medik8s.LEASE_NAMESPACE) is None
