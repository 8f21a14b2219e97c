"""The default scheduler: taints and tolerations, node selection, anti-affinity, resources, unschedulable pods
with kube's FailedScheduling message."""

from lab.cluster import placement
from test_cluster_support import cluster_lab, clients, pod, wait

MASTER_TAINT = "node(s) had untolerated taint {node-role.kubernetes.io/master: }"


def _bound(core, name, namespace="default"):
    return wait(lambda: (p := core.read_namespaced_pod(name, namespace)).spec.node_name and p, 5, f"{name} bound")


def _unschedulable(core, name, namespace="default"):
    def check():
        p = core.read_namespaced_pod(name, namespace)
        cond = next((c for c in p.status.conditions or [] if c.type == "PodScheduled"), None)
        return cond is not None and cond.status == "False" and p
    found = wait(check, 5, f"{name} unschedulable")
    assert found.spec.node_name is None and found.status.phase == "Pending"
    return next(c for c in found.status.conditions if c.type == "PodScheduled")


def test_untolerated_control_plane_taint_keeps_pods_on_workers(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    for i in range(6):
        core.create_namespaced_pod("default", pod(f"p{i}"))
    assert all(_bound(core, f"p{i}").spec.node_name.startswith("worker-") for i in range(6))
    tolerate = [{"key": "node-role.kubernetes.io/master", "operator": "Exists", "effect": "NoSchedule"}]
    core.create_namespaced_pod("default", pod("cp", tolerations=tolerate,
                                              node_selector={"node-role.kubernetes.io/master": ""}))
    assert _bound(core, "cp").spec.node_name.startswith("master-")


def test_required_anti_affinity_leaves_the_fourth_replica_pending_with_an_event(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    anti = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "kubernetes.io/hostname"}]}}
    for i in range(3):
        core.create_namespaced_pod("default", pod(f"db-{i}", labels={"app": "db"}, affinity=anti))
        _bound(core, f"db-{i}")
    assert len({core.read_namespaced_pod(f"db-{i}", "default").spec.node_name for i in range(3)}) == 3
    core.create_namespaced_pod("default", pod("db-3", labels={"app": "db"}, affinity=anti))
    cond = _unschedulable(core, "db-3")
    assert cond.reason == "Unschedulable"
    assert cond.message == ("0/6 nodes are available: 3 node(s) didn't match pod anti-affinity rules, "
                            f"3 {MASTER_TAINT}. preemption: 0/6 nodes are available: "
                            "6 Preemption is not helpful for scheduling.")
    events = wait(lambda: [e for e in core.list_namespaced_event("default").items
                           if e.involved_object.name == "db-3" and e.reason == "FailedScheduling"], 5, "event")
    assert events[0].type == "Warning" and events[0].message == cond.message
    core.delete_namespaced_pod("db-0", "default")          # room again: the pending replica gets its node
    assert _bound(core, "db-3").spec.node_name


def test_insufficient_resources_and_cordoned_nodes(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    core.patch_node("worker-0", {"spec": {"unschedulable": True}})
    big = {"containers": [{"name": "app", "image": "x", "resources": {"requests": {"cpu": "40"}}}]}
    core.create_namespaced_pod("default", {"metadata": {"name": "huge"}, "spec": big})
    cond = _unschedulable(core, "huge")
    assert cond.message == ("0/6 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu, "
                            f"3 {MASTER_TAINT}. preemption: 0/6 nodes are available: 2 No preemption victims found "
                            "for incoming pod, 4 Preemption is not helpful for scheduling.")
    for i in range(4):
        core.create_namespaced_pod("default", pod(f"small-{i}"))
        assert _bound(core, f"small-{i}").spec.node_name in ("worker-1", "worker-2")


def test_required_node_affinity_operators(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    not_in = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "NotIn",
                               "values": ["worker-0", "worker-1"]}]}]}}}
    core.create_namespaced_pod("default", pod("not-in", affinity=not_in))
    assert _bound(core, "not-in").spec.node_name == "worker-2"
    by_field = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["worker-1"]}]}]}}}
    core.create_namespaced_pod("default", pod("by-field", affinity=by_field))
    assert _bound(core, "by-field").spec.node_name == "worker-1"
    nowhere = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "gpu", "operator": "Exists"}]}]}}}
    core.create_namespaced_pod("default", pod("nowhere", affinity=nowhere))
    assert "3 node(s) didn't match Pod's node affinity/selector" in _unschedulable(core, "nowhere").message


def test_pods_for_another_scheduler_are_left_alone(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    core.create_namespaced_pod("default", pod("custom", scheduler_name="my-scheduler"))
    core.create_namespaced_pod("default", pod("mine"))
    _bound(core, "mine")
    assert core.read_namespaced_pod("custom", "default").spec.node_name is None


def test_expression_operators_and_message_format():
    def values(labels):
        return lambda key: (key in labels, labels.get(key))
    assert placement.match_expression(values({"cpus": "8"}), {"key": "cpus", "operator": "Gt", "values": ["4"]})
    assert not placement.match_expression(values({"cpus": "8"}), {"key": "cpus", "operator": "Lt", "values": ["4"]})
    assert placement.match_expression(values({}), {"key": "gpu", "operator": "DoesNotExist"})
    assert not placement.node_selector_term_matches({}, {"metadata": {"name": "n"}})   # empty term: nothing
    message = placement.failure_message(3, {"a": ["Insufficient cpu", "Insufficient memory"], "b": ["Too many pods"],
                                            "c": [MASTER_TAINT]})
    assert message == ("0/3 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many pods, "
                       f"1 {MASTER_TAINT}. preemption: 0/3 nodes are available: 1 Preemption is not helpful for "
                       "scheduling, 2 No preemption victims found for incoming pod.")
