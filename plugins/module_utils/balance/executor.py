# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running a plan's moves (shell): one VirtualMachineInstanceMigration per move, pinned to the planned node,
pipelined within KubeVirt's limits (a move starts when a slot frees, migrations of others counted), each followed
to its end or ``wait_timeout``. A failed migration is recorded with KubeVirt's reason and on the VMI (the history
annotation the cooldown reads), and the run goes on with the other moves. At the deadline, migrations KubeVirt has
not started are cancelled, started ones are left to finish and reported Unfinished. Decisions in execution.py;
migrations through migrations/runner.py.

``Executor(ctx, limits, run_id).run(moves, deadline)`` -> {VM key: {"status", "reason", "seconds", "node"}}.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.balance import cooldown
from ansible_collections.workload.availability.plugins.module_utils.balance import execution
from ansible_collections.workload.availability.plugins.module_utils.core import kinds
from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core.errors import ClusterError, WaitTimeout
from ansible_collections.workload.availability.plugins.module_utils.migrations import runner
from ansible_collections.workload.availability.plugins.module_utils.migrations import state

WAIT_SLICE = 15.0


class Executor(object):
    def __init__(self, ctx, limits, run_id):
        self.ctx = ctx
        self.cluster = ctx.cluster
        self.limits = limits
        self.run_id = run_id
        self.running = {}     # VM key -> {"move", "migration": name, "started": datetime, "clock": monotonic}
        self.outcomes = {}

    def run(self, moves, deadline):
        pending = list(moves)
        while pending or self.running:
            vmis = self.cluster.list(kinds.VMI)
            vmims = self.cluster.list(kinds.VMIM)
            vmi_by_key = dict((objects.key_of(vmi), vmi) for vmi in vmis)
            self.finish(vmims, vmi_by_key)
            if self.ctx.monotonic() >= deadline:
                self.stop(pending, vmims)
                break
            pending = self.start(pending, vmims, vmi_by_key)
            if not pending and not self.running:
                break
            try:
                runner.follow(self.cluster, vmis, set(self.running), None,
                              max(0.1, min(WAIT_SLICE, deadline - self.ctx.monotonic())), "a migration of this run")
            except WaitTimeout:
                pass
        return self.outcomes

    def start(self, pending, vmims, vmi_by_key):
        """Start what the limits allow; returns the moves still waiting for a slot."""
        waiting = []
        for move in pending:
            reason = execution.refusal(move, vmi_by_key.get(move["vm"]))
            if reason:
                self.record(move, {"status": "Skipped", "reason": reason, "node": move["from"]})
            else:
                waiting.append(move)
        sources = state.active_sources(vmims, vmi_by_key)
        chosen = execution.startable(waiting, self.limits, sources)
        for move in chosen:
            created = runner.start(self.cluster, execution.migration_body(move, self.run_id))
            if created is None:
                self.record(move, {"status": "Skipped", "reason": "another migration of this VM started meanwhile",
                                   "node": move["from"]})
                continue
            self.running[move["vm"]] = {"move": move, "migration": objects.name_of(created),
                                        "started": self.ctx.now(), "clock": self.ctx.monotonic()}
            self.ctx.event("migration started", vm=move["vm"], source=move["from"], target=move["to"],
                           migration=objects.name_of(created), predicted_seconds=move["predicted_seconds"])
        return [move for move in waiting if move not in chosen]

    def finish(self, vmims, vmi_by_key):
        by_name = dict((objects.key_of(vmim), vmim) for vmim in vmims)
        for key in sorted(self.running):
            entry = self.running[key]
            move = entry["move"]
            vmim = by_name.get(objects.key(move["namespace"], entry["migration"]))
            ended = execution.outcome(vmim, vmi_by_key.get(key))
            if ended is None:
                continue
            del self.running[key]
            ended["seconds"] = round(self.ctx.monotonic() - entry["clock"], 1)
            self.record(move, ended)
            if vmim is not None:
                self.remember(vmi_by_key.get(key), vmim, entry["started"], ended["status"] == "Failed")
            if ended["status"] == "Failed":
                self.cluster.emit_event(vmi_by_key.get(key) or {"apiVersion": "kubevirt.io/v1",
                                                                "kind": "VirtualMachineInstance",
                                                                "metadata": {"name": move["name"],
                                                                             "namespace": move["namespace"]}},
                                        "RebalanceMigrationFailed", "migration to %s failed: %s"
                                        % (move["to"], ended["reason"]), type="Warning")

    def remember(self, vmi, vmim, started, failed):
        """The migration in the VMI's history annotation, so its cooldown outlives KubeVirt's last five VMIMs."""
        if vmi is None:
            return
        now = self.ctx.now()
        value = cooldown.history_annotation(vmi, execution.history_entry(vmim, started, now, failed), now)
        try:
            self.cluster.patch(kinds.VMI, objects.name_of(vmi), {"metadata": {"annotations": {
                cooldown.HISTORY_ANNOTATION: value}}}, namespace=objects.namespace_of(vmi))
        except ClusterError as exc:
            if exc.status != 404:
                raise

    def stop(self, pending, vmims):
        """The deadline passed: cancel our migrations KubeVirt has not started; report the rest Unfinished."""
        ours = [vmim for vmim in vmims
                if objects.labels_of(vmim).get(execution.RUN_LABEL) == self.run_id and state.is_queued(vmim)]
        runner.cancel(self.cluster, ours, self.ctx.event)
        cancelled = set(state.vmi_key_of(vmim) for vmim in ours)
        for key in sorted(self.running):
            move = self.running.pop(key)["move"]
            self.record(move, {"status": "Unfinished" if key not in cancelled else "Skipped",
                               "reason": "still migrating at wait_timeout; it goes on" if key not in cancelled
                               else "cancelled at wait_timeout before KubeVirt started it", "node": move["from"]})
        for move in pending:
            self.record(move, {"status": "Skipped", "reason": "no migration slot before wait_timeout",
                               "node": move["from"]})

    def record(self, move, outcome):
        outcome.setdefault("seconds", None)
        self.outcomes[move["vm"]] = outcome
        self.ctx.event("migration %s" % outcome["status"].lower(), vm=move["vm"], target=move["to"],
                       reason=outcome.get("reason"), seconds=outcome.get("seconds"))
