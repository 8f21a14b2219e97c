# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Node, Pod and VMI objects (as the API returns them) turned into the flat records the planner works on.

``node_record(node, requested)`` ->
``{"name", "hostname", "labels", "taints", "allocatable": {"cpu", "memory", "pods"}, "capacity": {"cpu",
"memory"}, "requested": {"cpu", "memory", "pods"}}`` (CPU in cores, memory in bytes).

``vm_record(vmi, launcher_pod)`` ->
``{"key": "ns/name", "namespace", "name", "node", "labels", "requests": {"cpu", "memory"}, "guest_memory",
"node_selector", "affinity", "tolerations", "launcher_pod"}``: what a migration target pod will ask of its node.

``pod_requests(pods)`` parses each pod's requests once; ``requested_by_node(pods, requests)`` sums them per node;
``launcher_pods(pods)`` finds each VMI's running virt-launcher pod.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import quantity

HOSTNAME_LABEL = "kubernetes.io/hostname"
SCHEDULABLE_LABEL = "kubevirt.io/schedulable"
# Selector keys KubeVirt itself puts on launcher pods (CPU model and features, machine type, hyperv, ...): a
# migration target pod gets them again, so a destination must carry them.
KUBEVIRT_NODE_LABEL_SUFFIX = ".node.kubevirt.io"
FINISHED_POD_PHASES = ("Succeeded", "Failed")


def key_of(obj):
    metadata = obj.get("metadata") or {}
    return "%s/%s" % (metadata.get("namespace"), metadata.get("name"))


def holds_resources(pod):
    return bool((pod.get("spec") or {}).get("nodeName")) \
        and (pod.get("status") or {}).get("phase") not in FINISHED_POD_PHASES


def pod_requests(pods):
    """{pod key: (cpu cores, memory bytes)} of the pods that hold resources on a node (parsed once per pod)."""
    return dict((key_of(pod), quantity.pod_requests(pod)) for pod in pods if holds_resources(pod))


def requested_by_node(pods, requests=None):
    """{node: {"cpu", "memory", "pods"}} reserved by the pods bound to each node and not finished.
    ``requests``: ``pod_requests(pods)`` when the caller has it already."""
    requests = requests if requests is not None else pod_requests(pods)
    used = {}
    for pod in pods:
        if not holds_resources(pod):
            continue
        cpu, memory = requests[key_of(pod)]
        entry = used.setdefault(pod["spec"]["nodeName"], {"cpu": 0.0, "memory": 0.0, "pods": 0})
        entry["cpu"] += cpu
        entry["memory"] += memory
        entry["pods"] += 1
    return used


def node_record(node, requested=None):
    metadata = node.get("metadata") or {}
    labels = dict(metadata.get("labels") or {})
    cpu, memory, pods = quantity.node_allocatable(node)
    capacity = (node.get("status") or {}).get("capacity") or {}
    return {
        "name": metadata["name"],
        "hostname": labels.get(HOSTNAME_LABEL) or metadata["name"],
        "labels": labels,
        "taints": list((node.get("spec") or {}).get("taints") or []),
        "allocatable": {"cpu": cpu, "memory": memory, "pods": pods},
        "capacity": {"cpu": quantity.parse(capacity.get("cpu")) or cpu,
                     "memory": quantity.parse(capacity.get("memory")) or memory},
        "requested": dict(requested or {"cpu": 0.0, "memory": 0.0, "pods": 0}),
    }


def _owner_vmi(pod):
    for owner in (pod.get("metadata") or {}).get("ownerReferences") or []:
        if owner.get("kind") == "VirtualMachineInstance":
            return owner.get("name")
    return ((pod.get("metadata") or {}).get("labels") or {}).get("vm.kubevirt.io/name")


def launcher_pods(pods):
    """{vmi key: [virt-launcher pods holding resources]}: two while a migration runs (source and target)."""
    found = {}
    for pod in pods:
        labels = (pod.get("metadata") or {}).get("labels") or {}
        if labels.get("kubevirt.io") != "virt-launcher" or not holds_resources(pod):
            continue
        name = _owner_vmi(pod)
        if name:
            found.setdefault("%s/%s" % (pod["metadata"].get("namespace"), name), []).append(pod)
    return found


def launcher_pod_on(pods, node_name):
    """The launcher pod running on ``node_name`` among a VMI's launcher pods, or None."""
    for pod in pods or []:
        if (pod.get("spec") or {}).get("nodeName") == node_name:
            return pod
    return None


def guest_memory(vmi):
    """Guest memory in bytes, as KubeVirt sizes a migration: ``domain.memory.guest``, else the memory request."""
    domain = (vmi.get("spec") or {}).get("domain") or {}
    guest = (domain.get("memory") or {}).get("guest")
    if guest:
        return quantity.parse(guest)
    return quantity.parse(((domain.get("resources") or {}).get("requests") or {}).get("memory"))


def migration_node_selector(vmi, pod):
    """The nodeSelector a migration target pod carries: the VMI's own, KubeVirt's node-feature keys from the running
    launcher pod and ``kubevirt.io/schedulable=true``. Other keys of the running pod are dropped: they may be an
    earlier migration's ``addedNodeSelector`` pinning the current node."""
    selector = dict((vmi.get("spec") or {}).get("nodeSelector") or {})
    for key, value in (((pod or {}).get("spec") or {}).get("nodeSelector") or {}).items():
        if key.split("/", 1)[0].endswith(KUBEVIRT_NODE_LABEL_SUFFIX):
            selector[key] = value
    selector[SCHEDULABLE_LABEL] = "true"
    return selector


def vm_record(vmi, pod=None, requests=None):
    """``requests``: the launcher pod's (cpu, memory) when already parsed."""
    metadata = vmi.get("metadata") or {}
    spec = vmi.get("spec") or {}
    guest = guest_memory(vmi)
    if pod is not None:
        cpu, memory = requests or quantity.pod_requests(pod)
        labels = dict((pod.get("metadata") or {}).get("labels") or {})
        tolerations = (pod.get("spec") or {}).get("tolerations")
    else:
        requests = ((spec.get("domain") or {}).get("resources") or {}).get("requests") or {}
        cpu, memory = quantity.parse(requests.get("cpu")), quantity.parse(requests.get("memory"))
        labels, tolerations = {}, None
    for key, value in (metadata.get("labels") or {}).items():
        labels.setdefault(key, value)
    return {
        "key": key_of(vmi),
        "namespace": metadata.get("namespace"),
        "name": metadata.get("name"),
        "node": (vmi.get("status") or {}).get("nodeName"),
        "labels": labels,
        "requests": {"cpu": cpu, "memory": memory or guest},
        "guest_memory": guest or memory,
        "node_selector": migration_node_selector(vmi, pod),
        "affinity": dict(spec.get("affinity") or {}),
        "tolerations": list(tolerations if tolerations is not None else spec.get("tolerations") or []),
        "launcher_pod": (pod or {}).get("metadata", {}).get("name"),
    }
