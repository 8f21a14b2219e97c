# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drain loop of native maintenance (shell): read a snapshot, plan, act (evict, shut down, migrate), wait for a
change; until the node is drained, nothing can move any more, or the timeout. Every pass starts from the cluster's
state, so an interrupted run is finished by the next one. Decisions: maintenance/plan.py, progress.py,
evictions.py; migrations through migrations/runner.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import kinds
from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core.errors import (
    AvailabilityError, ClusterError, WaitTimeout)
from ansible_collections.workload.availability.plugins.module_utils.maintenance import plan as plans
from ansible_collections.workload.availability.plugins.module_utils.maintenance import progress
from ansible_collections.workload.availability.plugins.module_utils.maintenance.evictions import EvictionBackoff
from ansible_collections.workload.availability.plugins.module_utils.maintenance.reads import read_snapshot
from ansible_collections.workload.availability.plugins.module_utils.migrations import runner as migrations
from ansible_collections.workload.availability.plugins.module_utils.migrations import state as migration_state

MAX_WAIT_SLICE = 15.0


def busy(exc):
    """Throttling or a server error: worth reading again rather than failing the drain."""
    return exc.status == 429 or (exc.status or 500) >= 500


def migration_body(entry, node_name, target=None):
    """A migration of one VMI of the drained node, labelled so any later run finds it."""
    return migration_state.migration_body(
        entry["namespace"], entry["name"], "maintenance-%s-" % entry["name"][:40],
        {medik8s.MIGRATION_NODE_LABEL: node_name, medik8s.MANAGED_BY_LABEL[0]: medik8s.MANAGED_BY_LABEL[1]},
        target)


