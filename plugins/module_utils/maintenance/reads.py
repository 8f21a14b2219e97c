# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What both maintenance modes read before they act (shell): the node, its lease (refused when another holder has
it), a snapshot of what runs on it, the etcd disruption budget of a control-plane node."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import lease_updates
from ansible_collections.workload.availability.plugins.module_utils import leases
from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import kinds
from ansible_collections.workload.availability.plugins.module_utils.core import nodes
from ansible_collections.workload.availability.plugins.module_utils.core.errors import AvailabilityError
from ansible_collections.workload.availability.plugins.module_utils.maintenance import progress


def read_node(cluster, name, result=None):
    """The node; when it does not exist the run stops with ``result`` (what was done so far)."""
    node = cluster.get(kinds.NODE, name)
    if node is None:
        raise AvailabilityError("node %s not found: check the name option (kubectl get nodes lists them)" % name,
                                result)
    return node


def read_lease(cluster, node_name, now, result):
    """The node's lease; maintenance never takes a node another holder (a remediation) holds."""
    lease = lease_updates.read(cluster, node_name)
    if leases.decide(lease, medik8s.MAINTENANCE_HOLDER, now) == leases.HELD:
        raise AvailabilityError("refusing maintenance: %s" % leases.held_error(node_name, lease),
                                dict(result, lease_holder=leases.holder(lease)))
    return lease


def read_snapshot(cluster, node_name):
    """The node's pods, every VMI and every migration (3 requests; VMIs and migrations only where KubeVirt is)."""
    pods = cluster.pods_on_node(node_name)
    vmis = cluster.list_if_served(kinds.VMI)
    return progress.Snapshot(node_name, pods, vmis, cluster.list(kinds.VMIM) if vmis else [])


def read_etcd_pdbs(cluster, node):
    return cluster.list(kinds.PDB, namespace=medik8s.ETCD_NAMESPACE) if nodes.is_control_plane(node) else []
