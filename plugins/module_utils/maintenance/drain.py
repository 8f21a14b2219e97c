# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure drain planner: what happens to each pod and VMI on a node being drained, and why.

``plan_pods(pods, options)`` sorts the pods bound to the node into:

- ``evict``: evicted through the Eviction API (PDBs honoured), with a warning when the pod is unmanaged or has
  emptyDir data that will be lost;
- ``skip``: left on the node (DaemonSet pods, mirror pods, pods not matched by ``pod_selectors``, virt-launcher pods
  of VMIs that are not moved);
- ``terminating``: already being deleted, only awaited;
- ``vm``: running virt-launcher pods; their VMI is live-migrated instead (see ``plan_vms``);
- ``blockers``: pods that the options do not allow to remove (unmanaged without ``force``, emptyDir without
  ``delete_emptydir_data``), each with the option that would allow it.

``plan_vms(vmis, non_migratable)`` sorts the VMIs running on the node into ``migrate``, ``in_flight`` (a migration or
evacuation already runs), ``shutdown``, ``skip`` and ``blockers``.

Options (names of kubernetes.core k8s_drain's delete_options): ``force`` (remove pods without a controller),
``delete_emptydir_data``, ``terminate_grace_period`` (None = each pod's own), ``pod_selectors`` (list of label
selector strings; only matching pods are drained).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core import labels
from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core.pods import (
    FINISHED_PHASES, is_daemonset_pod, is_finished, is_mirror_pod, is_virt_launcher, launcher_vmi_name,
    uses_emptydir)


def selected(pod, selectors):
    """True when no selectors are given or the pod matches any of them (each a parsed selector)."""
    if not selectors:
        return True
    pod_labels = objects.labels_of(pod)
    return any(labels.selector_matches(requirements, pod_labels) for requirements in selectors)


# Planning --------------------------------------------------------------------------------------------------------

def _entry(pod, reason, warning=None):
    entry = {"namespace": pod["metadata"].get("namespace"), "name": pod["metadata"]["name"], "reason": reason}
    if warning:
        entry["warning"] = warning
    return entry


def empty_pod_plan():
    return {"evict": [], "skip": [], "terminating": [], "vm": [], "blockers": []}


def plan_pods(pods, options, moved_vmis=None):
    """Classify ``pods`` (bound to the node being drained). ``moved_vmis``: keys "ns/name" of VMIs that will leave
    the node; their running launcher pods go to ``vm``, the others' to ``skip``. When None, every running launcher
    pod goes to ``vm``."""
    selectors = [labels.parse_selector(text) for text in options.get("pod_selectors") or []]
    force = bool(options.get("force"))
    delete_emptydir_data = bool(options.get("delete_emptydir_data"))
    plan = empty_pod_plan()
    for pod in sorted(pods, key=objects.key_of):
        if is_mirror_pod(pod):
            plan["skip"].append(_entry(pod, "mirror pod (static pod managed by the kubelet)"))
        elif is_daemonset_pod(pod):
            plan["skip"].append(_entry(pod, "DaemonSet pod (its controller ignores cordoning)"))
        elif objects.is_terminating(pod):
            plan["terminating"].append(_entry(pod, "already terminating"))
        elif is_finished(pod):
            plan["evict"].append(_entry(pod, "finished pod (%s)" % pod["status"]["phase"]))
        elif is_virt_launcher(pod):
            vmi_key = objects.key(objects.namespace_of(pod), launcher_vmi_name(pod))
            if moved_vmis is None or vmi_key in moved_vmis:
                plan["vm"].append(_entry(pod, "virt-launcher of VMI %s (moved by live migration)" % vmi_key))
            else:
                plan["skip"].append(_entry(pod, "virt-launcher of VMI %s, which stays (non_migratable=skip)" % vmi_key))
        elif not selected(pod, selectors):
            plan["skip"].append(_entry(pod, "not matched by pod_selectors"))
        else:
            problems, warnings = [], []
            if objects.controller_of(pod) is None:
                if force:
                    warnings.append("no controller: it will not be recreated")
                else:
                    problems.append("no controller, so it would not be recreated; set force=true to remove it")
            if uses_emptydir(pod):
                if delete_emptydir_data:
                    warnings.append("its emptyDir data is lost")
                else:
                    problems.append("uses emptyDir (local data is lost); set delete_emptydir_data=true to remove it")
            if problems:
                plan["blockers"].append(_entry(pod, "; ".join(problems)))
            else:
                plan["evict"].append(_entry(pod, "evict", "; ".join(warnings) or None))
    return plan


def live_migratable(vmi):
    """(bool, reason) from the VMI's LiveMigratable condition."""
    for cond in (vmi.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "LiveMigratable":
            if cond.get("status") == "True":
                return True, None
            return False, cond.get("reason") or cond.get("message") or "LiveMigratable=False"
    return False, "no LiveMigratable condition"


def migration_in_flight(vmi):
    """A migration or evacuation of this VMI is running or requested."""
    status = vmi.get("status") or {}
    state = status.get("migrationState") or {}
    if state.get("startTimestamp") and not state.get("endTimestamp") and not state.get("completed") \
            and not state.get("failed"):
        return True
    return bool(status.get("evacuationNodeName"))


def plan_vms(vmis, non_migratable):
    """Classify the VMIs running on the node. ``non_migratable``: fail | shutdown | skip."""
    plan = {"migrate": [], "in_flight": [], "shutdown": [], "skip": [], "blockers": []}
    for vmi in sorted(vmis, key=objects.key_of):
        if objects.is_terminating(vmi) or (vmi.get("status") or {}).get("phase") in FINISHED_PHASES:
            continue
        entry = {"namespace": vmi["metadata"].get("namespace"), "name": vmi["metadata"]["name"]}
        ok, reason = live_migratable(vmi)
        if ok:
            if migration_in_flight(vmi):
                plan["in_flight"].append(dict(entry, reason="migration already in progress"))
            else:
                plan["migrate"].append(dict(entry, reason="live migration"))
        elif non_migratable == "shutdown":
            plan["shutdown"].append(dict(entry, reason="not live-migratable (%s); non_migratable=shutdown" % reason))
        elif non_migratable == "skip":
            plan["skip"].append(dict(entry, reason="not live-migratable (%s); left running (non_migratable=skip)"
                                     % reason))
        else:
            plan["blockers"].append(dict(entry, reason="not live-migratable (%s); set non_migratable=shutdown or skip"
                                         % reason))
    return plan
