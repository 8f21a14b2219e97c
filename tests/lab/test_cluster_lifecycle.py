"""Node lifecycle: heartbeats lost -> Unknown after node-monitor-grace, condition taints, NoExecute eviction that
leaves pods Terminating while the kubelet is gone (though still really running), out-of-service cleanup,
partitions and power cycles."""

import time

from kubernetes.client.rest import ApiException

from test_cluster_support import cluster_lab, clients, pod, ready_condition, wait

ONE_SECOND = [{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
               "tolerationSeconds": 1},
              {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
               "tolerationSeconds": 1}]


def _running_on(core, name, node):
    core.create_namespaced_pod("default", pod(name, node_name=node, tolerations=ONE_SECOND))
    return wait(lambda: (p := core.read_namespaced_pod(name, "default")).status.phase == "Running" and p, 5)


def test_stopped_kubelet_turns_node_unknown_and_taints_it(make_lab):
    lab = cluster_lab(make_lab, node_monitor_grace_seconds=1.5)
    core, _, _ = clients(lab)
    before = ready_condition(core.read_node("worker-0"))
    stopped_at = time.monotonic()
    lab.fail("worker-0", "kubelet-stop")
    node = wait(lambda: (n := core.read_node("worker-0")) and ready_condition(n).status == "Unknown" and n, 6,
                "worker-0 Unknown")
    assert time.monotonic() - stopped_at >= 1.0          # not before the grace period
    cond = ready_condition(node)
    assert (cond.reason, cond.message) == ("NodeStatusUnknown", "Kubelet stopped posting node status.")
    assert cond.last_transition_time > before.last_transition_time
    assert cond.last_heartbeat_time <= cond.last_transition_time
    node = wait(lambda: (n := core.read_node("worker-0")).spec.taints and n, 3, "taints")
    taints = {(t.key, t.effect) for t in node.spec.taints}
    assert taints == {("node.kubernetes.io/unreachable", "NoSchedule"), ("node.kubernetes.io/unreachable", "NoExecute")}
    assert next(t for t in node.spec.taints if t.effect == "NoExecute").time_added is not None
    lab.recover("worker-0")
    wait(lambda: ready_condition(core.read_node("worker-0")).status == "True", 5, "worker-0 Ready again")
    wait(lambda: not core.read_node("worker-0").spec.taints, 3, "taints removed")


