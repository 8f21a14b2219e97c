# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fencing workflow (shell): ``fence_node(ctx, params) -> Outcome`` (the contract of core/workflow.py).

One run, in this order: read the node -> find its BMC (options / FAR parameters and Secrets / BareMetalHost) ->
read the power state -> refuse when the node may not be touched (lease, Ready, maintenance) -> plan the steps ->
[status and check mode stop here] -> hold the node (run lease) -> power off (confirmed) -> remediation -> wait for
pods gone and VMs back elsewhere -> power on (confirmed) -> wait Ready -> remove our taints -> release or park the
lease. Nothing is written to the node unless the BMC confirmed the machine is off. Decisions come from
fencing/decisions.py; the BMC from fencing/targets.py and fencing/bmc.py; waits from fencing/recovery.py; the lease
from fencing/run_lease.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

from ansible_collections.workload.availability.plugins.module_utils import lease_updates
from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import kinds
from ansible_collections.workload.availability.plugins.module_utils.core import nodes
from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core.clock import format_time
from ansible_collections.workload.availability.plugins.module_utils.core.errors import (
    AvailabilityError, BmcError, ClusterError)
from ansible_collections.workload.availability.plugins.module_utils.core.node_updates import patch_node
from ansible_collections.workload.availability.plugins.module_utils.core.pods import is_mirror_pod
from ansible_collections.workload.availability.plugins.module_utils.core.workflow import Outcome
from ansible_collections.workload.availability.plugins.module_utils.fencing import bmc as bmc_adapter
from ansible_collections.workload.availability.plugins.module_utils.fencing import decisions
from ansible_collections.workload.availability.plugins.module_utils.fencing import recovery
from ansible_collections.workload.availability.plugins.module_utils.fencing import targets
from ansible_collections.workload.availability.plugins.module_utils.fencing.run_lease import RunLease


def fence_node(ctx, params):
    """Fence (or power on, or read) one node. ``params``: fencing/options.py (fence_params() builds them; check
    them with input_errors() first). Returns Outcome(changed, msg, result); raises AvailabilityError carrying the
    partial result (with ``changed``) when the run stops."""
    run = FenceRun(ctx, params)
    try:
        msg = run.run()
    except ClusterError as error:
        raise AvailabilityError("%s (node %s)" % (error, run.name), run.final_result(with_changed=True))
    except AvailabilityError as error:
        raise AvailabilityError(error.msg, run.final_result(with_changed=True))
    return Outcome(run.changed, msg, run.final_result())


