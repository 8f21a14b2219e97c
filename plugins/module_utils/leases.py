# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The medik8s node lease: ``coordination.k8s.io/v1`` Lease ``medik8s-leases/node-<node>``.

The operators use it to exclude each other: NMO holds it as ``node-maintenance`` during maintenance, NHC as
``NodeHealthCheck-<nhc>`` while remediating. A lease is valid while ``renewTime + leaseDurationSeconds`` (acquireTime
when renewTime is absent) lies in the future; an expired lease may be taken over by anyone.

Pure decisions (plain dicts, ``now`` is an aware datetime):

- ``lease_name(node_name)``, ``LEASE_NAMESPACE``, ``MAINTENANCE_HOLDER``, ``nhc_holder(nhc_name)``
- ``holder(lease)``, ``expires_at(lease)``, ``is_valid(lease, now)``
- ``decide(lease, identity, now)`` -> one of CREATE, RENEW (ours), TAKE_OVER (expired or empty holder), HELD (valid,
  someone else's)
- ``lease_body(node, identity, duration_seconds, now, lease=None)`` -> the Lease to write (new or taken over / renewed)
- ``format_time(dt)`` / ``parse_time(text)`` for MicroTime fields

Effects through the Cluster adapter (``cluster`` follows plugins/module_utils/cluster.py):

- ``acquire(cluster, node, identity, duration_seconds, now)`` -> (lease, changed); raises ``LeaseHeld`` naming the
  holder and expiry when another holder's lease is valid. Creates the namespace when missing.
- ``release(cluster, node_name, identity)`` -> changed; deletes the lease only when ``identity`` holds it.
- ``read(cluster, node_name)`` -> the Lease or None.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime

from ansible_collections.workload.availability.plugins.module_utils import cluster as cluster_api
from ansible_collections.workload.availability.plugins.module_utils.errors import ClusterError

LEASE_NAMESPACE = "medik8s-leases"
MAINTENANCE_HOLDER = "node-maintenance"
NMO_LEASE_SECONDS = 3600

CREATE = "create"
RENEW = "renew"
TAKE_OVER = "take-over"
HELD = "held"

_MICRO_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class LeaseHeld(Exception):
    """Another holder has a valid lease on the node."""

    def __init__(self, node_name, holder_identity, expires):
        self.node_name = node_name
        self.holder = holder_identity
        self.expires = expires
        super(LeaseHeld, self).__init__(
            "node %s is held by %s (lease %s/%s valid until %s)"
            % (node_name, holder_identity, LEASE_NAMESPACE, lease_name(node_name),
               format_time(expires) if expires else "unknown"))


class LeaseContended(Exception):
    """The lease changed under every attempt to write it."""


def lease_name(node_name):
    return "node-%s" % node_name


def nhc_holder(nhc_name):
    return "NodeHealthCheck-%s" % nhc_name


def format_time(moment):
    return moment.astimezone(datetime.timezone.utc).strftime(_MICRO_FORMAT)


def parse_time(text):
    """Parse an RFC 3339 MicroTime/Time string into an aware datetime; None for empty input."""
    if not text:
        return None
    value = text.strip().replace("z", "Z")
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    if "." in value:
        head, rest = value.split(".", 1)
        digits = ""
        while rest and rest[0].isdigit():
            digits += rest[0]
            rest = rest[1:]
        value = "%s.%s%s" % (head, (digits + "000000")[:6], rest)
    return datetime.datetime.fromisoformat(value)


def holder(lease):
    return ((lease or {}).get("spec") or {}).get("holderIdentity") or None


def expires_at(lease):
    """When the lease stops being valid, or None when it has no time or duration (never valid)."""
    spec = (lease or {}).get("spec") or {}
    start = parse_time(spec.get("renewTime")) or parse_time(spec.get("acquireTime"))
    duration = spec.get("leaseDurationSeconds")
    if start is None or duration is None:
        return None
    return start + datetime.timedelta(seconds=int(duration))


def is_valid(lease, now):
    end = expires_at(lease)
    return end is not None and end > now


def decide(lease, identity, now):
    """What acquiring the lease for ``identity`` means given the current Lease (or None)."""
    if lease is None:
        return CREATE
    current = holder(lease)
    if current == identity:
        return RENEW
    if current and is_valid(lease, now):
        return HELD
    return TAKE_OVER


def lease_body(node, identity, duration_seconds, now, lease=None):
    """The Lease to write for ``identity``: a new one (lease None), a renewal (ours) or a take-over (expired)."""
    node_meta = node.get("metadata") or {}
    stamp = format_time(now)
    if lease is None:
        body = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": lease_name(node_meta["name"]), "namespace": LEASE_NAMESPACE},
            "spec": {},
        }
        if node_meta.get("uid"):
            body["metadata"]["ownerReferences"] = [{
                "apiVersion": "v1", "kind": "Node", "name": node_meta["name"], "uid": node_meta["uid"]}]
    else:
        body = copy.deepcopy(lease)
    spec = body.setdefault("spec", {})
    if holder(body) != identity:
        if lease is not None:
            spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + 1
        spec["acquireTime"] = stamp
        spec["holderIdentity"] = identity
    spec["renewTime"] = stamp
    spec["leaseDurationSeconds"] = int(duration_seconds)
    return body


def needs_renewal(lease, duration_seconds, now):
    """Renew when less than half the duration is left (avoids a write on every idempotent rerun)."""
    end = expires_at(lease)
    return end is None or (end - now).total_seconds() < duration_seconds / 2.0


# Effects -------------------------------------------------------------------------------------------------------

def read(cluster, node_name):
    return cluster.get(cluster_api.LEASE, lease_name(node_name), namespace=LEASE_NAMESPACE)


def _ensure_namespace(cluster):
    if cluster.get(cluster_api.NAMESPACE, LEASE_NAMESPACE) is None:
        try:
            cluster.create(cluster_api.NAMESPACE, {"apiVersion": "v1", "kind": "Namespace",
                                                   "metadata": {"name": LEASE_NAMESPACE}})
        except ClusterError as exc:
            if exc.status != 409:
                raise


def acquire(cluster, node, identity, duration_seconds, now):
    """Take or renew the node's lease for ``identity``. Returns (lease, changed). Raises LeaseHeld."""
    node_name = node["metadata"]["name"]
    for _attempt in range(5):
        lease = read(cluster, node_name)
        action = decide(lease, identity, now)
        if action == HELD:
            raise LeaseHeld(node_name, holder(lease), expires_at(lease))
        if action == RENEW and not needs_renewal(lease, duration_seconds, now):
            return lease, False
        if action == CREATE:
            _ensure_namespace(cluster)
            try:
                return cluster.create(cluster_api.LEASE, lease_body(node, identity, duration_seconds, now),
                                      namespace=LEASE_NAMESPACE), True
            except ClusterError as exc:
                if exc.status == 409:
                    continue
                raise
        try:
            return cluster.replace(cluster_api.LEASE, lease_body(node, identity, duration_seconds, now, lease)), True
        except ClusterError as exc:
            if exc.status == 409:
                continue
            raise
    raise LeaseContended("lease %s/%s kept changing while we tried to take it; rerun later"
                         % (LEASE_NAMESPACE, lease_name(node_name)))


def release(cluster, node_name, identity):
    """Delete the lease when ``identity`` holds it. Returns True when deleted; another holder's lease is left."""
    lease = read(cluster, node_name)
    if lease is None or holder(lease) != identity:
        return False
    cluster.delete(cluster_api.LEASE, lease_name(node_name), namespace=LEASE_NAMESPACE)
    return True