def test_unreachable_node_pods_stay_terminating_but_keep_running(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    machines = lab.component("cluster").machines
    victim = _running_on(core, "victim", "worker-1")
    lab.fail("worker-1", "kubelet-stop")
    terminating = wait(lambda: (p := core.read_namespaced_pod("victim", "default")).metadata.deletion_timestamp and p,
                       8, "victim marked for deletion")
    conditions = {c.type: (c.status, c.reason) for c in terminating.status.conditions}
    assert conditions["DisruptionTarget"] == ("True", "DeletionByTaintManager")
    assert conditions["Ready"][0] == "False"
    time.sleep(1.0)
    still = core.read_namespaced_pod("victim", "default")          # no kubelet to finish the deletion
    assert still.metadata.deletion_timestamp is not None
    assert victim.metadata.uid in machines.running_pods("worker-1")  # the containers really still run
    exporter = core.list_namespaced_pod("openshift-monitoring", field_selector="spec.nodeName=worker-1").items[0]
    assert exporter.metadata.deletion_timestamp is None              # DaemonSet pods tolerate unreachable forever
    lab.recover("worker-1")
    wait(lambda: not core.list_namespaced_pod("default", field_selector="metadata.name=victim").items, 5,
         "victim deleted once the kubelet is back")
    assert victim.metadata.uid not in machines.running_pods("worker-1")


def test_out_of_service_taint_force_deletes_pods_and_volume_attachments(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    storage = __import__("kubernetes").client.StorageV1Api(core.api_client)
    _running_on(core, "stuck", "worker-2")
    for node in ("worker-2", "worker-0"):
        storage.create_volume_attachment({"apiVersion": "storage.k8s.io/v1", "kind": "VolumeAttachment",
                                          "metadata": {"name": f"csi-{node}"},
                                          "spec": {"attacher": "csi.lab", "nodeName": node,
                                                   "source": {"persistentVolumeName": f"pv-{node}"}}})
    lab.fail("worker-2", "kubelet-stop")
    wait(lambda: core.read_namespaced_pod("stuck", "default").metadata.deletion_timestamp, 8, "stuck Terminating")
    core.patch_node("worker-2", {"spec": {"taints": core.read_node("worker-2").spec.taints + [
        {"key": "node.kubernetes.io/out-of-service", "value": "nodeshutdown", "effect": "NoExecute"}]}})
    wait(lambda: not core.list_namespaced_pod("default", field_selector="metadata.name=stuck").items, 5,
         "stuck force-deleted")
    wait(lambda: [v.metadata.name for v in storage.list_volume_attachment().items] == ["csi-worker-0"], 5,
         "the attachment of the out-of-service node removed, the other kept")
    leftovers = core.list_pod_for_all_namespaces(field_selector="spec.nodeName=worker-2").items
    assert leftovers and all(p.metadata.deletion_timestamp is None for p in leftovers)  # tolerate everything


def test_out_of_service_taint_on_a_ready_node_does_not_force_anything(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    storage = __import__("kubernetes").client.StorageV1Api(core.api_client)
    storage.create_volume_attachment({"apiVersion": "storage.k8s.io/v1", "kind": "VolumeAttachment",
                                      "metadata": {"name": "csi-a"},
                                      "spec": {"attacher": "csi.lab", "nodeName": "worker-0",
                                               "source": {"persistentVolumeName": "pv-a"}}})
    core.patch_node("worker-0", {"spec": {"taints": [
        {"key": "node.kubernetes.io/out-of-service", "value": "nodeshutdown", "effect": "NoExecute"}]}})
    time.sleep(1.0)
    assert [v.metadata.name for v in storage.list_volume_attachment().items] == ["csi-a"]


def test_partitioned_node_keeps_running_pods_deleted_behind_its_back(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    machines = lab.component("cluster").machines
    app = _running_on(core, "app", "worker-0")
    lab.fail("worker-0", "partition")
    wait(lambda: ready_condition(core.read_node("worker-0")).status == "Unknown", 6, "partitioned node Unknown")
    core.delete_namespaced_pod("app", "default", grace_period_seconds=0)
    try:
        core.read_namespaced_pod("app", "default")
        raise AssertionError("force deletion must remove the pod from the API at once")
    except ApiException as error:
        assert error.status == 404
    time.sleep(0.5)
    assert app.metadata.uid in machines.running_pods("worker-0")     # split from the API, the machine runs on
    lab.recover("worker-0")
    wait(lambda: app.metadata.uid not in machines.running_pods("worker-0"), 5, "the kubelet kills the orphan")
    wait(lambda: ready_condition(core.read_node("worker-0")).status == "True", 5)


def test_power_cycle_reboots_the_node_and_restarts_its_pods(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    machines = lab.component("cluster").machines
    forever = [{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"}]
    core.create_namespaced_pod("default", pod("always", node_name="worker-1", tolerations=forever))
    core.create_namespaced_pod("default", pod("once", node_name="worker-1", restart_policy="Never",
                                              tolerations=forever))
    wait(lambda: all(core.read_namespaced_pod(n, "default").status.phase == "Running" for n in ("once", "always")), 5)
    boot_before = core.read_node("worker-1").status.node_info.boot_id
    machines.power_off("worker-1")
    assert machines.running_pods("worker-1") == {}
    wait(lambda: ready_condition(core.read_node("worker-1")).status == "Unknown", 6, "powered-off node Unknown")
    machines.power_on("worker-1")
    wait(lambda: ready_condition(core.read_node("worker-1")).status == "True", 6, "rebooted node Ready")
    assert core.read_node("worker-1").status.node_info.boot_id != boot_before
    once = wait(lambda: (p := core.read_namespaced_pod("once", "default")).status.phase == "Failed" and p, 5,
                "restartPolicy Never pod Failed after the reboot")
    assert once.status.container_statuses[0].state.terminated.reason == "ContainerStatusUnknown"
    always = wait(lambda: (p := core.read_namespaced_pod("always", "default")).status.container_statuses[0]
                  .restart_count == 1 and p, 5, "restartPolicy Always pod restarted")
    assert always.status.phase == "Running" and always.metadata.uid in machines.running_pods("worker-1")


def test_noexecute_taints_are_rate_limited_per_zone(make_lab):
    lab = cluster_lab(make_lab, node_eviction_rate=0.5)          # one node every 2 s
    core, _, _ = clients(lab)
    lab.fail("worker-0", "kubelet-stop")
    lab.fail("worker-1", "kubelet-stop")

    def noexecute_added(name):
        taints = core.read_node(name).spec.taints or []
        return next((t.time_added for t in taints if t.effect == "NoExecute"), None)

    wait(lambda: noexecute_added("worker-0") or noexecute_added("worker-1"), 6, "the first NoExecute taint")
    first = noexecute_added("worker-0") or noexecute_added("worker-1")
    both = wait(lambda: (a := noexecute_added("worker-0")) and (b := noexecute_added("worker-1")) and (a, b), 6,
                "the second NoExecute taint")
    assert abs((both[0] - both[1]).total_seconds()) >= 1
    assert first == min(both)
    unschedulable = {(t.key, t.effect) for t in core.read_node("worker-1").spec.taints}
    assert ("node.kubernetes.io/unreachable", "NoSchedule") in unschedulable   # NoSchedule is not rate limited


def test_partially_disrupted_small_cluster_stops_noexecute_tainting(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    for name in ("worker-0", "worker-1", "worker-2", "master-0"):  # 4 of 6 down: a partial disruption
        lab.fail(name, "kubelet-stop")
    wait(lambda: all(ready_condition(core.read_node(n)).status == "Unknown"
                     for n in ("worker-0", "worker-1", "worker-2", "master-0")), 6, "four nodes Unknown")
    time.sleep(1.0)
    tainted = [n for n in ("worker-0", "worker-1", "worker-2", "master-0")
               if any(t.effect == "NoExecute" for t in core.read_node(n).spec.taints or [])]
    # Nodes noticed before the zone crossed the threshold were tainted; once it is partially disrupted no more.
    assert len(tainted) < 4
    assert all(any(t.key == "node.kubernetes.io/unreachable" and t.effect == "NoSchedule"
                   for t in core.read_node(n).spec.taints) for n in ("worker-0", "worker-1", "worker-2", "master-0"))


def test_deleted_node_loses_its_pods_and_comes_back_only_with_a_kubelet_restart(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    coordination = __import__("kubernetes").client.CoordinationV1Api(core.api_client)
    _running_on(core, "orphan", "worker-1")
    core.delete_node("worker-1")
    wait(lambda: not core.list_namespaced_pod("default", field_selector="metadata.name=orphan").items, 5,
         "pods of the deleted node force-deleted by the pod GC")
    wait(lambda: not [l for l in coordination.list_namespaced_lease("kube-node-lease").items
                      if l.metadata.name == "worker-1" and l.metadata.owner_references], 5,
         "the node's lease collected with its owner")
    time.sleep(0.5)
    assert "worker-1" not in [n.metadata.name for n in core.list_node().items]   # a running kubelet does not
    lab.fail("worker-1", "kubelet-stop")                                         # re-register; a restart does
    lab.recover("worker-1")
    node = wait(lambda: [n for n in core.list_node().items if n.metadata.name == "worker-1"], 5, "re-registered")[0]
    assert ready_condition(node).status == "True"
