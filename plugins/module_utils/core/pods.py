# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure facts about Pod objects."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core import objects

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
FINISHED_PHASES = ("Succeeded", "Failed")
VIRT_LAUNCHER_LABEL = ("kubevirt.io", "virt-launcher")
VMI_NAME_LABEL = "vm.kubevirt.io/name"


def node_name_of(pod):
    return (pod.get("spec") or {}).get("nodeName")


def is_mirror_pod(pod):
    """A static pod of the kubelet, shown through the API as a mirror pod: it cannot be evicted or deleted."""
    return MIRROR_ANNOTATION in objects.annotations_of(pod)


def is_daemonset_pod(pod):
    ref = objects.controller_of(pod)
    return bool(ref) and ref.get("kind") == "DaemonSet"


def is_finished(pod):
    return (pod.get("status") or {}).get("phase") in FINISHED_PHASES


def uses_emptydir(pod):
    return any("emptyDir" in volume for volume in (pod.get("spec") or {}).get("volumes") or [])


def is_virt_launcher(pod):
    return objects.labels_of(pod).get(VIRT_LAUNCHER_LABEL[0]) == VIRT_LAUNCHER_LABEL[1]


def launcher_vmi_name(pod):
    """Name of the VMI a virt-launcher pod runs (owner reference, else the vm.kubevirt.io/name label)."""
    ref = objects.controller_of(pod)
    if ref and ref.get("kind") == "VirtualMachineInstance":
        return ref.get("name")
    return objects.labels_of(pod).get(VMI_NAME_LABEL)
