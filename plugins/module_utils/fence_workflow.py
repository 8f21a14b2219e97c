# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The effects of fence_node: read the snapshot, ask fencing.py what to do, then drive the BMC adapter and the
cluster adapter step by step, recording every step for the result.

Order of one run: node -> BMC target (options / FAR parameters and Secrets / BareMetalHost) -> power state ->
lease -> safety -> plan -> [check mode stops here] -> run lease -> power off (confirmed) -> remediation -> wait for
pods gone and VMs back elsewhere -> power on (confirmed) -> wait Ready -> remove our taints -> release or park the
lease. Nothing is written to the node unless the BMC confirmed the machine is off.

A forced run on a node in maintenance acts under the maintenance lease (holder ``node-maintenance``): it marks the
lease with its run (an annotation written with the read resourceVersion, so two such runs exclude each other) and
removes only that mark at the end; the lease itself stays with the maintenance, which keeps the node excluded from
remediation.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import time
import uuid

from ansible_collections.workload.availability.plugins.module_utils import bmc as bmc_adapter
from ansible_collections.workload.availability.plugins.module_utils import bmc_discovery
from ansible_collections.workload.availability.plugins.module_utils import cluster as cluster_api
from ansible_collections.workload.availability.plugins.module_utils import fence_params
from ansible_collections.workload.availability.plugins.module_utils import fencing
from ansible_collections.workload.availability.plugins.module_utils import leases
from ansible_collections.workload.availability.plugins.module_utils import nodes
from ansible_collections.workload.availability.plugins.module_utils.errors import ClusterError, WaitTimeout

BMH_NAMESPACE = "openshift-machine-api"
MACHINE_ANNOTATION = "machine.openshift.io/machine"
BMH_ANNOTATION = "metal3.io/BareMetalHost"


class FenceFailed(Exception):
    """The run stops; ``msg`` says why and what state things were left in."""

    def __init__(self, msg):
        super(FenceFailed, self).__init__(msg)
        self.msg = msg


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def split_secret_ref(value, option):
    """'namespace/name' -> (namespace, name)."""
    namespace, sep, name = (value or "").partition("/")
    if not sep or not namespace or not name or "/" in name:
        raise FenceFailed("%s must be namespace/name of a Secret, e.g. "
                          "openshift-workload-availability/fence-agents-credentials-shared (got %r)" % (option, value))
    return namespace, name


