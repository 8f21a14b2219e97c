# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The waits of a fence run (shell): the fenced node's pods gone, its VMs Running elsewhere, the node Ready again.
What counts is decided in fencing/decisions.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core import kinds
from ansible_collections.workload.availability.plugins.module_utils.core.errors import AvailabilityError, WaitTimeout
from ansible_collections.workload.availability.plugins.module_utils.fencing import decisions


def vms_to_follow(cluster, name):
    """(namespace, name) of the VMs on node ``name`` that should run again elsewhere."""
    if not cluster.served(kinds.VMI):
        return []
    return decisions.vms_to_follow(cluster.list(kinds.VMI), cluster.list_if_served(kinds.VM), name)


def wait_pods_gone(ctx, name, timeout, wait_timeout, result):
    """Until no pod that must leave is bound to the node (``timeout`` seconds left of ``wait_timeout``); on
    timeout ``result["pods_left"]`` names them."""
    try:
        ctx.cluster.wait_until(kinds.POD, lambda pods: not decisions.blocking_pods(pods, name), max(1, timeout),
                               field_selector="spec.nodeName=" + name, describe="pods of node %s gone" % name)
    except WaitTimeout as error:
        result["pods_left"] = decisions.blocking_pods(error.last_seen or [], name)
        raise AvailabilityError("node %s is fenced (off, remediation applied) but %d pods are still bound to it after "
                                "%ss: %s" % (name, len(result["pods_left"]), wait_timeout,
                                             ", ".join(result["pods_left"][:5])))
    ctx.event("pods_gone")


def wait_vms_back(ctx, name, followed, timeout, started):
    """Until every followed VM runs on another node, or the timeout. Returns (restarted entries, pending keys);
    each entry says where the VM came back and how many seconds after ``started`` (monotonic)."""
    seen = {}

    def all_back(vmis):
        for key, new_node in decisions.running_elsewhere(vmis, followed, name).items():
            if key not in seen:
                seen[key] = {"namespace": key[0], "name": key[1], "from_node": name, "node": new_node,
                             "seconds": round(ctx.monotonic() - started, 3)}
        return len(seen) == len(followed)

    try:
        ctx.cluster.wait_until(kinds.VMI, all_back, max(1, timeout), describe="VMs of node %s Running elsewhere" % name)
    except WaitTimeout:
        pass
    restarted = sorted(seen.values(), key=lambda v: (v["namespace"], v["name"]))
    return restarted, ["%s/%s" % key for key in followed if key not in seen]


def wait_ready(ctx, name, boot_id_before, timeout):
    """The node once it is Ready (after a new boot when ``boot_id_before`` is known)."""
    try:
        found = ctx.cluster.wait_until(
            kinds.NODE, lambda items: any(decisions.rebooted(n, boot_id_before) for n in items), timeout, name=name,
            describe="node %s Ready%s" % (name, " after a new boot" if boot_id_before else ""))
    except WaitTimeout:
        raise AvailabilityError("node %s powered on (confirmed by its BMC) but not Ready within %ss; its taints stay "
                                "until it is Ready (rerun with action=on to finish)" % (name, timeout))
    ctx.event("node_ready")
    return found[0]
