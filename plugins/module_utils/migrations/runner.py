# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Live migrations through the cluster adapter (shell): read KubeVirt's limits, start, follow and cancel
migrations. What to migrate, where and when is decided by the caller (node_maintenance's drain loop today,
rebalance_vms tomorrow) with migrations/state.py and placement/."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core import kinds
from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core.errors import ClusterError
from ansible_collections.workload.availability.plugins.module_utils.migrations import state


def read_limits(cluster):
    """KubeVirt's parallel migration limits from its CR (KubeVirt's defaults when it is not served)."""
    if not cluster.served(kinds.KUBEVIRT):
        return dict(state.DEFAULT_LIMITS)
    crs = cluster.list(kinds.KUBEVIRT)
    return state.limits_from_kubevirt(crs[0] if crs else None)


def start(cluster, body):
    """Create a migration; returns it, or None when KubeVirt refuses because one already runs for that VMI
    (another run, or the last request of an interrupted one, started it since the caller's snapshot)."""
    try:
        return cluster.create(kinds.VMIM, body, namespace=body["metadata"]["namespace"])
    except ClusterError as exc:
        if exc.status in (400, 422) and "in-flight migration" in exc.message:
            return None
        raise


def cancel(cluster, vmims, event):
    """Delete migrations (queued ones: KubeVirt has not started them, nothing is lost)."""
    for vmim in vmims:
        cluster.delete(kinds.VMIM, objects.name_of(vmim), namespace=objects.namespace_of(vmim))
        event("queued migration cancelled", migration=objects.key_of(vmim))


def follow(cluster, vmis, watched, node_name, timeout, describe):
    """Wait (up to ``timeout``) until something that matters happens to the watched VMIs or those on
    ``node_name`` (state.vmi_signature changes). Raises WaitTimeout when nothing did."""
    before = state.vmi_signature(vmis, watched, node_name)
    cluster.wait_until(kinds.VMI, lambda found: state.vmi_signature(found, watched, node_name) != before, timeout,
                       describe=describe)
