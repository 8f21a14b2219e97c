# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The node lease during and after a fence run (shell; decisions in fencing/decisions.py and leases.py).

A run holds ``workload.availability.fence_node/<run id>`` while it acts; at the end it releases the lease when the
node is back, or parks it as ``workload.availability.fence_node`` so a fenced node stays excluded. A forced run on
a node in maintenance acts under the maintenance lease (holder ``node-maintenance``): it marks the lease with its
run (an annotation written with the read resourceVersion, so two such runs exclude each other) and removes only
that mark at the end; the lease itself stays with the maintenance.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.workload.availability.plugins.module_utils import lease_updates
from ansible_collections.workload.availability.plugins.module_utils import leases
from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import kinds
from ansible_collections.workload.availability.plugins.module_utils.core.errors import AvailabilityError, ClusterError
from ansible_collections.workload.availability.plugins.module_utils.fencing import decisions


class RunLease(object):
    """The lease of one fence run. ``result`` is the run's result dict (its ``lease`` entry is kept here)."""

    def __init__(self, ctx, name, run_holder, result):
        self.ctx = ctx
        self.name = name
        self.run_holder = run_holder
        self.result = result
        self.held = None
        self.claimed = False

    def take(self, node, action, force, remediation, seconds, under_maintenance):
        """Hold the node for ``seconds``: our own run lease, or this run's mark on the maintenance lease."""
        if under_maintenance:
            self._claim(node, action, force, remediation, seconds)
            return
        if leases.holder(lease_updates.read(self.ctx.cluster, self.name)) == medik8s.FENCE_PARKED_HOLDER:
            lease_updates.release(self.ctx.cluster, self.name, medik8s.FENCE_PARKED_HOLDER)
        lease_updates.acquire(self.ctx.cluster, node, self.run_holder, seconds, self.ctx.now())
        self.held = self.run_holder
        self.result["lease"] = {"holder": self.run_holder, "state": "held"}
        self.ctx.event("lease_acquired", holder=self.run_holder, seconds=seconds)

    def _claim(self, node, action, force, remediation, seconds):
        until = self.ctx.now() + datetime.timedelta(seconds=seconds)

        def mark(lease):
            now = self.ctx.now()
            if not decisions.under_maintenance(node, action, force, lease, now):
                raise AvailabilityError(
                    "node %s: the maintenance lease %s/%s changed hands or expired before this run could mark it "
                    "(holder now %s); nothing was done" % (self.name, medik8s.LEASE_NAMESPACE,
                                                           medik8s.lease_name(self.name), leases.holder(lease)))
            if decisions.claim(lease, now)[0]:
                raise AvailabilityError("refusing to %s node %s: %s" % (action, self.name, decisions.refusals(
                    node, action, force, lease, now, remediation)[0]))
            return decisions.claimed_lease(lease, self.run_holder, until)

        try:
            self.ctx.cluster.update_with_retry(kinds.LEASE, medik8s.lease_name(self.name), mark,
                                               namespace=medik8s.LEASE_NAMESPACE)
        except ClusterError as error:
            raise AvailabilityError("node %s: marking the maintenance lease failed, nothing was done: %s"
                                    % (self.name, error))
        self.claimed = True
        self.result["lease"] = {"holder": medik8s.MAINTENANCE_HOLDER, "state": "marked", "run": self.run_holder}
        self.ctx.event("maintenance_lease_marked", holder=medik8s.MAINTENANCE_HOLDER, run=self.run_holder)

    def _unmark(self):
        """Remove this run's mark; the lease stays with the maintenance."""
        try:
            self.ctx.cluster.update_with_retry(kinds.LEASE, medik8s.lease_name(self.name),
                                               lambda lease: decisions.unclaimed_lease(lease, self.run_holder),
                                               namespace=medik8s.LEASE_NAMESPACE)
        except ClusterError as error:
            if error.status != 404:
                raise
        self.claimed = False
        self.result["lease"] = {"holder": medik8s.MAINTENANCE_HOLDER, "state": "left to maintenance",
                                "run": self.run_holder}
        self.ctx.event("maintenance_lease_unmarked", holder=medik8s.MAINTENANCE_HOLDER)

    def finish(self, node, recovered, park_seconds):
        """Release the lease when the node is back; otherwise leave the node marked as fenced (parked lease)."""
        if self.claimed:
            self._unmark()
            return
        if not self.held:
            return
        lease_updates.release(self.ctx.cluster, self.name, self.held)
        self.held = None
        if recovered:
            self.result["lease"] = {"holder": None, "state": "released"}
            self.ctx.event("lease_released")
            return
        lease_updates.acquire(self.ctx.cluster, node, medik8s.FENCE_PARKED_HOLDER, park_seconds, self.ctx.now())
        self.result["lease"] = {"holder": medik8s.FENCE_PARKED_HOLDER, "state": "parked", "seconds": park_seconds}
        self.ctx.event("lease_parked", holder=medik8s.FENCE_PARKED_HOLDER)

    def finish_after_failure(self, node, fenced, park_seconds):
        """After a failure: nothing fenced -> release; fenced -> park so the node stays marked. Under the
        maintenance lease only this run's mark is removed: the maintenance keeps the node. A failure here is
        recorded, not raised: the run's own failure is what the user must see."""
        if not (self.claimed or self.held):
            return
        try:
            self.finish(node, recovered=not fenced, park_seconds=park_seconds)
        except AvailabilityError as error:
            self.ctx.event("lease_cleanup_failed", message=str(error))
