# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decisions about the medik8s node lease ``coordination.k8s.io/v1`` Lease ``medik8s-leases/node-<node>`` (pure).

The operators use it to exclude each other: NMO holds it as ``node-maintenance`` during maintenance, NHC as
``NodeHealthCheck-<nhc>`` while remediating. A lease is valid while ``renewTime + leaseDurationSeconds`` (acquireTime
when renewTime is absent) lies in the future; an expired lease may be taken over by anyone. Keys in medik8s.py,
effects in lease_updates.py. ``now`` is an aware datetime.

- ``holder(lease)``, ``expires_at(lease)``, ``is_valid(lease, now)``
- ``decide(lease, identity, now)`` -> one of CREATE, RENEW (ours), TAKE_OVER (expired or empty holder), HELD (valid,
  someone else's)
- ``lease_body(node, identity, duration_seconds, now, lease=None)`` -> the Lease to write (new or taken over / renewed)
- ``needs_renewal(lease, duration_seconds, now)``, ``held_error(node_name, lease)``
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime

from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core.clock import format_time, parse_time
from ansible_collections.workload.availability.plugins.module_utils.core.errors import LeaseHeld

CREATE = "create"
RENEW = "renew"
TAKE_OVER = "take-over"
HELD = "held"


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


def held_error(node_name, lease):
    """The LeaseHeld error naming the holder and the expiry of another holder's valid lease."""
    expires = expires_at(lease)
    return LeaseHeld("node %s is held by %s (lease %s/%s valid until %s)"
                     % (node_name, holder(lease), medik8s.LEASE_NAMESPACE, medik8s.lease_name(node_name),
                        format_time(expires) if expires else "unknown"),
                     node_name, holder(lease), expires)


def lease_body(node, identity, duration_seconds, now, lease=None):
    """The Lease to write for ``identity``: a new one (lease None), a renewal (ours) or a take-over (expired)."""
    node_meta = node.get("metadata") or {}
    stamp = format_time(now)
    if lease is None:
        body = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": medik8s.lease_name(node_meta["name"]), "namespace": medik8s.LEASE_NAMESPACE},
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
