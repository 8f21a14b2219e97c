"""KubeVirt's LiveMigratable condition, computed from what the VMI (and its VM) declare.

Reasons and messages are KubeVirt's. Disk access modes come from the PVC when the lab has one, else from the
VM's dataVolumeTemplates, else from the lab annotation documented in README.md.
"""

NON_MIGRATABLE_ANNOTATION = "lab.kubevirt.io/non-migratable-reason"

HOST_DEVICE = ("HostDeviceNotLiveMigratable", "VMI uses a PCI host devices")
INTERFACE = ("InterfaceNotLiveMigratable",
             "cannot migrate VMI which does not use masquerade, bridge with "
             "kubevirt.io/allow-pod-bridge-network-migration VM annotation or a migratable plugin "
             "to connect to the pod network")


def _disk_not_shared(claim):
    return ("DisksNotLiveMigratable",
            f"cannot migrate VMI: PVC {claim} is not shared, live migration requires that all PVCs must be "
            f"shared (using ReadWriteMany access mode)")


def _disk_unknown(claim):
    return ("DisksNotLiveMigratable",
            f"cannot migrate VMI: Unable to determine if PVC {claim} is shared, live migration requires that "
            f"all PVCs must be shared (using ReadWriteMany access mode)")


def _data_volume_access_modes(data_volume_templates: list, name: str) -> list | None:
    for template in data_volume_templates or []:
        if (template.get("metadata") or {}).get("name") != name:
            continue
        spec = template.get("spec") or {}
        for section in ("storage", "pvc"):
            modes = (spec.get(section) or {}).get("accessModes")
            if modes:
                return list(modes)
    return None


def non_migratable_reason(vmi_spec: dict, annotations: dict, data_volume_templates: list,
                          pvc_access_modes) -> tuple[str, str] | None:
    """(reason, message) when the VMI cannot live-migrate, else None.

    pvc_access_modes(claim_name) -> list | None looks up a PersistentVolumeClaim the lab knows.
    """
    declared = (annotations or {}).get(NON_MIGRATABLE_ANNOTATION)
    devices = ((vmi_spec.get("domain") or {}).get("devices") or {})
    for volume in vmi_spec.get("volumes") or []:
        claim = ((volume.get("persistentVolumeClaim") or {}).get("claimName")
                 or (volume.get("dataVolume") or {}).get("name"))
        if not claim:
            continue
        modes = pvc_access_modes(claim)
        if modes is None:
            modes = _data_volume_access_modes(data_volume_templates, claim)
        if modes is None and declared != "DisksNotLiveMigratable":
            return _disk_unknown(claim)
        if modes is not None and "ReadWriteMany" not in modes:
            return _disk_not_shared(claim)
    if declared == "DisksNotLiveMigratable":
        return _disk_not_shared(f"{(vmi_spec.get('volumes') or [{}])[0].get('name', 'rootdisk')}")
    if devices.get("hostDevices") or devices.get("gpus") or declared == "HostDeviceNotLiveMigratable":
        return HOST_DEVICE
    pod_networks = {n.get("name") for n in vmi_spec.get("networks") or [] if "pod" in n}
    allow_bridge = (annotations or {}).get("kubevirt.io/allow-pod-bridge-network-migration") == "true"
    for interface in devices.get("interfaces") or []:
        if "bridge" in interface and interface.get("name") in pod_networks and not allow_bridge:
            return INTERFACE
    if declared == "InterfaceNotLiveMigratable":
        return INTERFACE
    return None
