# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What has to be placed, as plain records (pure).

An item is a dict: ``key`` ("namespace/name"), ``namespace``, ``cpu`` (cores), ``memory`` (bytes),
``node_selector`` {}, ``affinity`` (required node selector terms), ``tolerations`` [], ``labels`` {},
``anti_affinity`` and ``pod_affinity`` (required pod anti-affinity and affinity terms), and ``pod_key`` when the
item is a pod already running somewhere (the pod a VM runs in). Only ``key``, ``cpu`` and ``memory`` are required by
the filters; the others default to empty.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core import quantity
from ansible_collections.workload.availability.plugins.module_utils.placement.nodes import (
    required_anti_affinity, required_pod_terms)

KUBEVIRT_SCHEDULABLE_LABEL = "kubevirt.io/schedulable"
# nodeSelector keys KubeVirt itself puts on launcher pods (CPU model and features, machine type, hyperv, ...): a
# migration target pod gets them again, so its node must carry them
KUBEVIRT_NODE_LABEL_SUFFIX = ".node.kubevirt.io"


def required_node_terms(spec):
    """The nodeSelectorTerms of a spec's required node affinity ([] when there is none)."""
    node_affinity = ((spec or {}).get("affinity") or {}).get("nodeAffinity") or {}
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    return list(required.get("nodeSelectorTerms") or [])


def _constraints(spec):
    return {"node_selector": dict(spec.get("nodeSelector") or {}), "tolerations": list(spec.get("tolerations") or []),
            "affinity": required_node_terms(spec), "anti_affinity": required_anti_affinity(spec),
            "pod_affinity": required_pod_terms(spec, "podAffinity")}


def workload_item(key, pod, spec=None):
    """An item from a pod (its requests, labels and scheduling constraints); ``spec`` overrides the pod spec for
    the constraints (a VMI spec)."""
    cpu, memory = quantity.pod_requests(pod) if pod else (0.0, 0.0)
    source = spec if spec is not None else (pod or {}).get("spec") or {}
    item = {"key": key, "namespace": key.partition("/")[0], "cpu": cpu, "memory": memory,
            "labels": dict(objects.labels_of(pod))}
    item.update(_constraints(source))
    return item


def vmi_item(vmi, launcher_pod=None):
    """An item for a VMI: its launcher pod's requests when known, else the VMI's own requests."""
    key = objects.key_of(vmi)
    spec = vmi.get("spec") or {}
    if launcher_pod is not None:
        # requests from the running launcher pod; the constraints from the VMI spec plus KubeVirt's own, as a
        # migration target pod gets them (the running pod may carry a previous migration's addedNodeSelector)
        item = workload_item(key, launcher_pod, spec)
        for label, value in ((launcher_pod.get("spec") or {}).get("nodeSelector") or {}).items():
            if label.partition("/")[0].endswith(KUBEVIRT_NODE_LABEL_SUFFIX):
                item["node_selector"][label] = value
        item["node_selector"][KUBEVIRT_SCHEDULABLE_LABEL] = "true"
        item["pod_key"] = objects.key_of(launcher_pod)
        return item
    requests = ((spec.get("domain") or {}).get("resources") or {}).get("requests") or {}
    memory = requests.get("memory") or ((spec.get("domain") or {}).get("memory") or {}).get("guest")
    item = {"key": key, "namespace": objects.namespace_of(vmi), "cpu": quantity.parse(requests.get("cpu")),
            "memory": quantity.parse(memory), "labels": dict(objects.labels_of(vmi))}
    item.update(_constraints(spec))
    return item