class DrainLoop(object):
    """``result`` is the run's result (evicted, migrated, shut_down, left_on_node, pending, drain_progress, phase
    are kept up to date); ``lease`` renews the node lease when due."""

    def __init__(self, ctx, params, options, result, lease):
        self.ctx = ctx
        self.cluster = ctx.cluster
        self.params = params
        self.options = options
        self.node_name = params["name"]
        self.result = result
        self.lease = lease
        self.backoff = {}       # pod key -> EvictionBackoff
        self.evicted = set()
        self.deleted_vmis = set()
        self.tracked = {}       # vmi key -> {"started": datetime} of VMIs we migrate
        self.limits = None

    def run(self, first_plan, targets):
        """Drain until done; returns whether it acted. Raises AvailabilityError on timeout or when stuck."""
        deadline = self.ctx.monotonic() + self.params["timeout"]
        self.limits = migrations.read_limits(self.cluster)
        self.result["migration_limits"] = self.limits
        total = plans.remaining_count(first_plan)
        acted = False
        last_pending = []
        while True:
            snap = self.read(deadline)
            if snap is None:
                continue
            plan = plans.plan_drain(snap.pods, snap.vmis_on_node, self.options)
            self.note_migrated(snap)
            self.result["drain_progress"] = plans.drain_progress(total, plans.remaining_count(plan))
            self.result["left_on_node"] = plan["pods"]["skip"] + plan["vms"]["skip"]
            if plans.is_drained(plan):
                self.result.update(phase="Succeeded", pending=[], drain_progress=100)
                self.ctx.event("drained", evicted=len(self.result["evicted"]), migrated=len(self.result["migrated"]))
                if acted:
                    self.cluster.emit_event({"apiVersion": "v1", "kind": "Node", "metadata": {"name": self.node_name}},
                                            "MaintenanceDrained", "node drained for maintenance")
                return acted
            now = self.ctx.monotonic()
            if now >= deadline:
                self.result.update(phase="Failed", pending=last_pending or self.pending(plan, snap))
                self.ctx.event("timeout", pending=len(self.result["pending"]))
                raise AvailabilityError(
                    "node %s not drained within timeout=%ss (%d%% done); it stays cordoned and recorded; pending: %s"
                    % (self.node_name, self.params["timeout"], self.result["drain_progress"],
                       progress.pending_text(self.result["pending"])), self.result)
            if progress.stuck(plan, snap, self.node_name):
                self.result.update(phase="Failed", pending=self.pending(plan, snap))
                raise AvailabilityError(
                    "node %s cannot be drained: every VM left failed to migrate %d times (%d%% done); it stays "
                    "cordoned and recorded; pending: %s" % (
                        self.node_name, progress.MIGRATION_ATTEMPTS, self.result["drain_progress"],
                        progress.pending_text(self.result["pending"])), self.result)
            self.lease.renew_if_due()
            acted |= self.evict_pods(plan, now)
            acted |= self.shut_down(plan)
            acted |= self.start_migrations(plan, snap, targets)
            last_pending = self.pending(plan, snap)
            self.result["pending"] = last_pending
            self.wait_for_change(plan, snap, deadline)

    def read(self, deadline):
        """A snapshot, or None after a busy API answered (read again until the deadline)."""
        try:
            return read_snapshot(self.cluster, self.node_name)
        except ClusterError as exc:
            if not busy(exc) or self.ctx.monotonic() >= deadline:
                raise
            self.ctx.event("API busy, reading again", status=exc.status)
            self.ctx.sleep(min(1.0, max(0.0, deadline - self.ctx.monotonic())))
            return None

    def pending(self, plan, snap):
        return progress.pending(plan, snap, self.backoff, self.limits, self.node_name)

    def evict_pods(self, plan, now):
        acted = False
        grace = self.options.get("terminate_grace_period")
        for entry in plan["pods"]["evict"]:
            key = objects.key_of(entry)
            backoff = self.backoff.setdefault(key, EvictionBackoff())
            if not backoff.due(now):
                continue
            backoff.asked()
            try:
                self.cluster.evict({"metadata": {"name": entry["name"], "namespace": entry["namespace"]}},
                                   grace_period_seconds=grace)
            except ClusterError as exc:
                if exc.status != 429:
                    raise
                # "not yet": a disruption budget or KubeVirt; retried with backoff until the timeout
                if backoff.refused(now, exc.message):
                    self.ctx.event("eviction refused (429), will retry", pod=key, message=exc.message)
                continue
            acted = True
            backoff.accepted(now)
            if key not in self.evicted:
                self.evicted.add(key)
                self.result["evicted"].append({"namespace": entry["namespace"], "name": entry["name"]})
                self.ctx.event("evicted", pod=key)
        return acted

    def shut_down(self, plan):
        acted = False
        for entry in plan["vms"]["shutdown"]:
            key = objects.key_of(entry)
            if key in self.deleted_vmis:
                continue
            self.cluster.delete(kinds.VMI, entry["name"], namespace=entry["namespace"],
                                grace_period_seconds=self.options.get("terminate_grace_period"))
            self.deleted_vmis.add(key)
            self.result["shut_down"].append({"namespace": entry["namespace"], "name": entry["name"],
                                             "reason": entry["reason"]})
            self.ctx.event("VM shut down (not live-migratable)", vmi=key)
            acted = True
        return acted

    def start_migrations(self, plan, snap, targets):
        ours = progress.ours(snap, self.node_name)
        free = migration_state.free_slots(
            self.limits, migration_state.active_sources(snap.vmims, snap.vmi_by_key), self.node_name)
        acted = False
        for entry in plan["vms"]["migrate"]:
            key = objects.key_of(entry)
            mine = ours.get(key, [])
            self.tracked.setdefault(key, {})
            if any(migration_state.is_active(m) for m in mine):
                continue
            failures = migration_state.failures(mine)
            if len(failures) >= progress.MIGRATION_ATTEMPTS or free <= 0:
                continue
            target = targets.get(key) if not failures else None
            free -= 1
            created = migrations.start(self.cluster, migration_body(entry, self.node_name, target))
            if created is None:
                self.ctx.event("migration already in progress", vmi=key)
                continue
            acted = True
            self.tracked[key]["started"] = self.ctx.now()
            self.ctx.event("migration created", vmi=key, migration=objects.name_of(created),
                           target=target or "scheduler", attempt=len(failures) + 1)
        return acted

    def note_migrated(self, snap):
        ours = progress.ours(snap, self.node_name)
        done = set(objects.key_of(m) for m in self.result["migrated"])
        for key in list(self.tracked) + [k for k in ours if k not in self.tracked]:
            if key in done:
                continue
            arrived = migration_state.arrival(key, snap.vmi_by_key.get(key), ours.get(key, []), self.node_name,
                                              (self.tracked.get(key) or {}).get("started"), self.ctx.now())
            if arrived is not None:
                self.result["migrated"].append(arrived)
                self.ctx.event("migrated", vmi=key, to=arrived["to"], seconds=arrived["seconds"])

    def wait_for_change(self, plan, snap, deadline):
        """Sleep until something on the node moves (watch), the next eviction retry is due, or the deadline."""
        now = self.ctx.monotonic()
        due = [b.next_due for b in self.backoff.values() if b.next_due > now]
        timeout = min([deadline - now, MAX_WAIT_SLICE] + [d - now for d in due])
        if timeout <= 0.01:
            return
        describe = "a change on node %s" % self.node_name
        try:
            if plan["vms"]["migrate"] or plan["vms"]["in_flight"] or plan["vms"]["shutdown"]:
                watched = set(self.tracked) | set(objects.key_of(v) for v in snap.vmis_on_node)
                migrations.follow(self.cluster, snap.vmis, watched, self.node_name, timeout, describe)
            else:
                before = pod_signature(snap.pods)
                self.cluster.wait_until(kinds.POD, lambda pods: pod_signature(pods) != before, timeout,
                                        describe=describe, field_selector="spec.nodeName=" + self.node_name)
        except WaitTimeout:
            pass
        except ClusterError as exc:
            if not busy(exc):
                raise
            self.ctx.sleep(min(1.0, timeout))


def pod_signature(pods):
    return set((objects.key_of(p), objects.is_terminating(p), (p.get("status") or {}).get("phase")) for p in pods)
