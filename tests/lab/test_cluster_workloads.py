"""Workload controllers, disruption budgets over the eviction API, and ownerReference garbage collection."""

import json
import time

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from test_cluster_support import cluster_lab, clients, deployment, pods_of, wait

REFUSED = "Cannot evict pod as it would violate the pod's disruption budget."


def _eviction(pod):
    return client.V1Eviction(metadata=client.V1ObjectMeta(name=pod.metadata.name, namespace=pod.metadata.namespace))


def _ready_count(core, namespace, selector, count):
    def check():
        pods = [p for p in pods_of(core, namespace, selector) if p.metadata.deletion_timestamp is None]
        ready = [p for p in pods if any(c.type == "Ready" and c.status == "True" for c in p.status.conditions or [])]
        return len(ready) == count and len(pods) == count and pods
    return wait(check, 8, f"{count} ready pods for {selector}")


def test_deployment_replaces_a_deleted_pod(make_lab):
    lab = cluster_lab(make_lab)
    core, apps, _ = clients(lab)
    apps.create_namespaced_deployment("default", deployment("web", 3))
    pods = _ready_count(core, "default", "app=web", 3)
    owner = pods[0].metadata.owner_references[0]
    assert owner.kind == "ReplicaSet" and owner.controller and owner.name.startswith("web-")
    gone = pods[0].metadata.name
    core.delete_namespaced_pod(gone, "default")
    replaced = _ready_count(core, "default", "app=web", 3)
    assert gone not in {p.metadata.name for p in replaced}
    status = wait(lambda: (d := apps.read_namespaced_deployment("web", "default")).status.ready_replicas == 3 and d,
                  5).status
    assert status.available_replicas == 3 and status.updated_replicas == 3
    assert {c.type: c.status for c in status.conditions}["Available"] == "True"


def test_daemonset_covers_cordoned_nodes_and_new_daemonsets(make_lab):
    lab = cluster_lab(make_lab)
    core, apps, _ = clients(lab)
    core.patch_node("worker-2", {"spec": {"unschedulable": True}})
    labels = {"app": "agent"}
    created = apps.create_namespaced_daemon_set("default", {
        "metadata": {"name": "agent"},
        "spec": {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": {
            "containers": [{"name": "agent", "image": "quay.io/lab/agent:1"}]}}}})
    # The typed create needs the status integers a real server always sends, zero before the controller ran.
    fresh = created.status
    assert (fresh.current_number_scheduled, fresh.number_misscheduled, fresh.desired_number_scheduled,
            fresh.number_ready) == (0, 0, 0, 0)
    pods = wait(lambda: len(p := [x for x in pods_of(core, "default", "app=agent") if x.status.phase == "Running"])
                == 3 and p, 5, "agent on the three workers")
    assert sorted(p.spec.node_name for p in pods) == ["worker-0", "worker-1", "worker-2"]   # masters are tainted
    ds = wait(lambda: (d := apps.read_namespaced_daemon_set("agent", "default")).status.number_ready == 3 and d, 5)
    assert ds.status.desired_number_scheduled == 3


def test_statefulset_creates_pods_in_order(make_lab):
    lab = cluster_lab(make_lab)
    core, apps, _ = clients(lab)
    history = []

    def record(event_type, key, obj, old):
        if key == "pods" and obj["metadata"]["name"].startswith("db-"):
            ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                        for c in (obj.get("status") or {}).get("conditions") or [])
            history.append((event_type, obj["metadata"]["name"], ready))
    token = lab.store.subscribe(record)
    labels = {"app": "db"}
    sts = apps.create_namespaced_stateful_set("default", {
        "metadata": {"name": "db"},
        "spec": {"replicas": 3, "serviceName": "db", "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {
                     "containers": [{"name": "db", "image": "quay.io/lab/db:1"}]}}}})
    assert (sts.status.replicas, sts.status.available_replicas) == (0, 0)
    wait(lambda: len([p for p in pods_of(core, "default", "app=db") if p.status.phase == "Running"]) == 3, 8,
         "three db pods")
    lab.store.unsubscribe(token)
    assert wait(lambda: apps.read_namespaced_stateful_set("db", "default").status.ready_replicas == 3, 5)
    created = [name for event, name, _ in history if event == "ADDED"]
    assert created == ["db-0", "db-1", "db-2"]
    for previous, following in (("db-0", "db-1"), ("db-1", "db-2")):
        ready_at = next(i for i, (_, name, ready) in enumerate(history) if name == previous and ready)
        assert history.index(("ADDED", following, False)) > ready_at      # only after its predecessor is Ready
    assert core.read_namespaced_pod("db-1", "default").spec.hostname == "db-1"


