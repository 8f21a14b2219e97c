"""The objects an OpenShift cluster has before anyone uses it: namespaces, node-level DaemonSets (so drains meet
DaemonSet pods), the etcd guard PodDisruptionBudget, and the scenario's plain workloads."""

NAMESPACES = (
    "default", "kube-system", "kube-public", "kube-node-lease", "openshift-etcd", "openshift-machine-api",
    "openshift-marketplace", "openshift-monitoring", "openshift-dns", "openshift-machine-config-operator",
)
ETCD_NAMESPACE = "openshift-etcd"
ETCD_PDB = "etcd-guard-pdb"
GUARD_LABELS = {"app": "guard"}
TOLERATE_EVERYTHING = [{"operator": "Exists"}]


def namespace(name: str, labels=None) -> dict:
    all_labels = {"kubernetes.io/metadata.name": name}
    if name.startswith("openshift-"):
        all_labels["openshift.io/cluster-monitoring"] = "true"
    all_labels.update(labels or {})
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": all_labels},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}


def _daemonset(namespace_name, name, image, cpu, memory, priority_class="system-node-critical"):
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": namespace_name, "labels": labels, "generation": 1},
        "spec": {
            "selector": {"matchLabels": labels},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%"}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [{"name": name, "image": image,
                                    "resources": {"requests": {"cpu": cpu, "memory": memory}}}],
                    "priorityClassName": priority_class,
                    "tolerations": list(TOLERATE_EVERYTHING),
                    "hostNetwork": True,
                },
            },
        },
    }


def system_daemonsets() -> list:
    return [
        _daemonset("openshift-monitoring", "node-exporter", "quay.io/openshift/origin-node-exporter:4.18", "8m",
                   "32Mi", "system-cluster-critical"),
        _daemonset("openshift-dns", "node-resolver", "quay.io/openshift/origin-cli:4.18", "5m", "21Mi"),
        _daemonset("openshift-machine-config-operator", "machine-config-daemon",
                   "quay.io/openshift/origin-machine-config-operator:4.18", "20m", "50Mi"),
    ]


def etcd_pdb(control_plane_count: int) -> dict:
    return {
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": ETCD_PDB, "namespace": ETCD_NAMESPACE},
        "spec": {"minAvailable": max(1, control_plane_count - 1), "selector": {"matchLabels": dict(GUARD_LABELS)}},
    }


def guard_pod(node_name: str) -> dict:
    """The readiness guard of the etcd member on a control-plane node (created bound, as the operator does)."""
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"etcd-guard-{node_name}", "namespace": ETCD_NAMESPACE, "labels": dict(GUARD_LABELS)},
        "spec": {
            "nodeName": node_name,
            "containers": [{"name": "guard", "image": "quay.io/openshift/origin-cluster-etcd-operator:4.18",
                            "resources": {"requests": {"cpu": "10m", "memory": "5Mi"}}}],
            "tolerations": list(TOLERATE_EVERYTHING),
            "priorityClassName": "system-cluster-critical",
            "terminationGracePeriodSeconds": 3,
            "hostNetwork": True,
        },
        "status": {"phase": "Pending"},
    }
