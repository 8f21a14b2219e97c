"""virt-launcher pods carry what the API server's pod admission gives every pod, as on a real cluster."""
import pytest
from kubernetes import client, config

DEFAULT_TOLERATION_KEYS = {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}


def default_tolerations(pod):
    return {t.key: (t.operator, t.effect, t.toleration_seconds) for t in pod.spec.tolerations or []
            if t.key in DEFAULT_TOLERATION_KEYS}


def launcher_pods(lab):
    core = client.CoreV1Api(config.new_client_from_config(config_file=lab.kubeconfig_path))
    lab.wait_for(lambda: core.list_namespaced_pod("vms", label_selector="kubevirt.io=virt-launcher").items, 20)
    return core, core.list_namespaced_pod("vms", label_selector="kubevirt.io=virt-launcher").items


@pytest.mark.lab(components=["cluster", "kubevirt"], bmc=False, vms=2, preset="realistic")
def test_launcher_pods_tolerate_unreachable_and_not_ready_nodes_for_300_seconds(lab):
    _, pods = launcher_pods(lab)
    for pod in pods:
        assert default_tolerations(pod) == {key: ("Exists", "NoExecute", 300) for key in DEFAULT_TOLERATION_KEYS}


@pytest.mark.lab(components=["cluster", "kubevirt"], bmc=False, vms=2, overrides={"default_toleration_seconds": 45})
def test_launcher_pods_get_the_configured_default_toleration_seconds_like_every_other_pod(lab):
    core, pods = launcher_pods(lab)
    expected = {key: ("Exists", "NoExecute", 45) for key in DEFAULT_TOLERATION_KEYS}
    for pod in pods:
        assert default_tolerations(pod) == expected
    lab.wait_for(lambda: core.list_namespaced_pod("shop").items, 20)
    shop = core.list_namespaced_pod("shop").items
    assert all(default_tolerations(pod) == expected for pod in shop)
