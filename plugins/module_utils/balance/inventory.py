# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The VMs of a snapshot as placement items, with what rebalancing needs beyond placement.

``vm_items(vmis, pods)`` -> {VMI key: item}: ``placement.items.vmi_item`` of each placed VMI with its running
virt-launcher pod (the requests and constraints a migration target pod carries, ``pod_key`` naming the launcher),
plus ``name``, ``node`` (where it runs), ``guest_memory`` (bytes, as KubeVirt sizes a migration) and ``launcher``
(the pod object, or None).
``capacity(node)`` -> {"cpu" cores, "memory" bytes} of the machine, what Prometheus' utilization is a share of.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core import quantity
from ansible_collections.workload.availability.plugins.module_utils.core.pods import (
    is_finished, is_virt_launcher, launcher_vmi_name, node_name_of)
from ansible_collections.workload.availability.plugins.module_utils.placement.items import vmi_item


def capacity(node):
    status = node.get("status") or {}
    cpu, memory, _pods = quantity.node_allocatable(node)
    given = status.get("capacity") or {}
    return {"cpu": quantity.parse(given.get("cpu")) or cpu, "memory": quantity.parse(given.get("memory")) or memory}


def guest_memory(vmi):
    """Guest memory in bytes as KubeVirt sizes a migration: ``domain.memory.guest``, else the memory request."""
    domain = (vmi.get("spec") or {}).get("domain") or {}
    guest = (domain.get("memory") or {}).get("guest")
    if guest:
        return quantity.parse(guest)
    return quantity.parse(((domain.get("resources") or {}).get("requests") or {}).get("memory"))


def _launchers_by_node(pods):
    """{(VMI key, node): launcher pod} of the virt-launcher pods holding resources (two per VMI while it
    migrates: the source and the target)."""
    found = {}
    for pod in pods:
        if is_virt_launcher(pod) and node_name_of(pod) and not is_finished(pod):
            found[(objects.key(objects.namespace_of(pod), launcher_vmi_name(pod)), node_name_of(pod))] = pod
    return found


def vm_items(vmis, pods):
    launchers = _launchers_by_node(pods)
    items = {}
    for vmi in vmis:
        node = (vmi.get("status") or {}).get("nodeName")
        if not node:
            continue
        key = objects.key_of(vmi)
        launcher = launchers.get((key, node))
        item = vmi_item(vmi, launcher)
        guest = guest_memory(vmi)
        item.update(name=objects.name_of(vmi), node=node, guest_memory=guest or item["memory"], launcher=launcher)
        items[key] = item
    return items
