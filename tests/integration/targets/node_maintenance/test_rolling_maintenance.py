"""playbooks/rolling_maintenance.yml on the full lab: nodes one at a time through maintenance on, the per-node work
(the default: a wait without BMC variables, a power-cycle through the node's BMC with the lab's inventory), Ready,
maintenance off and the settle wait; the roll stops at the first failure with a message naming the node, and the
nodes after it are not touched."""
import os

import pytest

from nm_helpers import lease, node_state
from playbook_runner import ROOT, run_playbook

VMI_KEY = "virtualmachineinstances.kubevirt.io"
PLAYBOOK = os.path.join(ROOT, "playbooks", "rolling_maintenance.yml")

pytestmark = pytest.mark.lab(components=["cluster", "kubevirt"], seed=5)


def roll(lab, nodes, inventory=None, **extra):
    variables = dict({"nodes": nodes, "node_work_seconds": 1, "settle_timeout": 120}, **extra)
    return run_playbook(lab, PLAYBOOK, variables, inventory=inventory, timeout=900)


def maintenance_events(lab, node_name):
    events = [e for e in lab.store.list("events")[0] if e["involvedObject"].get("name") == node_name
              and e["reason"].startswith("Maintenance") and e["reason"] != "MaintenanceDrained"]
    return [e["reason"] for e in sorted(events, key=lambda e: int(e["metadata"]["resourceVersion"]))]


def not_migratable_nodes(lab):
    lab.wait_for(lambda: all((v.get("status") or {}).get("phase") == "Running"
                             for v in lab.store.list(VMI_KEY)[0]), timeout=60)
    return set(v["status"]["nodeName"] for v in lab.store.list(VMI_KEY)[0]
               if any(c["type"] == "LiveMigratable" and c["status"] != "True" for c in v["status"]["conditions"]))


def test_roll_over_two_workers_then_stop_at_the_first_failure(lab):
    blocked = not_migratable_nodes(lab)
    workers = ["worker-0", "worker-1", "worker-2"]
    clean = [w for w in workers if w not in blocked]
    assert clean and blocked, "the scenario must have workers with and without non-migratable VMs"
    done = roll(lab, clean)
    assert done.returncode == 0, done.stdout[-3000:]
    assert all(not node_state(lab, w)["unschedulable"] for w in workers)
    assert [maintenance_events(lab, w) for w in clean] == [["MaintenanceStarted", "MaintenanceEnded"]] * len(clean)

    failing = sorted(blocked)[0]
    after = [w for w in workers if w != failing][0]
    stopped = roll(lab, [failing, after])
    assert stopped.returncode != 0
    assert "rolling maintenance stopped at node %s" % failing in stopped.stdout
    assert "not live-migratable" in stopped.stdout
    assert maintenance_events(lab, after) == ["MaintenanceStarted", "MaintenanceEnded"]   # only the first roll
    assert maintenance_events(lab, failing) == []
    assert not node_state(lab, failing)["unschedulable"]   # refused in pre-flight: nothing was changed


def boot_id(lab, node_name):
    return lab.store.get("nodes", None, node_name)["status"]["nodeInfo"]["bootID"]


def node_events(lab, node_name, reason):
    return [e for e in lab.store.list("events")[0]
            if e["involvedObject"].get("name") == node_name and e["reason"] == reason]


