# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading, taking and giving back the medik8s node lease through the cluster adapter (shell; decisions in
leases.py).

- ``read(cluster, node_name)`` -> the Lease or None.
- ``acquire(cluster, node, identity, duration_seconds, now)`` -> (lease, changed); raises ``LeaseHeld`` naming the
  holder and expiry when another holder's lease is valid, ``LeaseContended`` when it changed under every attempt.
  Creates the namespace when missing.
- ``release(cluster, node_name, identity)`` -> changed; deletes the lease only when ``identity`` holds it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import leases
from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import kinds
from ansible_collections.workload.availability.plugins.module_utils.core.errors import ClusterError, LeaseContended

ACQUIRE_ATTEMPTS = 5


def read(cluster, node_name):
    return cluster.get(kinds.LEASE, medik8s.lease_name(node_name), namespace=medik8s.LEASE_NAMESPACE)


def _ensure_namespace(cluster):
    if cluster.get(kinds.NAMESPACE, medik8s.LEASE_NAMESPACE) is None:
        try:
            cluster.create(kinds.NAMESPACE, {"apiVersion": "v1", "kind": "Namespace",
                                             "metadata": {"name": medik8s.LEASE_NAMESPACE}})
        except ClusterError as exc:
            if exc.status != 409:
                raise


def acquire(cluster, node, identity, duration_seconds, now):
    """Take or renew the node's lease for ``identity``. Returns (lease, changed)."""
    node_name = node["metadata"]["name"]
    for _attempt in range(ACQUIRE_ATTEMPTS):
        lease = read(cluster, node_name)
        action = leases.decide(lease, identity, now)
        if action == leases.HELD:
            raise leases.held_error(node_name, lease)
        if action == leases.RENEW and not leases.needs_renewal(lease, duration_seconds, now):
            return lease, False
        if action == leases.CREATE:
            _ensure_namespace(cluster)
            try:
                return cluster.create(kinds.LEASE, leases.lease_body(node, identity, duration_seconds, now),
                                      namespace=medik8s.LEASE_NAMESPACE), True
            except ClusterError as exc:
                if exc.status == 409:
                    continue
                raise
        try:
            return cluster.replace(kinds.LEASE, leases.lease_body(node, identity, duration_seconds, now, lease)), True
        except ClusterError as exc:
            if exc.status == 409:
                continue
            raise
    raise LeaseContended("lease %s/%s kept changing while we tried to take it; rerun later"
                         % (medik8s.LEASE_NAMESPACE, medik8s.lease_name(node_name)))


def release(cluster, node_name, identity):
    """Delete the lease when ``identity`` holds it. Returns True when deleted; another holder's lease is left."""
    lease = read(cluster, node_name)
    if lease is None or leases.holder(lease) != identity:
        return False
    cluster.delete(kinds.LEASE, medik8s.lease_name(node_name), namespace=medik8s.LEASE_NAMESPACE)
    return True