class FenceRun(object):
    """One fence run; ``result`` is filled as it goes."""

    def __init__(self, ctx, params):
        self.ctx = ctx
        self.cluster = ctx.cluster
        self.params = params
        self.name = params["name"]
        self.action = None
        self.remediation = params["remediation"]
        self.bmc = None
        self.node = None
        self.under_maintenance = False
        self.boot_id_before = None
        self.fenced_at = None
        self.changed = False
        self.result = {
            "node": self.name, "action": None, "remediation": self.remediation,
            "power_state": {"before": None, "after": None}, "verified": False, "steps": [], "bmc_actions": [],
            "taints_applied": [], "taints_removed": [], "pods_deleted": [], "pods_left": [], "vms_restarted": [],
            "vms_pending": [], "lease": None, "reason": params.get("reason"),
        }
        self.lease = RunLease(ctx, self.name, medik8s.fence_run_holder(uuid.uuid4().hex[:12]), self.result)

    def run(self):
        # 1. the node as it is now
        self.node = self.read_node()
        node_before = nodes.node_view(self.node)
        # 2. its BMC and the action
        self.open_bmc()
        # 3. its power state, as the BMC reads it
        state = self.read_power_state()
        # 4. may this run act on the node at all?
        lease = lease_updates.read(self.cluster, self.name)
        reasons = decisions.refusals(self.node, self.action, self.params["force"], lease, self.ctx.now(),
                                     self.remediation)
        if reasons:
            raise AvailabilityError("refusing to %s node %s: %s" % (
                {"off": "power off", "on": "power on"}.get(self.action, self.action), self.name, "; ".join(reasons)))
        self.under_maintenance = decisions.under_maintenance(self.node, self.action, self.params["force"], lease,
                                                             self.ctx.now())
        # 5. the steps still needed, from the node's state
        steps = decisions.plan(self.action, state, self.node, self.remediation)
        self.result["steps"] = steps
        self.result["verified"] = state == {"off": bmc_adapter.OFF, "on": bmc_adapter.ON}.get(self.action)
        self.ctx.event("planned", steps=steps)
        # 6. reading and check mode end here
        if self.action == "status":
            self.result["verified"] = state in (bmc_adapter.ON, bmc_adapter.OFF)
            return "node %s is powered %s" % (self.name, state)
        if self.ctx.check_mode:
            self.changed = decisions.is_mutating(steps)
            return "would %s node %s: %s" % (self.action, self.name, ", ".join(steps) or "nothing to do")
        # 7. hold the node, then do the steps; a failure leaves the lease as the node's state needs it
        if decisions.is_mutating(steps):
            self.lease.take(self.node, self.action, self.params["force"], self.remediation, self.lease_seconds(),
                            self.under_maintenance)
        followed = recovery.vms_to_follow(self.cluster, self.name) if decisions.WAIT_WORKLOADS in steps else []
        actions = {decisions.POWER_OFF: self.power_off, decisions.REMEDIATE: self.remediate,
                   decisions.WAIT_WORKLOADS: lambda: self.wait_workloads(followed),
                   decisions.POWER_ON: self.power_on, decisions.WAIT_READY: self.wait_ready,
                   decisions.CLEANUP: self.cleanup}
        try:
            if decisions.is_mutating(steps):
                self.announce(steps)
            for step in steps:
                actions[step]()
        except AvailabilityError as error:
            fenced = self.fenced_at is not None or decisions.has_our_marks(self.node)
            self.lease.finish_after_failure(self.node, fenced, self.params["lease_duration"])
            self.result["diff"] = {"before": node_before, "after": nodes.node_view(self.node)}
            raise AvailabilityError(error.msg)
        # 8. release the lease when the node is back, else park it
        recovered = nodes.is_ready(self.node) and not decisions.has_our_marks(self.node)
        self.lease.finish(self.node, recovered, self.params["lease_duration"])
        self.result["diff"] = {"before": node_before, "after": nodes.node_view(self.node)}
        return self.summary()

    def final_result(self, with_changed=False):
        result = dict(self.result)
        if self.bmc is not None:
            result["bmc_requests"] = self.bmc.requests
        if with_changed:
            result["changed"] = self.changed
        return result

    def lease_seconds(self):
        return int(2 * self.bmc.limits.power_timeout + 2 * self.params["wait_timeout"] + 120)

    # -- reading -------------------------------------------------------------------------------------------------
    def read_node(self):
        node = self.cluster.get(kinds.NODE, self.name)
        if node is None:
            raise AvailabilityError("node %s not found" % self.name)
        return node

    def open_bmc(self):
        resolved = targets.resolve(self.ctx, self.params, self.node)
        if resolved.parameters is not None:
            self.result["parameters"] = resolved.parameters
        self.action = self.params["action"] or resolved.far_action or "reboot"
        self.result["action"] = self.action
        factory = self.ctx.bmc_factory or bmc_adapter.open_bmc
        self.bmc = factory(resolved.target, targets.limits(self.params, resolved.target),
                           system_uuid=nodes.system_uuid(self.node))
        self.result["bmc"] = resolved.target.describe()
        if isinstance(self.bmc, bmc_adapter.AgentBmc):
            self.result["bmc"]["command"] = self.bmc.command_line()
        self.ctx.event("bmc_selected", **resolved.target.describe())

    def read_power_state(self):
        try:
            state = self.bmc.power_state()
        except BmcError as error:
            self.result["bmc_error"] = {"kind": error.kind, "message": error.message}
            raise AvailabilityError("reading the power state of node %s failed: %s" % (self.name, error.message))
        self.result["power_state"]["before"] = state
        self.result["power_state"]["after"] = state
        self.ctx.event("power_state_read", state=state)
        return state

    # -- the steps -----------------------------------------------------------------------------------------------
    def announce(self, steps):
        """A Kubernetes Event saying who powers the node and why, before the first power command."""
        reason = self.params.get("reason")
        if not reason:
            return
        self.ctx.event("reason", reason=reason)
        under = " under the %s lease" % medik8s.MAINTENANCE_HOLDER if self.lease.claimed else ""
        self.cluster.emit_event(self.node, "FencePowerAction", "%s by %s%s (%s): %s" % (
            self.action, self.lease.run_holder, under, ", ".join(steps), reason))

    def power_off(self):
        self.bmc_step(self.bmc.power_off, "power_off")
        self.fenced_at = self.ctx.monotonic()

    def remediate(self):
        if self.fenced_at is None:
            self.fenced_at = self.ctx.monotonic()
        holder = self.lease.held or medik8s.FENCE_PARKED_HOLDER
        note = decisions.record(self.action, self.remediation, holder, format_time(self.ctx.now()))
        before, _written = self.patch(lambda node: nodes.node_patch(
            node, taints=decisions.remediated_taints(node, self.action, self.remediation),
            annotations={medik8s.FENCE_RECORD_ANNOTATION: note}), "remediation_taints_applied")
        self.result["taints_applied"] = [t for t in nodes.taints(self.node) if not nodes.has_taint(before, t)]
        if self.remediation == "resource_deletion":
            for pod in self.cluster.pods_on_node(self.name):
                if is_mirror_pod(pod):
                    continue
                self.cluster.delete(kinds.POD, objects.name_of(pod), namespace=objects.namespace_of(pod),
                                    grace_period_seconds=0)
                self.result["pods_deleted"].append(objects.key_of(pod))
            self.ctx.event("pods_deleted", count=len(self.result["pods_deleted"]))
        self.cluster.emit_event(self.node, "FenceRemediation",
                                "node powered off (confirmed by its BMC); remediation %s applied by %s"
                                % (self.remediation, holder), type="Warning")

    def wait_workloads(self, followed):
        deadline = self.ctx.monotonic() + self.params["wait_timeout"]
        started = self.fenced_at or self.ctx.monotonic()
        recovery.wait_pods_gone(self.ctx, self.name, deadline - self.ctx.monotonic(), self.params["wait_timeout"],
                                self.result)
        if not followed:
            return
        restarted, pending = recovery.wait_vms_back(self.ctx, self.name, followed, deadline - self.ctx.monotonic(),
                                                    started)
        self.result["vms_restarted"], self.result["vms_pending"] = restarted, pending
        for vm in restarted:
            self.ctx.event("vm_running_elsewhere", vm="%s/%s" % (vm["namespace"], vm["name"]), node=vm["node"],
                           seconds=vm["seconds"])
        if pending:
            raise AvailabilityError("node %s is fenced but %d VMs are not Running elsewhere after %ss: %s"
                                    % (self.name, len(pending), self.params["wait_timeout"], ", ".join(pending[:5])))

    def power_on(self):
        boot_id = nodes.boot_id(self.node)
        if self.bmc_step(self.bmc.power_on, "power_on").get("sent"):
            self.boot_id_before = boot_id

    def wait_ready(self):
        self.node = recovery.wait_ready(self.ctx, self.name, self.boot_id_before, self.params["wait_timeout"])

    def cleanup(self):
        before, removed = self.patch(lambda node: nodes.node_patch(node, taints=decisions.cleaned_taints(node),
                                                                   annotations={medik8s.FENCE_RECORD_ANNOTATION: None}),
                                     "remediation_taints_removed")
        if removed:
            after = nodes.taints(self.node)
            self.result["taints_removed"] = [t for t in nodes.taints(before) if not nodes.has_taint(after, t)]
            self.cluster.emit_event(self.node, "FenceRemediationRemoved",
                                    "node Ready again: fence taints removed by %s" % self.lease.run_holder)

    # -- effects -------------------------------------------------------------------------------------------------
    def bmc_step(self, power_action, what):
        try:
            record = power_action()
        except BmcError as error:
            self.result["bmc_actions"] = list(self.bmc.actions)
            self.result["power_state"]["after"] = error.state
            self.result["bmc_error"] = {"kind": error.kind, "message": error.message}
            self.ctx.event("bmc_failed", step=what, kind=error.kind, message=error.message)
            raise AvailabilityError("%s of node %s failed, nothing was applied after it: %s"
                                    % (what.replace("_", " "), self.name, error.message))
        self.result["bmc_actions"] = list(self.bmc.actions)
        self.result["power_state"]["after"] = record["state"]
        self.result["verified"] = bool(record.get("verified"))
        if record.get("sent"):
            self.changed = True
        self.ctx.event(what, state=record["state"], sent=record.get("sent"), seconds=record.get("seconds"))
        return record

    def patch(self, build, what):
        """Write the node (re-read and rebuilt when its taints changed under us). Returns the node the written
        patch was built from (what others had written is not ours to report) and whether it changed."""
        before, self.node, written = patch_node(self.cluster, self.read_node, build, node=self.node,
                                                event=self.ctx.event)
        if written:
            self.changed = True
            self.ctx.event(what)
        return before, written

    def summary(self):
        parts = ["node %s %s" % (self.name, {"off": "fenced (powered off, confirmed)",
                                             "on": "powered on", "reboot": "rebooted"}[self.action])]
        if not self.changed:
            parts = ["node %s already %s" % (self.name, "fenced" if self.action == "off" else "on")]
        if self.result["taints_applied"]:
            parts.append("remediation %s applied" % self.remediation)
        if self.result["vms_restarted"]:
            slowest = max(v["seconds"] for v in self.result["vms_restarted"])
            parts.append("%d VMs Running elsewhere within %ss" % (len(self.result["vms_restarted"]), slowest))
        if self.result["taints_removed"]:
            parts.append("taints removed")
        return "; ".join(parts)
