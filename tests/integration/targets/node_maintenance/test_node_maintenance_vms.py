"""node_maintenance on the full lab (kubelets, scheduler, PDBs, KubeVirt with its migration limits): VMs are
live-migrated without exceeding KubeVirt's limits, PDB refusals are waited out, non-migratable VMs follow
non_migratable, timeouts report what is pending and why, and an interrupted run is finished by the next one.
Ground truth (where each VM really runs) comes from the lab."""
import os
import signal
import threading
import time

import pytest

from nm_helpers import lease, node_state, run_module
from playbook_runner import read_result

VMI_KEY = "virtualmachineinstances.kubevirt.io"
VMIM_KEY = "virtualmachineinstancemigrations.kubevirt.io"
PDB_KEY = "poddisruptionbudgets.policy"

pytestmark = pytest.mark.lab(components=["cluster", "kubevirt"], vms=21, seed=3)


def vmis_on(lab, node_name):
    return sorted(v["metadata"]["name"] for v in lab.store.list(VMI_KEY)[0]
                  if (v.get("status") or {}).get("nodeName") == node_name)


def settle(lab):
    lab.wait_for(lambda: all((v.get("status") or {}).get("phase") == "Running" for v in lab.store.list(VMI_KEY)[0])
                 and len(lab.store.list(VMI_KEY)[0]) == 21, timeout=60)


def busiest_worker(lab, migratable_only=True):
    counts = {}
    for v in lab.store.list(VMI_KEY)[0]:
        conds = dict((c["type"], c["status"]) for c in v["status"].get("conditions", []))
        if migratable_only and conds.get("LiveMigratable") != "True":
            continue
        counts[v["status"]["nodeName"]] = counts.get(v["status"]["nodeName"], 0) + 1
    return max(sorted(counts), key=lambda n: counts[n])


def not_migratable_on(lab, node_name):
    return sorted(v["metadata"]["name"] for v in lab.store.list(VMI_KEY)[0]
                  if v["status"].get("nodeName") == node_name and any(
                      c["type"] == "LiveMigratable" and c["status"] != "True" for c in v["status"]["conditions"]))


class MigrationWatcher:
    """Counts active migrations per source node from the store's events (the lab's own view)."""

    def __init__(self, lab):
        self.lab = lab
        self.max_from = {}
        self.max_total = 0
        self.lock = threading.Lock()
        self.token = lab.store.subscribe(self.on_event)

    def on_event(self, event_type, key, obj, old_obj):
        if key != VMIM_KEY:
            return
        threading.Thread(target=self.count, daemon=True).start()

    def count(self):
        with self.lock:
            active = [m for m in self.lab.store.list(VMIM_KEY)[0]
                      if (m.get("status") or {}).get("phase") not in (None, "Pending", "Succeeded", "Failed")]
            self.max_total = max(self.max_total, len(active))
            per = {}
            for m in active:
                source = ((m.get("status") or {}).get("migrationState") or {}).get("sourceNode")
                per[source] = per.get(source, 0) + 1
            for source, n in per.items():
                self.max_from[source] = max(self.max_from.get(source, 0), n)

    def close(self):
        self.lab.store.unsubscribe(self.token)


def test_drain_migrates_every_vm_within_kubevirt_limits_and_is_idempotent(lab):
    settle(lab)
    worker = busiest_worker(lab)
    policy = "skip" if not_migratable_on(lab, worker) else "fail"
    moving = [v for v in vmis_on(lab, worker) if v not in not_migratable_on(lab, worker)]
    assert len(moving) > 2, "the scenario must put more VMs on one node than KubeVirt's 2 outbound slots"
    plan = run_module(lab, {"name": worker, "placement": "balanced", "non_migratable": policy}, check=True)
    assert not plan.get("failed"), plan["msg"]
    planned = dict((e["name"], e["target"]) for e in plan["plan"]["migrate"])
    assert sorted(planned) == moving and worker not in planned.values()

    watcher = MigrationWatcher(lab)
    result = run_module(lab, {"name": worker, "placement": "balanced", "non_migratable": policy, "timeout": 300,
                              "reason": "firmware"})
    watcher.close()
    assert not result.get("failed"), result["msg"]
    assert result["phase"] == "Succeeded" and result["drain_progress"] == 100
    migrated = dict((e["name"], e["to"]) for e in result["migrated"])
    assert migrated == planned                     # the check-mode plan is the executed plan
    assert all(e["seconds"] > 0 and e["from"] == worker for e in result["migrated"])
    assert result["migration_limits"] == {"per_node": 2, "per_cluster": 5}
    assert watcher.max_from.get(worker, 0) <= 2 and watcher.max_total <= 5
    assert watcher.max_from.get(worker, 0) == 2      # the slots were used in parallel
    assert vmis_on(lab, worker) == not_migratable_on(lab, worker)
    truth = lab.component("cluster").truth.counters()
    assert truth["split_brain"] == 0 and truth["lost"] == 0
    shop = [p for p in lab.store.list("pods", namespace="shop")[0] if p["spec"].get("nodeName") == worker]
    assert shop == []
    assert node_state(lab, worker)["unschedulable"] and lease(lab, worker)["spec"]["holderIdentity"] == \
        "node-maintenance"

    rerun = run_module(lab, {"name": worker, "placement": "balanced", "non_migratable": policy, "reason": "firmware"})
    assert rerun["changed"] is False and not rerun.get("failed"), rerun["msg"]

    ended = run_module(lab, {"name": worker, "state": "absent"})
    assert ended["changed"] and not node_state(lab, worker)["unschedulable"]


