"""virt-launcher pods: the source pod of a VMI and the target pod of a migration (pure builders)."""
import copy

from .objects import labels_of, name_of, namespace_of, owner_reference, uid_of
from lab.quantity import format_bytes, format_cpu, parse_quantity

LAUNCHER_IMAGE = "registry.redhat.io/container-native-virtualization/virt-launcher-rhel9:v4.18"
CPU_ALLOCATION_RATIO = 10          # KubeVirt's default: one vCPU requests 100m
# KubeVirt computes the launcher's memory overhead from the domain; the lab uses a fixed approximation.
BASE_OVERHEAD_BYTES = 200 * 2 ** 20
PER_VCPU_OVERHEAD_BYTES = 8 * 2 ** 20
DEFAULT_GRACE_SECONDS = 30

APP_LABEL = "kubevirt.io"
CREATED_BY_LABEL = "kubevirt.io/created-by"
MIGRATION_JOB_LABEL = "kubevirt.io/migrationJobUID"
DOMAIN_ANNOTATION = "kubevirt.io/domain"
SCHEDULABLE_LABEL = "kubevirt.io/schedulable"
VM_NAME_LABEL = "vm.kubevirt.io/name"
# Lab-only: pins the first launcher pod of a scenario VM to the scenario's node (hotspots need it).
INITIAL_NODE_ANNOTATION = "lab.kubevirt.io/initial-node"


def vcpus(vmi_spec: dict) -> int:
    cpu = (vmi_spec.get("domain") or {}).get("cpu") or {}
    return int(cpu.get("cores") or 1) * int(cpu.get("sockets") or 1) * int(cpu.get("threads") or 1)


def guest_memory_bytes(vmi_spec: dict) -> float:
    domain = vmi_spec.get("domain") or {}
    guest = (domain.get("memory") or {}).get("guest")
    requested = ((domain.get("resources") or {}).get("requests") or {}).get("memory")
    return parse_quantity(guest or requested)


def launcher_requests(vmi_spec: dict) -> dict:
    domain = vmi_spec.get("domain") or {}
    requests = (domain.get("resources") or {}).get("requests") or {}
    count = vcpus(vmi_spec)
    if requests.get("cpu"):
        cpu = parse_quantity(requests["cpu"])
    elif ((domain.get("cpu") or {}).get("dedicatedCpuPlacement")):
        cpu = float(count)
    else:
        cpu = count / CPU_ALLOCATION_RATIO
    memory = guest_memory_bytes(vmi_spec) + BASE_OVERHEAD_BYTES + PER_VCPU_OVERHEAD_BYTES * count
    return {"cpu": format_cpu(cpu), "memory": format_bytes(memory), "devices.kubevirt.io/kvm": "1"}


def launcher_pod(vmi: dict, grace_extra_seconds: int, initial: bool = True) -> dict:
    spec = vmi.get("spec") or {}
    vm_name = next((ref.get("name") for ref in (vmi["metadata"].get("ownerReferences") or [])
                    if ref.get("kind") == "VirtualMachine"), name_of(vmi))
    labels = dict(labels_of(vmi))
    labels.update({APP_LABEL: "virt-launcher", CREATED_BY_LABEL: uid_of(vmi), VM_NAME_LABEL: vm_name})
    requests = launcher_requests(spec)
    node_selector = dict(spec.get("nodeSelector") or {})
    node_selector[SCHEDULABLE_LABEL] = "true"
    grace = int(spec.get("terminationGracePeriodSeconds", DEFAULT_GRACE_SECONDS)) + grace_extra_seconds
    pod_spec = {
        "containers": [{
            "name": "compute", "image": LAUNCHER_IMAGE,
            "command": ["/usr/bin/virt-launcher-monitor", "--qemu-timeout", "301s", "--name", name_of(vmi),
                        "--uid", uid_of(vmi), "--namespace", namespace_of(vmi)],
            "resources": {"requests": dict(requests),
                          "limits": {"devices.kubevirt.io/kvm": "1"}},
        }],
        "nodeSelector": node_selector,
        "restartPolicy": "Never",
        "terminationGracePeriodSeconds": grace,
        "automountServiceAccountToken": False,
        "hostname": name_of(vmi),
    }
    for field in ("affinity", "tolerations", "priorityClassName", "schedulerName"):
        if spec.get(field):
            pod_spec[field] = copy.deepcopy(spec[field])
    initial_node = ((vmi.get("metadata") or {}).get("annotations") or {}).get(INITIAL_NODE_ANNOTATION)
    if initial and initial_node:
        node_affinity = pod_spec.setdefault("affinity", {}).setdefault("nodeAffinity", {})
        node_affinity.setdefault("requiredDuringSchedulingIgnoredDuringExecution", {}).setdefault(
            "nodeSelectorTerms", []).append({"matchExpressions": [
                {"key": "kubernetes.io/hostname", "operator": "In", "values": [initial_node]}]})
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "generateName": f"virt-launcher-{name_of(vmi)}-",
            "namespace": namespace_of(vmi),
            "labels": labels,
            "annotations": {DOMAIN_ANNOTATION: name_of(vmi),
                            "kubectl.kubernetes.io/default-container": "compute",
                            "kubevirt.io/migrationTransportUnix": "true"},
            "ownerReferences": [owner_reference(vmi)],
        },
        "spec": pod_spec,
    }


def migration_target_pod(vmi: dict, migration: dict, source_node: str, grace_extra_seconds: int) -> dict:
    """A second launcher pod that may not land on the source node and honours addedNodeSelector."""
    pod = launcher_pod(vmi, grace_extra_seconds, initial=False)
    pod["metadata"]["labels"][MIGRATION_JOB_LABEL] = uid_of(migration)
    pod["metadata"]["annotations"]["kubevirt.io/migration-target-for"] = name_of(migration)
    added = (migration.get("spec") or {}).get("addedNodeSelector") or {}
    pod["spec"]["nodeSelector"].update(added)
    affinity = pod["spec"].setdefault("affinity", {})
    anti = affinity.setdefault("podAntiAffinity", {})
    anti.setdefault("requiredDuringSchedulingIgnoredDuringExecution", []).append({
        "labelSelector": {"matchLabels": {CREATED_BY_LABEL: uid_of(vmi)}},
        "topologyKey": "kubernetes.io/hostname",
    })
    return pod