class FenceRun(object):
    """One fence_node invocation. ``mod`` is the AvailabilityModule; ``result`` is filled as the run goes."""

    def __init__(self, mod, now=utc_now, monotonic=time.monotonic):
        self.mod = mod
        self.params = mod.params
        self.cluster = mod.cluster
        self.now = now
        self.monotonic = monotonic
        self.name = self.params["name"]
        self.action = None
        self.remediation = self.params["remediation"]
        self.run_holder = fencing.run_holder(uuid.uuid4().hex[:12])
        self.bmc = None
        self.target = None
        self.node = None
        self.lease_held = None
        self.under_maintenance = False
        self.claimed = False
        self.boot_id_before = None
        self.fenced_at = None
        self.result = {
            "node": self.name, "action": None, "remediation": self.remediation,
            "power_state": {"before": None, "after": None}, "verified": False, "steps": [], "bmc_actions": [],
            "taints_applied": [], "taints_removed": [], "pods_deleted": [], "pods_left": [], "vms_restarted": [],
            "vms_pending": [], "lease": None, "reason": self.params.get("reason"),
        }
        self.changed = False

    # -- small helpers ----------------------------------------------------------------------------------------
    def event(self, what, **details):
        self.mod.event(what, **details)

    def hide(self, values):
        for value in values:
            if value:
                self.mod.module.no_log_values.add(value)

    def read_secret(self, ref, option):
        namespace, name = split_secret_ref(ref, option)
        secret = self.cluster.get(cluster_api.SECRET, name, namespace=namespace)
        if secret is None:
            raise FenceFailed("%s: Secret %s/%s not found" % (option, namespace, name))
        data = bmc_discovery.decode_secret_data(secret)
        self.hide(value for key, value in data.items() if fence_params.is_sensitive_name(key))
        return data

    # -- the BMC -------------------------------------------------------------------------------------------------
    def far_target(self):
        p = self.params
        if not p.get("agent"):
            if p.get("parameters") or p.get("node_parameters") or p.get("secret") or p.get("node_secret"):
                raise FenceFailed("parameters, node_parameters, secret and node_secret describe a fence agent: set "
                                  "agent too (for Redfish: agent=fence_redfish)")
            return None, None
        shared_secret = self.read_secret(p["secret"], "secret") if p.get("secret") else None
        node_secret = self.read_secret(p["node_secret"], "node_secret") if p.get("node_secret") else None
        try:
            built = fence_params.build(self.name, shared=p.get("parameters"), node_parameters=p.get("node_parameters"),
                                       shared_secret=shared_secret, node_secret=node_secret)
        except fence_params.FenceParamsError as error:
            raise FenceFailed("fence parameters for node %s: %s" % (self.name, error))
        self.hide(built.sensitive_values())
        far_action = built.get(fence_params.ACTION_PARAMETER)
        try:
            target = bmc_discovery.from_fence_parameters(p["agent"], built.values,
                                                         use_agent_binary=p["use_agent_binary"])
        except bmc_discovery.DiscoveryError as error:
            raise FenceFailed(str(error))
        self.result["parameters"] = built.redacted()
        return target, far_action

    def baremetalhost_target(self, required):
        annotations = fencing.annotations(self.node)
        bmh = None
        machine_ref = annotations.get(MACHINE_ANNOTATION)
        if machine_ref and "/" in machine_ref and self.cluster.served(*cluster_api.MACHINE[:2]):
            namespace, machine_name = machine_ref.split("/", 1)
            machine = self.cluster.get(cluster_api.MACHINE, machine_name, namespace=namespace)
            host_ref = ((machine or {}).get("metadata", {}).get("annotations") or {}).get(BMH_ANNOTATION)
            if host_ref and "/" in host_ref:
                bmh = self.cluster.get(cluster_api.BAREMETALHOST, host_ref.split("/", 1)[1],
                                       namespace=host_ref.split("/", 1)[0])
        if bmh is None and self.cluster.served(*cluster_api.BAREMETALHOST[:2]):
            bmh = self.cluster.get(cluster_api.BAREMETALHOST, self.name,
                                   namespace=self.params["baremetalhost_namespace"])
        if bmh is None:
            if required:
                raise FenceFailed("bmc_from=baremetalhost: no BareMetalHost found for node %s (through the node's %s "
                                  "annotation or by name in namespace %s)"
                                  % (self.name, MACHINE_ANNOTATION, self.params["baremetalhost_namespace"]))
            return None
        credentials = None
        secret_name = bmc_discovery.credentials_secret_name(bmh)
        if secret_name:
            credentials = self.read_secret("%s/%s" % (bmh["metadata"]["namespace"], secret_name),
                                           "BareMetalHost credentialsName")
        where = "%s/%s" % (bmh["metadata"]["namespace"], bmh["metadata"]["name"])
        self.event("baremetalhost_found", baremetalhost=where)
        try:
            return bmc_discovery.from_baremetalhost(bmh, credentials)
        except bmc_discovery.DiscoveryError as error:
            raise FenceFailed(str(error))

    def open_bmc(self):
        p = self.params
        explicit = dict(p.get("bmc") or {})
        source = p["bmc_from"]
        far, far_action = (None, None)
        if source in ("auto", "parameters"):
            far, far_action = self.far_target()
        bmh = None
        if source == "baremetalhost" or (source == "auto" and not explicit.get("address") and far is None):
            bmh = self.baremetalhost_target(required=source == "baremetalhost")
        if source == "baremetalhost":
            explicit.pop("address", None)
            far = None
        if source == "options" and not explicit.get("address"):
            raise FenceFailed("bmc_from=options needs bmc.address")
        try:
            self.target = bmc_discovery.resolve(explicit, far, bmh)
        except bmc_discovery.DiscoveryError as error:
            raise FenceFailed(str(error))
        self.hide([self.target.password])
        self.action = p["action"] or far_action or "reboot"
        self.result["action"] = self.action

        def option(key, default):
            return explicit[key] if explicit.get(key) is not None else default

        limits = bmc_adapter.Limits(timeout=option("timeout", 10), retries=option("retries", 2),
                                    retry_interval=option("retry_interval", 1.0),
                                    power_timeout=option("power_timeout", self.target.power_timeout or 60))
        self.bmc = bmc_adapter.open_bmc(self.target, limits, system_uuid=nodes.system_uuid(self.node))
        self.result["bmc"] = self.target.describe()
        if isinstance(self.bmc, bmc_adapter.AgentBmc):
            self.result["bmc"]["command"] = self.bmc.command_line()
        self.event("bmc_selected", **self.target.describe())

    def bmc_step(self, fn, what):
        try:
            record = fn()
        except bmc_adapter.BmcError as error:
            self.result["bmc_actions"] = list(self.bmc.actions)
            self.result["power_state"]["after"] = error.state
            self.result["bmc_error"] = {"kind": error.kind, "message": error.message}
            self.event("bmc_failed", step=what, kind=error.kind, message=error.message)
            raise FenceFailed("%s of node %s failed, nothing was applied after it: %s"
                              % (what.replace("_", " "), self.name, error.message))
        self.result["bmc_actions"] = list(self.bmc.actions)
        self.result["power_state"]["after"] = record["state"]
        self.result["verified"] = bool(record.get("verified"))
        if record.get("sent"):
            self.changed = True
        self.event(what, state=record["state"], sent=record.get("sent"), seconds=record.get("seconds"))
        return record

    # -- node writes ---------------------------------------------------------------------------------------------
    def patch_node(self, build, what):
        """Apply the JSON patch ``build(node)`` returns, re-reading and rebuilding when the taint list changed
        under us (the patch's ``test`` op fails with 422)."""
        for _attempt in range(5):
            ops = build(self.node)
            if not ops:
                return False
            try:
                self.node = self.cluster.patch(cluster_api.NODE, self.name, ops, patch_type="json")
                self.changed = True
                self.event(what)
                return True
            except ClusterError as error:
                if error.status not in (409, 422):
                    raise
                self.node = self.read_node()
        raise FenceFailed("node %s: its taints kept changing while %s; rerun" % (self.name, what))

    def read_node(self):
        node = self.cluster.get(cluster_api.NODE, self.name)
        if node is None:
            raise FenceFailed("node %s not found" % self.name)
        return node

    # -- the lease -----------------------------------------------------------------------------------------------
    def take_lease(self):
        if self.under_maintenance:
            self.claim_maintenance_lease()
            return
        current = leases.read(self.cluster, self.name)
        if leases.holder(current) == fencing.PARKED_HOLDER:
            leases.release(self.cluster, self.name, fencing.PARKED_HOLDER)
        duration = int(2 * self.bmc.limits.power_timeout + 2 * self.params["wait_timeout"] + 120)
        try:
            leases.acquire(self.cluster, self.node, self.run_holder, duration, self.now())
        except leases.LeaseHeld as error:
            raise FenceFailed(str(error))
        except leases.LeaseContended as error:
            raise FenceFailed(str(error))
        self.lease_held = self.run_holder
        self.result["lease"] = {"holder": self.run_holder, "state": "held"}
        self.event("lease_acquired", holder=self.run_holder, seconds=duration)

    def claim_maintenance_lease(self):
        until = self.now() + datetime.timedelta(
            seconds=int(2 * self.bmc.limits.power_timeout + 2 * self.params["wait_timeout"] + 120))

        def mark(lease):
            if not fencing.under_maintenance(self.node, self.action, self.params["force"], lease, self.now()):
                raise FenceFailed("node %s: the maintenance lease %s/%s changed hands or expired before this run "
                                  "could mark it (holder now %s); nothing was done"
                                  % (self.name, leases.LEASE_NAMESPACE, leases.lease_name(self.name),
                                     leases.holder(lease)))
            if fencing.claim(lease, self.now())[0]:
                raise FenceFailed("refusing to %s node %s: %s" % (self.action, self.name, fencing.refusals(
                    self.node, self.action, self.params["force"], lease, self.now(), self.remediation)[0]))
            return fencing.claimed_lease(lease, self.run_holder, until)

        try:
            self.cluster.update_with_retry(cluster_api.LEASE, leases.lease_name(self.name), mark,
                                           namespace=leases.LEASE_NAMESPACE)
        except ClusterError as error:
            raise FenceFailed("node %s: marking the maintenance lease failed, nothing was done: %s"
                              % (self.name, error))
        self.claimed = True
        self.result["lease"] = {"holder": leases.MAINTENANCE_HOLDER, "state": "marked", "run": self.run_holder}
        self.event("maintenance_lease_marked", holder=leases.MAINTENANCE_HOLDER, run=self.run_holder)

    def unmark_maintenance_lease(self):
        """Remove this run's mark; the lease stays with the maintenance."""
        if not self.claimed:
            return
        try:
            self.cluster.update_with_retry(cluster_api.LEASE, leases.lease_name(self.name),
                                           lambda lease: fencing.unclaimed_lease(lease, self.run_holder),
                                           namespace=leases.LEASE_NAMESPACE)
        except ClusterError as error:
            if error.status != 404:
                raise
        self.claimed = False
        self.result["lease"] = {"holder": leases.MAINTENANCE_HOLDER, "state": "left to maintenance",
                                "run": self.run_holder}
        self.event("maintenance_lease_unmarked", holder=leases.MAINTENANCE_HOLDER)

    def finish_lease(self, node_recovered):
        """Release the lease when the node is back; otherwise leave the node marked as fenced (parked lease)."""
        if self.claimed:
            self.unmark_maintenance_lease()
            return
        if not self.lease_held:
            return
        leases.release(self.cluster, self.name, self.lease_held)
        self.lease_held = None
        if node_recovered:
            self.result["lease"] = {"holder": None, "state": "released"}
            self.event("lease_released")
            return
        leases.acquire(self.cluster, self.node, fencing.PARKED_HOLDER, self.params["lease_duration"], self.now())
        self.result["lease"] = {"holder": fencing.PARKED_HOLDER, "state": "parked",
                                "seconds": self.params["lease_duration"]}
        self.event("lease_parked", holder=fencing.PARKED_HOLDER)

    def release_on_failure(self):
        """After a failure: nothing fenced -> release; fenced -> park so the node stays marked. Under the
        maintenance lease only this run's mark is removed: the maintenance keeps the node."""
        if self.claimed:
            try:
                self.unmark_maintenance_lease()
            except ClusterError as error:
                self.event("lease_cleanup_failed", message=str(error))
            return
        if not self.lease_held:
            return
        try:
            fenced = self.fenced_at is not None or fencing.has_our_marks(self.node)
            self.finish_lease(node_recovered=not fenced)
        except (ClusterError, leases.LeaseHeld, leases.LeaseContended) as error:
            self.event("lease_cleanup_failed", message=str(error))

    # -- steps ---------------------------------------------------------------------------------------------------
    def remediate(self):
        holder = self.lease_held or fencing.PARKED_HOLDER
        wanted = fencing.remediated_taints(self.node, self.action, self.remediation)
        before = nodes.taints(self.node)
        note = fencing.record(self.action, self.remediation, holder, leases.format_time(self.now()))

        def remediated(node):
            return nodes.node_patch(node, taints=fencing.remediated_taints(node, self.action, self.remediation),
                                    annotations={fencing.RECORD_ANNOTATION: note})

        self.patch_node(remediated, "remediation_taints_applied")
        self.result["taints_applied"] = [t for t in wanted if not nodes.has_taint(before, t)]
        if self.remediation == "resource_deletion":
            for pod in self.cluster.pods_on_node(self.name):
                metadata = pod["metadata"]
                if "kubernetes.io/config.mirror" in (metadata.get("annotations") or {}):
                    continue
                self.cluster.delete(cluster_api.POD, metadata["name"], namespace=metadata.get("namespace"),
                                    grace_period_seconds=0)
                self.result["pods_deleted"].append("%s/%s" % (metadata.get("namespace"), metadata["name"]))
            self.event("pods_deleted", count=len(self.result["pods_deleted"]))
        self.cluster.emit_event(self.node, "FenceRemediation",
                                "node powered off (confirmed by its BMC); remediation %s applied by %s"
                                % (self.remediation, holder), type="Warning")

    def wait_workloads(self, followed):
        deadline = self.monotonic() + self.params["wait_timeout"]
        start = self.fenced_at or self.monotonic()
        try:
            self.cluster.wait_until(
                cluster_api.POD, lambda pods: not fencing.blocking_pods(pods, self.name),
                max(1, deadline - self.monotonic()), field_selector="spec.nodeName=" + self.name,
                describe="pods of node %s gone" % self.name)
            self.event("pods_gone")
        except WaitTimeout as error:
            self.result["pods_left"] = fencing.blocking_pods(error.last_seen or [], self.name)
            raise FenceFailed("node %s is fenced (off, remediation applied) but %d pods are still bound to it after "
                              "%ss: %s" % (self.name, len(self.result["pods_left"]), self.params["wait_timeout"],
                                           ", ".join(self.result["pods_left"][:5])))
        if not followed:
            return
        seen = {}

        def all_back(vmis):
            for key, new_node in fencing.running_elsewhere(vmis, followed, self.name).items():
                if key not in seen:
                    seen[key] = {"namespace": key[0], "name": key[1], "from_node": self.name, "node": new_node,
                                 "seconds": round(self.monotonic() - start, 3)}
            return len(seen) == len(followed)

        try:
            self.cluster.wait_until(cluster_api.VMI, all_back, max(1, deadline - self.monotonic()),
                                    describe="VMs of node %s Running elsewhere" % self.name)
        except WaitTimeout:
            pass
        self.result["vms_restarted"] = sorted(seen.values(), key=lambda v: (v["namespace"], v["name"]))
        self.result["vms_pending"] = ["%s/%s" % key for key in followed if key not in seen]
        for vm in self.result["vms_restarted"]:
            self.event("vm_running_elsewhere", vm="%s/%s" % (vm["namespace"], vm["name"]), node=vm["node"],
                       seconds=vm["seconds"])
        if self.result["vms_pending"]:
            raise FenceFailed("node %s is fenced but %d VMs are not Running elsewhere after %ss: %s"
                              % (self.name, len(self.result["vms_pending"]), self.params["wait_timeout"],
                                 ", ".join(self.result["vms_pending"][:5])))

    def wait_ready(self):
        try:
            found = self.cluster.wait_until(
                cluster_api.NODE, lambda items: any(fencing.rebooted(n, self.boot_id_before) for n in items),
                self.params["wait_timeout"], name=self.name,
                describe="node %s Ready%s" % (self.name, " after a new boot" if self.boot_id_before else ""))
        except WaitTimeout:
            raise FenceFailed("node %s powered on (confirmed by its BMC) but not Ready within %ss; its taints stay "
                              "until it is Ready (rerun with action=on to finish)"
                              % (self.name, self.params["wait_timeout"]))
        self.node = found[0]
        self.event("node_ready")

    def cleanup(self):
        before = nodes.taints(self.node)
        removed = self.patch_node(lambda n: nodes.node_patch(n, taints=fencing.cleaned_taints(n),
                                                             annotations={fencing.RECORD_ANNOTATION: None}),
                                  "remediation_taints_removed")
        if removed:
            after = nodes.taints(self.node)
            self.result["taints_removed"] = [t for t in before if not nodes.has_taint(after, t)]
            self.cluster.emit_event(self.node, "FenceRemediationRemoved",
                                    "node Ready again: fence taints removed by %s" % self.run_holder)

    def followed_vms(self):
        if not self.cluster.served(*cluster_api.VMI[:2]):
            return []
        vmis = self.cluster.list(cluster_api.VMI)
        vms = self.cluster.list(cluster_api.VM) if self.cluster.served(*cluster_api.VM[:2]) else []
        return fencing.vms_to_follow(vmis, vms, self.name)

    # -- the run -------------------------------------------------------------------------------------------------
    def run(self):
        self.node = self.read_node()
        node_before = nodes.node_view(self.node)
        self.open_bmc()
        state = self.bmc_read_state()
        self.result["power_state"]["before"] = state
        self.result["power_state"]["after"] = state
        self.event("power_state_read", state=state)
        lease = leases.read(self.cluster, self.name)
        reasons = fencing.refusals(self.node, self.action, self.params["force"], lease, self.now(), self.remediation)
        if reasons:
            raise FenceFailed("refusing to %s node %s: %s" % (
                {"off": "power off", "on": "power on"}.get(self.action, self.action), self.name, "; ".join(reasons)))
        self.under_maintenance = fencing.under_maintenance(self.node, self.action, self.params["force"], lease,
                                                           self.now())
        steps = fencing.plan(self.action, state, self.node, self.remediation)
        self.result["steps"] = steps
        expected = {"off": bmc_adapter.OFF, "on": bmc_adapter.ON}.get(self.action)
        self.result["verified"] = state == expected
        self.event("planned", steps=steps)
        if self.action == "status":
            self.result["verified"] = state in (bmc_adapter.ON, bmc_adapter.OFF)
            return "node %s is powered %s" % (self.name, state)
        if self.mod.check_mode:
            self.changed = fencing.is_mutating(steps)
            return "would %s node %s: %s" % (self.action, self.name, ", ".join(steps) or "nothing to do")
        if fencing.is_mutating(steps):
            self.take_lease()
        followed = self.followed_vms() if fencing.WAIT_WORKLOADS in steps else []
        try:
            if fencing.is_mutating(steps):
                self.announce(steps)
            for step in steps:
                getattr(self, "step_" + step)(followed)
        except (FenceFailed, ClusterError) as error:
            self.release_on_failure()
            self.result["diff"] = {"before": node_before, "after": nodes.node_view(self.node)}
            raise error if isinstance(error, FenceFailed) else FenceFailed(str(error))
        recovered = nodes.is_ready(self.node) and not fencing.has_our_marks(self.node)
        self.finish_lease(node_recovered=recovered)
        self.result["diff"] = {"before": node_before, "after": nodes.node_view(self.node)}
        return self.summary()

    def announce(self, steps):
        """A Kubernetes Event saying who powers the node and why, before the first power command."""
        reason = self.params.get("reason")
        if not reason:
            return
        self.event("reason", reason=reason)
        under = " under the %s lease" % leases.MAINTENANCE_HOLDER if self.claimed else ""
        self.cluster.emit_event(self.node, "FencePowerAction", "%s by %s%s (%s): %s" % (
            self.action, self.run_holder, under, ", ".join(steps), reason))

    def bmc_read_state(self):
        try:
            return self.bmc.power_state()
        except bmc_adapter.BmcError as error:
            self.result["bmc_error"] = {"kind": error.kind, "message": error.message}
            raise FenceFailed("reading the power state of node %s failed: %s" % (self.name, error.message))

    def step_power_off(self, _followed):
        self.bmc_step(self.bmc.power_off, "power_off")
        self.fenced_at = self.monotonic()

    def step_remediate(self, _followed):
        if self.fenced_at is None:
            self.fenced_at = self.monotonic()
        self.remediate()

    def step_wait_workloads(self, followed):
        self.wait_workloads(followed)

    def step_power_on(self, _followed):
        boot_id = ((self.node.get("status") or {}).get("nodeInfo") or {}).get("bootID")
        if self.bmc_step(self.bmc.power_on, "power_on").get("sent"):
            self.boot_id_before = boot_id

    def step_wait_ready(self, _followed):
        self.wait_ready()

    def step_cleanup(self, _followed):
        self.cleanup()

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
