"""Ground truth with real VMs (lab.kubevirt on top of the cluster): a partitioned node keeps running its VMs,
and declaring it out of service without powering it off shows up as split brain until the node returns."""

from test_cluster_support import FAST, wait

VMI = "virtualmachineinstances.kubevirt.io"


def test_out_of_service_on_a_partitioned_node_is_split_brain(make_lab):
    lab = make_lab(components=["cluster", "kubevirt"], bmc=False, overrides=FAST)
    cluster, store = lab.component("cluster"), lab.store

    def running_vmis():
        return [v for v in store.list(VMI)[0] if (v.get("status") or {}).get("phase") == "Running"]

    wait(lambda: len(running_vmis()) == 12, 20, "12 VMIs running")
    victims = sorted(f"vms/{v['metadata']['name']}" for v in running_vmis() if v["status"]["nodeName"] == "worker-2")
    assert victims and all(cluster.truth.running_on(vm) == {"worker-2"} for vm in victims)

    lab.fail("worker-2", "partition")
    wait(lambda: store.get("nodes", None, "worker-2")["spec"].get("taints"), 6, "worker-2 unreachable")
    assert all(cluster.truth.running_on(vm) == {"worker-2"} for vm in victims)   # partitioned, not dead
    assert cluster.truth.counters()["split_brain"] == 0

    def out_of_service(node):
        node["spec"]["taints"].append({"key": "node.kubernetes.io/out-of-service", "value": "nodeshutdown",
                                       "effect": "NoExecute"})
        return node
    store.mutate("nodes", None, "worker-2", out_of_service)
    wait(lambda: cluster.truth.counters()["split_brain_active"] == len(victims), 10, "VMs restarted elsewhere")
    for vm in victims:
        places = cluster.truth.running_on(vm)
        assert "worker-2" in places and len(places) == 2
    assert lab.status()["cluster"]["split_brain"] == len(victims)

    def back_in_service(node):
        node["spec"]["taints"] = [t for t in node["spec"]["taints"] if t["key"] != "node.kubernetes.io/out-of-service"]
        return node
    store.mutate("nodes", None, "worker-2", back_in_service)
    lab.recover("worker-2")                  # the kubelet returns and kills the launchers deleted meanwhile
    wait(lambda: cluster.truth.counters()["split_brain_active"] == 0, 10, "split brain over")
    counters = cluster.truth.counters()
    assert counters["split_brain"] == len(victims) and counters["lost"] == 0
    assert all(cluster.truth.running_on(vm) and "worker-2" not in cluster.truth.running_on(vm) for vm in victims)
    assert all(i["end"] is not None for i in counters["intervals"])