@pytest.mark.lab(components=["cluster", "kubevirt", "bmc"], seed=5, overrides={"bmc_power_delay": "0,1"})
def test_default_work_power_cycles_the_node_through_its_bmc_under_the_maintenance_lease(lab):
    blocked = not_migratable_nodes(lab)
    worker = [w for w in ("worker-0", "worker-1", "worker-2") if w not in blocked][0]
    vmis_before = sorted((v["metadata"]["namespace"], v["metadata"]["name"]) for v in lab.store.list(VMI_KEY)[0])
    assert any(v["status"].get("nodeName") == worker for v in lab.store.list(VMI_KEY)[0]), \
        "the worker must run VMs, so the roll has something to lose"
    boot_before = boot_id(lab, worker)
    machines = lab.component("cluster").machines
    power_changes = []
    token = machines.subscribe(lambda name, change: power_changes.append(change) if name == worker else None)
    try:
        done = roll(lab, [worker], inventory=lab.inventory_path)
    finally:
        machines.unsubscribe(token)
    assert done.returncode == 0, done.stdout[-4000:]
    assert "node %s rebooted" % worker in done.stdout

    # the machine really lost power and booted again, confirmed by its BMC and seen by the cluster
    assert "power_off" in power_changes and "power_on" in power_changes
    assert power_changes.index("power_off") < power_changes.index("power_on")
    assert machines.is_powered(worker)
    assert boot_id(lab, worker) != boot_before
    assert len(node_events(lab, worker, "FencePowerAction")) == 1
    assert "under the node-maintenance lease" in node_events(lab, worker, "FencePowerAction")[0]["message"]

    # the maintenance ended as usual: uncordoned, no maintenance or fence marks, the lease released
    state = node_state(lab, worker)
    assert not state["unschedulable"]
    ours = ("medik8s.io/drain", "node.kubernetes.io/unschedulable", "workload.availability/fence-node",
            "node.kubernetes.io/out-of-service")
    assert not [t for t in state["taints"] if t["key"] in ours]
    assert "remediation.medik8s.io/exclude-from-remediation" not in state["labels"]
    assert lease(lab, worker) is None
    assert maintenance_events(lab, worker) == ["MaintenanceStarted", "MaintenanceEnded"]

    # no VM lost or run twice, every VM Running again
    counters = lab.component("cluster").truth.counters()
    assert (counters["lost"], counters["split_brain"]) == (0, 0)
    lab.wait_for(lambda: all((v.get("status") or {}).get("phase") == "Running"
                             for v in lab.store.list(VMI_KEY)[0]), timeout=60)
    assert sorted((v["metadata"]["namespace"], v["metadata"]["name"])
                  for v in lab.store.list(VMI_KEY)[0]) == vmis_before


REFUSED_WORK = """---
- name: Fence the node in maintenance with the default remediation
  workload.availability.fence_node:
    name: "{{ inventory_hostname }}"
    action: reboot
    force: true
    bmc_from: options
    bmc:
      address: "{{ lab_bmc_hosts[inventory_hostname].bmc_address }}"
      username: "{{ lab_bmc_hosts[inventory_hostname].bmc_username }}"
      password: "{{ lab_bmc_hosts[inventory_hostname].bmc_password }}"
      systems_uri: "{{ lab_bmc_hosts[inventory_hostname].bmc_systems_uri }}"
  register: refused
  ignore_errors: true

- name: Check that it was refused before any power command
  ansible.builtin.assert:
    that:
      - refused is failed
      - "'remediation=none' in refused.msg"
      - refused.bmc_actions == []
"""


@pytest.mark.lab(components=["cluster", "kubevirt", "bmc"], seed=5, overrides={"bmc_power_delay": "0,1"})
def test_a_forced_fence_with_remediation_taints_is_refused_under_the_maintenance_lease(lab, tmp_path):
    blocked = not_migratable_nodes(lab)
    worker = [w for w in ("worker-2", "worker-1", "worker-0") if w not in blocked][0]
    work = tmp_path / "refused_work.yml"
    work.write_text(REFUSED_WORK)
    machines = lab.component("cluster").machines
    power_changes = []
    token = machines.subscribe(lambda name, change: power_changes.append(change) if name == worker else None)
    try:
        done = roll(lab, [worker], inventory=lab.inventory_path, node_work_tasks=str(work),
                    placement="scheduler")
    finally:
        machines.unsubscribe(token)
    assert done.returncode == 0, done.stdout[-4000:]
    assert "Check that it was refused before any power command" in done.stdout
    assert power_changes == []
    assert node_events(lab, worker, "FencePowerAction") == []
    assert lease(lab, worker) is None and not node_state(lab, worker)["unschedulable"]
