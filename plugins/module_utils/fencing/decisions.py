# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fencing decisions as pure functions of a snapshot (node, lease, power state, pods, VMs).

- ``refusals``: may this run fence (or power on) the node now? A Ready node, a node in maintenance or with the
  exclude-from-remediation label need ``force``; a valid lease of another holder is never overridden, with one
  exception: a forced run on a node in maintenance whose lease node maintenance holds acts under that lease
  (``under_maintenance``) without taking it, marking its run on the lease (``claim``) so two runs still exclude
  each other. Such a run only powers the node: remediation must be ``none`` (the node is drained already, and
  remediation taints and a parked lease would take the node out of the maintenance's hands).
- ``plan``: the steps still to do for an action given the node's current state, so a rerun picks up where the
  cluster says the last one stopped and a finished ``off`` is a no-op.
- taint and record helpers for the remediation this module applies and later removes.
- workload tracking: which pods must disappear and which VMs must come back Running on another node.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.workload.availability.plugins.module_utils import leases
from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import nodes
from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core.clock import format_time, parse_time
from ansible_collections.workload.availability.plugins.module_utils.core.pods import is_mirror_pod, node_name_of

ACTIONS = ("off", "on", "reboot", "status")
REMEDIATIONS = ("out_of_service_taint", "resource_deletion", "none")

RUN_STATES_EXPECTED_BACK = ("Always", "RerunOnFailure")

POWER_OFF = "power_off"
REMEDIATE = "remediate"
WAIT_WORKLOADS = "wait_workloads"
POWER_ON = "power_on"
WAIT_READY = "wait_ready"
CLEANUP = "cleanup"
MUTATING_STEPS = (POWER_OFF, REMEDIATE, POWER_ON, CLEANUP)


def lease_holder_blocking(lease, now):
    """The holder whose valid lease stops this run, or None (no lease, expired, or our parked lease)."""
    holder = leases.holder(lease)
    if lease is None or not holder or holder == medik8s.FENCE_PARKED_HOLDER:
        return None
    if not leases.is_valid(lease, now):
        return None
    return holder


def under_maintenance(node, action, force, lease, now):
    """Whether a run acts under the maintenance holder's valid lease instead of taking the lease: only when forced,
    on a node that carries the maintenance marks, for an action that powers the node."""
    return (action != "status" and bool(force) and medik8s.in_maintenance(node)
            and leases.holder(lease) == medik8s.MAINTENANCE_HOLDER and leases.is_valid(lease, now))


def claim(lease, now):
    """(holder, until) of a valid fence run's mark on the lease, or (None, None)."""
    text = ((lease or {}).get("metadata") or {}).get("annotations", {}).get(medik8s.FENCE_CLAIM_ANNOTATION)
    if not text:
        return None, None
    try:
        value = json.loads(text)
        until = parse_time(value.get("until"))
    except (ValueError, TypeError, AttributeError):
        return None, None
    if not value.get("holder") or until is None or until <= now:
        return None, None
    return value["holder"], until


def claimed_lease(lease, holder, until):
    """The lease with ``holder``'s mark until ``until``; the caller has checked that no other valid mark is on it."""
    body = json.loads(json.dumps(lease))
    annotations = body.setdefault("metadata", {}).get("annotations") or {}
    annotations[medik8s.FENCE_CLAIM_ANNOTATION] = json.dumps({"holder": holder, "until": format_time(until)},
                                                             sort_keys=True)
    body["metadata"]["annotations"] = annotations
    return body


def unclaimed_lease(lease, holder):
    """The lease without ``holder``'s mark, or None when the mark is not ours (nothing to write)."""
    annotations = ((lease or {}).get("metadata") or {}).get("annotations") or {}
    text = annotations.get(medik8s.FENCE_CLAIM_ANNOTATION)
    try:
        ours = text and json.loads(text).get("holder") == holder
    except (ValueError, AttributeError):
        ours = False
    if not ours:
        return None
    body = json.loads(json.dumps(lease))
    del body["metadata"]["annotations"][medik8s.FENCE_CLAIM_ANNOTATION]
    return body


def _held_reason(name, holder, expiry):
    what = "another fence_node run" if holder.startswith(medik8s.FENCE_PARKED_HOLDER + "/") else (
        "node maintenance" if holder == medik8s.MAINTENANCE_HOLDER else "another remediator")
    return ("node %s is held by %s (%s) through lease %s/%s until %s; wait for it to finish or expire"
            % (name, holder, what, medik8s.LEASE_NAMESPACE, medik8s.lease_name(name),
               format_time(expiry) if expiry else "unknown"))


def refusals(node, action, force, lease, now, remediation="out_of_service_taint"):
    """Reasons this run must not act on ``node``; empty when it may. ``status`` is always allowed."""
    if action == "status":
        return []
    name = objects.name_of(node)
    reasons = []
    if under_maintenance(node, action, force, lease, now):
        claimant, until = claim(lease, now)
        if claimant:
            reasons.append(_held_reason(name, claimant, until))
        if remediation != "none":
            reasons.append("node %s is in maintenance under lease %s/%s of %s: a forced run only power-cycles it "
                           "and leaves the lease to the maintenance; set remediation=none (the node is drained "
                           "already)" % (name, medik8s.LEASE_NAMESPACE, medik8s.lease_name(name),
                                         medik8s.MAINTENANCE_HOLDER))
        return reasons
    holder = lease_holder_blocking(lease, now)
    if holder:
        reasons.append(_held_reason(name, holder, leases.expires_at(lease)))
        if holder == medik8s.MAINTENANCE_HOLDER and force:
            reasons[-1] += (" (force acts under the maintenance lease only on a node that carries the maintenance "
                            "label or taint)")
    if force:
        return reasons
    if action in ("off", "reboot") and nodes.is_ready(node):
        reasons.append("node %s is Ready: fencing a healthy node stops every workload on it; set force=true to "
                       "fence it anyway" % name)
    if medik8s.in_maintenance(node):
        reasons.append("node %s is in maintenance (label %s=true or taint %s); end the maintenance or set "
                       "force=true" % (name, medik8s.EXCLUDE_FROM_REMEDIATION_LABEL, medik8s.DRAIN_TAINT["key"]))
    return reasons


def rebooted(node, boot_id_before):
    """Ready after a new boot: a node powered on by this run counts as back only once its kubelet reports a boot
    ID other than the one seen before (right after a quick power cycle the Node can still show the old Ready)."""
    if not nodes.is_ready(node):
        return False
    return not boot_id_before or nodes.boot_id(node) != boot_id_before


def remediation_applied(node, remediation):
    """Whether the node already carries what ``remediation`` puts on it."""
    if remediation == "none":
        return True
    if not nodes.has_taint(node, medik8s.FENCE_TAINT):
        return False
    if remediation == "out_of_service_taint":
        return nodes.has_taint(node, medik8s.OUT_OF_SERVICE_TAINT)
    return True


def has_our_marks(node):
    return (nodes.has_taint(node, medik8s.FENCE_TAINT)
            or medik8s.FENCE_RECORD_ANNOTATION in objects.annotations_of(node))


def plan(action, power_state, node, remediation):
    """Ordered steps still needed. ``power_state`` is the BMC's reading ("On"/"Off"/other)."""
    if action == "status":
        return []
    steps = []
    if action in ("off", "reboot"):
        if power_state != "Off":
            steps.append(POWER_OFF)
        if not remediation_applied(node, remediation):
            steps.append(REMEDIATE)
        if remediation != "none":
            steps.append(WAIT_WORKLOADS)
    if action in ("on", "reboot"):
        if action == "reboot" or power_state != "On":
            steps.append(POWER_ON)
        steps.append(WAIT_READY)
        if REMEDIATE in steps or has_our_marks(node) or nodes.has_taint(node, medik8s.OUT_OF_SERVICE_TAINT):
            steps.append(CLEANUP)
    return steps


def is_mutating(steps):
    return any(step in MUTATING_STEPS for step in steps)


def remediated_taints(node, action, remediation):
    """The node's complete taint list once ``remediation`` is applied."""
    taints = nodes.taints(node)
    if remediation == "none":
        return taints
    taints = nodes.with_taint(taints, dict(medik8s.FENCE_TAINT, value=action))
    if remediation == "out_of_service_taint":
        taints = nodes.with_taint(taints, medik8s.OUT_OF_SERVICE_TAINT)
    return taints


def cleaned_taints(node):
    """The node's taints without ours: the fence taint, FAR-style taint and the out-of-service taint (which must
    not stay on a node that runs again: new pods would be evicted at once)."""
    taints = nodes.taints(node)
    for taint in (medik8s.FENCE_TAINT, medik8s.FAR_TAINT, medik8s.OUT_OF_SERVICE_TAINT):
        taints = nodes.without_taint(taints, taint)
    return taints


def record(action, remediation, holder, now_text):
    return json.dumps({"action": action, "remediation": remediation, "holder": holder, "at": now_text},
                      sort_keys=True)


def blocking_pods(pods, name):
    """Pods still bound to node ``name`` that must be gone before workloads count as released. DaemonSet pods and
    static (mirror) pods belong to the node itself and are ignored."""
    left = []
    for pod in pods:
        if node_name_of(pod) != name or is_mirror_pod(pod):
            continue
        if any(ref.get("kind") == "DaemonSet" for ref in objects.metadata(pod).get("ownerReferences") or []):
            continue
        left.append(objects.key_of(pod))
    return sorted(left)


def _vm_expected_running(vm):
    spec = vm.get("spec") or {}
    if spec.get("runStrategy"):
        return spec["runStrategy"] in RUN_STATES_EXPECTED_BACK
    return bool(spec.get("running"))


def vms_to_follow(vmis, vms, name):
    """(namespace, name) of VMs whose instance runs on node ``name`` and whose VM wants it running again."""
    wanted = dict(((vm["metadata"].get("namespace"), vm["metadata"]["name"]), vm) for vm in vms)
    followed = []
    for vmi in vmis:
        status = vmi.get("status") or {}
        if status.get("nodeName") != name or status.get("phase") in ("Succeeded", "Failed"):
            continue
        key = (vmi["metadata"].get("namespace"), vmi["metadata"]["name"])
        vm = wanted.get(key)
        if vm is not None and _vm_expected_running(vm):
            followed.append(key)
    return sorted(followed)


def running_elsewhere(vmis, followed, name):
    """{(namespace, vm name): new node} for the followed VMs now Running on a node other than ``name``."""
    found = {}
    keys = set(followed)
    for vmi in vmis:
        key = (vmi["metadata"].get("namespace"), vmi["metadata"]["name"])
        status = vmi.get("status") or {}
        if key in keys and status.get("phase") == "Running" and status.get("nodeName") not in (None, "", name):
            found[key] = status["nodeName"]
    return found
