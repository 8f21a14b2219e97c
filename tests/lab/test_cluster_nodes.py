"""Nodes and kubelets: registration, heartbeats, pods started by their kubelet, system pods."""

import time

from test_cluster_support import cluster_lab, clients, pod, wait


def test_nodes_register_like_openshift_bare_metal(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    machines = lab.component("cluster").machines
    nodes = {n.metadata.name: n for n in core.list_node().items}
    assert sorted(nodes) == ["master-0", "master-1", "master-2", "worker-0", "worker-1", "worker-2"]
    worker, master = nodes["worker-0"], nodes["master-0"]
    assert worker.status.node_info.system_uuid == machines.get("worker-0").system_uuid
    assert worker.metadata.labels["kubernetes.io/hostname"] == "worker-0"
    assert "node-role.kubernetes.io/worker" in worker.metadata.labels
    assert worker.metadata.labels["kubevirt.io/schedulable"] == "true"
    assert worker.status.allocatable["devices.kubevirt.io/kvm"] == "1k"
    assert worker.status.capacity["cpu"] == "32" and worker.status.allocatable["cpu"] == "31500m"
    assert "node-role.kubernetes.io/master" in master.metadata.labels
    assert [(t.key, t.effect) for t in master.spec.taints] == [("node-role.kubernetes.io/master", "NoSchedule")]
    assert {c.type: c.status for c in worker.status.conditions}["Ready"] == "True"


def test_kubelet_renews_its_lease(make_lab):
    lab = cluster_lab(make_lab)
    coordination = __import__("kubernetes").client.CoordinationV1Api(clients(lab)[0].api_client)
    first = coordination.read_namespaced_lease("worker-1", "kube-node-lease")
    assert first.spec.holder_identity == "worker-1"
    assert first.metadata.owner_references[0].kind == "Node"
    wait(lambda: coordination.read_namespaced_lease("worker-1", "kube-node-lease").spec.renew_time
         > first.spec.renew_time, 3, "a lease renewal")


def test_scheduled_pod_becomes_running_and_ready(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    core.create_namespaced_pod("default", pod("web"))
    running = wait(lambda: (p := core.read_namespaced_pod("web", "default")).status.phase == "Running" and p, 5,
                   "pod web Running")
    assert running.spec.node_name.startswith("worker-")
    conditions = {c.type: c.status for c in running.status.conditions}
    assert conditions["Ready"] == "True" and conditions["PodScheduled"] == "True"
    assert running.status.container_statuses[0].state.running is not None
    uid = running.metadata.uid
    assert uid in lab.component("cluster").machines.running_pods(running.spec.node_name)
    # DefaultTolerationSeconds with the lab's setting (1 s here, 300 s in the realistic preset)
    defaulted = {(t.key, t.effect): t.toleration_seconds for t in running.spec.tolerations}
    assert defaulted == {("node.kubernetes.io/not-ready", "NoExecute"): 1,
                         ("node.kubernetes.io/unreachable", "NoExecute"): 1}


def test_graceful_delete_is_finished_by_the_kubelet(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    core.create_namespaced_pod("default", pod("short", termination_grace_period_seconds=30))
    wait(lambda: core.read_namespaced_pod("short", "default").status.phase == "Running", 5)
    core.delete_namespaced_pod("short", "default")
    started = time.monotonic()
    wait(lambda: not core.list_namespaced_pod("default", field_selector="metadata.name=short").items, 5,
         "the kubelet to finish the deletion")
    assert time.monotonic() - started < 5


def test_every_node_runs_the_system_daemonsets_and_etcd_guards(make_lab):
    lab = cluster_lab(make_lab)
    core, apps, policy = clients(lab)
    exporters = core.list_namespaced_pod("openshift-monitoring", label_selector="app=node-exporter").items
    assert sorted(p.spec.node_name for p in exporters) == sorted(n.metadata.name for n in core.list_node().items)
    assert all(p.metadata.owner_references[0].kind == "DaemonSet" for p in exporters)
    ds = apps.read_namespaced_daemon_set("node-exporter", "openshift-monitoring")
    assert ds.status.desired_number_scheduled == 6 and ds.status.number_ready == 6
    pdb = wait(lambda: (b := policy.read_namespaced_pod_disruption_budget("etcd-guard-pdb", "openshift-etcd"))
               .status and b.status.current_healthy == 3 and b, 5, "etcd guard pdb status")
    assert (pdb.status.desired_healthy, pdb.status.disruptions_allowed, pdb.status.expected_pods) == (2, 1, 3)
    guards = core.list_namespaced_pod("openshift-etcd", label_selector="app=guard").items
    assert sorted(g.spec.node_name for g in guards) == ["master-0", "master-1", "master-2"]
    assert "medik8s-leases" not in [ns.metadata.name for ns in core.list_namespace().items]


def test_kubelet_rejects_a_directly_bound_pod_that_does_not_fit(make_lab):
    lab = cluster_lab(make_lab)
    core, _, _ = clients(lab)
    spec = {"nodeName": "worker-0", "containers": [{"name": "app", "image": "x",
                                                    "resources": {"requests": {"cpu": "40"}}}]}
    core.create_namespaced_pod("default", {"metadata": {"name": "too-big"}, "spec": spec})
    rejected = wait(lambda: (p := core.read_namespaced_pod("too-big", "default")).status.phase == "Failed" and p, 5,
                    "kubelet admission")
    assert rejected.status.reason == "OutOfcpu"
    assert rejected.status.message.startswith("Pod was rejected: Node didn't have enough resource: cpu, "
                                              "requested: 40000, used: ")
    assert rejected.status.message.endswith("capacity: 31500")
    assert rejected.metadata.uid not in lab.component("cluster").machines.running_pods("worker-0")