def test_non_migratable_vm_fails_before_cordon_or_is_shut_down(lab):
    settle(lab)
    worker = next(n for n in ("worker-0", "worker-1", "worker-2") if not_migratable_on(lab, n))
    stuck = not_migratable_on(lab, worker)
    refused = run_module(lab, {"name": worker})
    assert refused["failed"] and stuck[0] in refused["msg"] and "non_migratable" in refused["msg"]
    assert not node_state(lab, worker)["unschedulable"]

    result = run_module(lab, {"name": worker, "non_migratable": "shutdown", "timeout": 300})
    assert not result.get("failed"), result["msg"]
    assert sorted(e["name"] for e in result["shut_down"]) == stuck
    assert vmis_on(lab, worker) == []


def test_pdb_refusal_is_waited_out_and_timeout_reports_pending(lab):
    settle(lab)
    worker = next(p["spec"]["nodeName"] for p in lab.store.list("pods", namespace="shop")[0]
                  if p["metadata"]["name"].startswith("backend"))
    lab.store.mutate(PDB_KEY, "shop", "backend", lambda pdb: dict(pdb, spec=dict(pdb["spec"], maxUnavailable=0)))
    time.sleep(1)
    timed_out = run_module(lab, {"name": worker, "non_migratable": "skip", "timeout": 8,
                                 "pod_selectors": ["app=backend"]})
    assert timed_out["failed"] and "not drained within timeout=8s" in timed_out["msg"]
    pending = [p for p in timed_out["pending"] if p["kind"] == "Pod"]
    assert pending and all("disruption budget" in p["reason"] for p in pending)
    state = node_state(lab, worker)
    assert state["unschedulable"] and "workload.availability/maintenance-reason" in state["annotations"]

    attempts = []
    # admission hooks on the eviction subresource run before the PDB guard: this one only counts the attempts
    lab.server.admission.register("pods", "CREATE", lambda request: attempts.append(request.name)
                                  if (request.name or "").startswith("backend") else None, subresource="eviction")

    def release():
        # the budget opens only after the next run has been refused at least twice
        lab.wait_for(lambda: len(attempts) >= 2, timeout=60)
        lab.store.mutate(PDB_KEY, "shop", "backend",
                         lambda pdb: dict(pdb, spec=dict(pdb["spec"], maxUnavailable=1)))
    threading.Thread(target=release, daemon=True).start()
    result = run_module(lab, {"name": worker, "non_migratable": "skip", "timeout": 120,
                              "pod_selectors": ["app=backend"]})
    assert not result.get("failed"), result["msg"]
    assert [e["name"] for e in result["evicted"]] and result["phase"] == "Succeeded"
    assert any(e["event"].startswith("eviction refused (429)") for e in result["timeline"]), result["timeline"]


def test_interrupted_drain_is_finished_by_the_next_run(lab):
    settle(lab)
    worker = busiest_worker(lab)
    args = {"name": worker, "non_migratable": "skip", "timeout": 300}
    proc, result_file = run_module(lab, args, background=True)
    lab.wait_for(lambda: any((m["metadata"].get("labels") or {}).get("workload.availability/maintenance-node")
                             == worker for m in lab.store.list(VMIM_KEY)[0]), timeout=60)
    os.killpg(proc.pid, signal.SIGKILL)    # the whole run dies, module process included, as a cancelled job
    proc.wait()
    try:
        read_result(result_file)
    except AssertionError:
        pass
    assert node_state(lab, worker)["unschedulable"]
    assert vmis_on(lab, worker) != not_migratable_on(lab, worker)   # interrupted mid-drain
    result = run_module(lab, args)
    assert not result.get("failed"), result["msg"]
    assert result["phase"] == "Succeeded"
    assert vmis_on(lab, worker) == not_migratable_on(lab, worker)
    active_per_vmi = {}
    for m in lab.store.list(VMIM_KEY)[0]:
        active_per_vmi.setdefault(m["spec"]["vmiName"], []).append(m["status"].get("phase"))
    assert all(phases.count("Succeeded") <= 1 for phases in active_per_vmi.values())
    truth = lab.component("cluster").truth.counters()
    assert truth["split_brain"] == 0 and truth["lost"] == 0


def test_failed_migrations_are_retried_then_reported(lab):
    settle(lab)
    worker = busiest_worker(lab)
    movable = [v for v in vmis_on(lab, worker) if v not in not_migratable_on(lab, worker)]
    flaky, broken = movable[0], movable[1]
    faults = lab.component("kubevirt").faults
    faults.fail_next("vms", flaky, count=1)
    faults.fail_next("vms", broken, count=3)
    result = run_module(lab, {"name": worker, "non_migratable": "skip", "timeout": 300})
    assert result["failed"] and "failed to migrate 3 times" in result["msg"]
    assert flaky in [e["name"] for e in result["migrated"]]
    attempts = [e["attempt"] for e in result["timeline"] if e["event"] == "migration created" and e["vmi"].endswith(
        "/" + flaky)]
    assert attempts == [1, 2]
    pending = dict((p["name"], p["reason"]) for p in result["pending"])
    assert list(pending) == [broken] and "lab-injected failure" in pending[broken]
    assert vmis_on(lab, worker) == sorted([broken] + not_migratable_on(lab, worker))
    assert node_state(lab, worker)["unschedulable"]          # left cordoned and recorded