def test_pdb_status_and_eviction_refused_with_429_over_http(make_lab):
    lab = cluster_lab(make_lab)
    core, apps, policy = clients(lab)
    apps.create_namespaced_deployment("default", deployment("api", 2))
    policy.create_namespaced_pod_disruption_budget("default", {
        "metadata": {"name": "api"}, "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "api"}}}})
    pods = _ready_count(core, "default", "app=api", 2)
    pdb = wait(lambda: (b := policy.read_namespaced_pod_disruption_budget("api", "default")).status
               and b.status.current_healthy == 2 and b, 5)
    assert (pdb.status.desired_healthy, pdb.status.disruptions_allowed, pdb.status.expected_pods) == (2, 0, 2)
    assert {c.type: (c.status, c.reason) for c in pdb.status.conditions}["DisruptionAllowed"] == \
        ("False", "InsufficientPods")
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_pod_eviction(pods[1].metadata.name, "default", _eviction(pods[1]))
    assert refused.value.status == 429
    body = json.loads(refused.value.body)
    assert body["message"] == REFUSED and body["reason"] == "TooManyRequests"
    assert body["details"]["causes"] == [{"reason": "DisruptionBudget",
                                          "message": "The disruption budget api needs 2 healthy pods and has 2 "
                                                     "currently"}]
    assert core.read_namespaced_pod(pods[1].metadata.name, "default").metadata.deletion_timestamp is None

    policy.patch_namespaced_pod_disruption_budget("api", "default", {"spec": {"minAvailable": 1}})
    wait(lambda: policy.read_namespaced_pod_disruption_budget("api", "default").status.disruptions_allowed == 1, 5)
    core.create_namespaced_pod_eviction(pods[0].metadata.name, "default", _eviction(pods[0]))
    wait(lambda: not core.list_namespaced_pod("default", field_selector=f"metadata.name={pods[0].metadata.name}")
         .items, 5, "the evicted pod gone")
    _ready_count(core, "default", "app=api", 2)       # the Deployment replaced it


def test_eviction_guard_records_the_disrupted_pod(make_lab):
    lab = cluster_lab(make_lab)
    core, apps, policy = clients(lab)
    apps.create_namespaced_deployment("default", deployment("calc", 2))
    policy.create_namespaced_pod_disruption_budget("default", {
        "metadata": {"name": "calc"}, "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "calc"}}}})
    pods = _ready_count(core, "default", "app=calc", 2)
    wait(lambda: policy.read_namespaced_pod_disruption_budget("calc", "default").status.disruptions_allowed == 1, 5)
    guard = lab.component("cluster").disruption.eviction_guard
    chosen = lab.store.get("pods", "default", pods[0].metadata.name)
    guard(chosen, {"metadata": {"name": pods[0].metadata.name}})      # what the server runs before deleting
    status = lab.store.get("poddisruptionbudgets.policy", "default", "calc")["status"]
    assert status["disruptionsAllowed"] == 0 and pods[0].metadata.name in status["disruptedPods"]
    with pytest.raises(Exception) as second:
        guard(lab.store.get("pods", "default", pods[1].metadata.name), {"metadata": {"name": pods[1].metadata.name}})
    assert getattr(second.value, "code", None) == 429
    # The pod was never deleted: its entry expires (disrupted_pod_timeout) and the budget allows one again.
    wait(lambda: policy.read_namespaced_pod_disruption_budget("calc", "default").status.disruptions_allowed == 1, 6,
         "disruptedPods entry expired")


def test_garbage_collection_background_foreground_orphan(make_lab):
    lab = cluster_lab(make_lab)
    core, apps, _ = clients(lab)
    for name in ("bg", "fg", "orphan"):
        apps.create_namespaced_deployment("default", deployment(name, 2))
    for name in ("bg", "fg", "orphan"):
        _ready_count(core, "default", f"app={name}", 2)

    apps.delete_namespaced_deployment("fg", "default", propagation_policy="Foreground")
    held = apps.read_namespaced_deployment("fg", "default")     # kept until its dependents are gone
    assert "foregroundDeletion" in held.metadata.finalizers and held.metadata.deletion_timestamp
    wait(lambda: not apps.list_namespaced_deployment("default", field_selector="metadata.name=fg").items, 8,
         "foreground deletion finished")
    assert not pods_of(core, "default", "app=fg")
    assert not [rs for rs in apps.list_namespaced_replica_set("default").items if rs.metadata.name.startswith("fg-")]

    apps.delete_namespaced_deployment("orphan", "default", propagation_policy="Orphan")
    wait(lambda: not apps.list_namespaced_deployment("default", field_selector="metadata.name=orphan").items, 5)
    time.sleep(0.5)
    orphaned = [rs for rs in apps.list_namespaced_replica_set("default").items
                if rs.metadata.name.startswith("orphan-")]
    assert len(orphaned) == 1 and not orphaned[0].metadata.owner_references
    assert len(pods_of(core, "default", "app=orphan")) == 2

    apps.delete_namespaced_deployment("bg", "default", propagation_policy="Background")
    wait(lambda: not pods_of(core, "default", "app=bg"), 8, "background deletion of pods")
    assert not [rs for rs in apps.list_namespaced_replica_set("default").items if rs.metadata.name.startswith("bg-")]
