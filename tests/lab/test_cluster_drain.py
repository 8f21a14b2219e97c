"""kubectl drain against the cluster: evictions through the PDBs, DaemonSet pods left alone, workloads
rescheduled elsewhere."""

import subprocess

from test_cluster_support import FAST, clients, wait

KUBECTL = "/usr/bin/kubectl"


def test_kubectl_drain_evicts_through_budgets_and_keeps_daemonsets(make_lab):
    lab = make_lab(components=["cluster"], bmc=False, tls=True, overrides=FAST)   # kubectl sends tokens over TLS only
    assert lab.component("cluster").wait_settled(20)
    core, apps, _ = clients(lab)
    node = next(p.spec.node_name for p in core.list_namespaced_pod("shop", label_selector="app=frontend").items)
    result = subprocess.run([KUBECTL, "--kubeconfig", lab.kubeconfig_path, "drain", node, "--ignore-daemonsets",
                             "--delete-emptydir-data", "--timeout=60s"], capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr
    assert f"node/{node} drained" in result.stdout
    assert core.read_node(node).spec.unschedulable
    left = core.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={node}").items
    assert left and all(p.metadata.owner_references[0].kind == "DaemonSet" for p in left)
    wait(lambda: apps.read_namespaced_deployment("frontend", "shop").status.ready_replicas == 3, 10,
         "frontend back to 3 ready replicas elsewhere")
    assert node not in {p.spec.node_name for p in core.list_namespaced_pod("shop").items}

