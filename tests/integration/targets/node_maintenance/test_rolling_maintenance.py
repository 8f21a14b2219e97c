"""playbooks/rolling_maintenance.yml on the full lab: nodes one at a time through maintenance on, the per-node work
(the default stand-in wait), Ready, maintenance off and the settle wait; the roll stops at the first failure with
a message naming the node, and the nodes after it are not touched."""
import json
import os
import subprocess

import pytest

from nm_helpers import ROOT, node_state

VMI_KEY = "virtualmachineinstances.kubevirt.io"
PLAYBOOK = os.path.join(ROOT, "playbooks", "rolling_maintenance.yml")

pytestmark = pytest.mark.lab(components=["cluster", "kubevirt"], seed=5)


def roll(lab, nodes, **extra):
    variables = dict({"nodes": nodes, "node_work_seconds": 1, "settle_timeout": 120}, **extra)
    env = dict(os.environ, K8S_AUTH_KUBECONFIG=lab.kubeconfig_path, ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_NOCOLOR="1")
    return subprocess.run([os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), PLAYBOOK, "-e",
                           json.dumps(variables)], env=env, capture_output=True, text=True, timeout=900,
                          check=False)


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
