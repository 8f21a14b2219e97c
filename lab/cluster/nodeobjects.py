"""What a kubelet registers: the Node object of a machine and its heartbeat Lease (pure builders)."""

from lab.quantity import format_cpu, format_memory_kib

KUBELET_VERSION = "v1.31.6"
OS_IMAGE = "Red Hat Enterprise Linux CoreOS 418.94.202501221327-0"
RUNTIME = "cri-o://1.31.5-4.rhaos4.18.git4f1b4e5.el9"
KERNEL = "5.14.0-427.50.1.el9_4.x86_64"
SYSTEM_RESERVED_CPU = 0.5
SYSTEM_RESERVED_MEMORY = 1024**3
KUBEVIRT_DEVICES = ("devices.kubevirt.io/kvm", "devices.kubevirt.io/tun", "devices.kubevirt.io/vhost-net")
CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"}


def node_labels(spec: dict) -> dict:
    name = spec["name"]
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "beta.kubernetes.io/arch": "amd64",
        "node.openshift.io/os_id": "rhcos",
    }
    if spec.get("role") == "control-plane":
        labels["node-role.kubernetes.io/master"] = ""
        labels["node-role.kubernetes.io/control-plane"] = ""
    else:
        labels["node-role.kubernetes.io/worker"] = ""
        labels["kubevirt.io/schedulable"] = "true"
    labels.update(spec.get("labels") or {})
    return labels


def resources(spec: dict) -> tuple[dict, dict]:
    cpu = float(spec["cpu"])
    memory = int(spec["memory"])
    pods = str(spec.get("max_pods", 250))
    capacity = {
        "cpu": format_cpu(cpu),
        "memory": format_memory_kib(memory),
        "pods": pods,
        "ephemeral-storage": "467039212Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
    }
    allocatable = dict(capacity)
    allocatable["cpu"] = format_cpu(max(0.0, cpu - SYSTEM_RESERVED_CPU))
    allocatable["memory"] = format_memory_kib(max(0, memory - SYSTEM_RESERVED_MEMORY))
    allocatable["ephemeral-storage"] = "429336355073"
    if spec.get("role") != "control-plane":
        for device in KUBEVIRT_DEVICES:
            capacity[device] = allocatable[device] = "1k"
    return capacity, allocatable


def node_conditions(now: str) -> list:
    def cond(ctype, status, reason, message):
        return {"type": ctype, "status": status, "reason": reason, "message": message,
                "lastHeartbeatTime": now, "lastTransitionTime": now}
    return [
        cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]


def node_info(machine) -> dict:
    return {
        "machineID": machine.system_uuid.replace("-", ""),
        "systemUUID": machine.system_uuid,
        "bootID": machine.boot_id,
        "kernelVersion": KERNEL,
        "osImage": OS_IMAGE,
        "containerRuntimeVersion": RUNTIME,
        "kubeletVersion": KUBELET_VERSION,
        "kubeProxyVersion": "",
        "operatingSystem": "linux",
        "architecture": "amd64",
    }


def build_node(spec: dict, machine, now: str) -> dict:
    capacity, allocatable = resources(spec)
    role = "master" if spec.get("role") == "control-plane" else "worker"
    taints = [dict(CONTROL_PLANE_TAINT)] if spec.get("role") == "control-plane" else []
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": spec["name"],
            "labels": node_labels(spec),
            "annotations": {
                "machineconfiguration.openshift.io/currentConfig": f"rendered-{role}-5c1e0d5f3a",
                "machineconfiguration.openshift.io/desiredConfig": f"rendered-{role}-5c1e0d5f3a",
                "machineconfiguration.openshift.io/state": "Done",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {"providerID": f"baremetalhost:///openshift-machine-api/{spec['name']}/{machine.system_uuid}"},
        "status": {
            "capacity": capacity,
            "allocatable": allocatable,
            "conditions": node_conditions(now),
            "addresses": [{"type": "Hostname", "address": spec["name"]}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": node_info(machine),
        },
    }
    if taints:
        node["spec"]["taints"] = taints
    return node


def build_lease(node_name: str, node_uid: str | None, duration: int, now_micro: str) -> dict:
    lease = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": node_name, "namespace": "kube-node-lease"},
        "spec": {"holderIdentity": node_name, "leaseDurationSeconds": duration, "renewTime": now_micro},
    }
    if node_uid:
        lease["metadata"]["ownerReferences"] = [
            {"apiVersion": "v1", "kind": "Node", "name": node_name, "uid": node_uid}
        ]
    return lease
