"""VirtualMachines of a lab scenario, as a user would create them (pure builders).

Scenario entries (lab.cluster's scenario dict, "vms" list): namespace, name, cpu, memory_bytes, run_strategy,
eviction_strategy, migratable, load_profile, and optionally node: the VM's first launcher pod is placed there
(lab annotation lab.kubevirt.io/initial-node, used once; the VM itself stays free to migrate anywhere).
A non-migratable VM declares what makes KubeVirt refuse live migration: a ReadWriteOnce root disk, or (per
not_migratable_reason) a PCI host device or a bridge binding on the pod network.
"""
from .launcher import INITIAL_NODE_ANNOTATION
from lab.quantity import format_bytes

DEFAULT_NAMESPACE = "vms"
LOAD_PROFILE_ANNOTATION = "lab.kubevirt.io/load-profile"


def fallback_scenario_vms(count: int = 12) -> list[dict]:
    """The small scenario's VMs, used while lab.cluster provides no scenario: mixed sizes, two non-migratable."""
    sizes = [(1, 2 * 2 ** 30), (2, 4 * 2 ** 30), (4, 8 * 2 ** 30)]
    profiles = ["steady", "noisy", "diurnal", "spike"]
    vms = []
    for i in range(count):
        cpu, memory = sizes[i % len(sizes)]
        vms.append({"namespace": DEFAULT_NAMESPACE, "name": f"vm-{i + 1:02d}", "cpu": cpu, "memory_bytes": memory,
                    "run_strategy": "Always", "eviction_strategy": "LiveMigrate", "migratable": i not in (4, 9),
                    "load_profile": profiles[i % len(profiles)]})
    return vms


def vm_from_scenario(entry: dict) -> dict:
    name = entry["name"]
    namespace = entry.get("namespace") or DEFAULT_NAMESPACE
    memory = format_bytes(int(entry.get("memory_bytes") or 2 ** 30))
    disk = f"{name}-rootdisk"
    reason = None if entry.get("migratable", True) else (entry.get("not_migratable_reason") or
                                                         "DisksNotLiveMigratable")
    access = "ReadWriteOnce" if reason == "DisksNotLiveMigratable" else "ReadWriteMany"
    binding = {"bridge": {}} if reason == "InterfaceNotLiveMigratable" else {"masquerade": {}}
    template_spec = {
        "domain": {
            "cpu": {"cores": int(entry.get("cpu") or 1), "sockets": 1, "threads": 1},
            "memory": {"guest": memory},
            "resources": {"requests": {"memory": memory}},
            "devices": {"disks": [{"name": "rootdisk", "disk": {"bus": "virtio"}}],
                        "interfaces": [dict({"name": "default"}, **binding)]},
        },
        "networks": [{"name": "default", "pod": {}}],
        "volumes": [{"name": "rootdisk", "dataVolume": {"name": disk}}],
        "terminationGracePeriodSeconds": 180,
    }
    if reason == "HostDeviceNotLiveMigratable":
        template_spec["domain"]["devices"]["hostDevices"] = [{"name": "gpu1", "deviceName": "nvidia.com/GA102GL_A10"}]
    if entry.get("eviction_strategy"):
        template_spec["evictionStrategy"] = entry["eviction_strategy"]
    labels = {"app": name, "vm.kubevirt.io/name": name}
    annotations = {LOAD_PROFILE_ANNOTATION: entry.get("load_profile") or "steady"}
    if entry.get("node"):
        annotations[INITIAL_NODE_ANNOTATION] = entry["node"]
    return {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachine",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels), "annotations": annotations},
        "spec": {
            "runStrategy": entry.get("run_strategy") or "Always",
            "dataVolumeTemplates": [{
                "metadata": {"name": disk},
                "spec": {"storage": {"accessModes": [access], "resources": {"requests": {"storage": "30Gi"}}},
                         "sourceRef": {"kind": "DataSource", "name": "rhel9",
                                       "namespace": "openshift-virtualization-os-images"}},
            }],
            "template": {"metadata": {"labels": dict(labels)}, "spec": template_spec},
        },
    }
