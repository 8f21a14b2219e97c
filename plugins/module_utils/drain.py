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

import re

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
FINISHED_PHASES = ("Succeeded", "Failed")
VIRT_LAUNCHER_LABEL = ("kubevirt.io", "virt-launcher")
VMI_NAME_LABEL = "vm.kubevirt.io/name"
CREATED_BY_LABEL = "kubevirt.io/created-by"


def pod_key(pod):
    meta = pod.get("metadata") or {}
    return "%s/%s" % (meta.get("namespace"), meta.get("name"))


def controller_of(obj):
    """The controller ownerReference of an object, or None."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def is_mirror_pod(pod):
    return MIRROR_ANNOTATION in ((pod.get("metadata") or {}).get("annotations") or {})


def is_daemonset_pod(pod):
    ref = controller_of(pod)
    return bool(ref) and ref.get("kind") == "DaemonSet"


def is_finished(pod):
    return (pod.get("status") or {}).get("phase") in FINISHED_PHASES


def is_terminating(obj):
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def uses_emptydir(pod):
    return any("emptyDir" in volume for volume in (pod.get("spec") or {}).get("volumes") or [])


def is_virt_launcher(pod):
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return labels.get(VIRT_LAUNCHER_LABEL[0]) == VIRT_LAUNCHER_LABEL[1]


def launcher_vmi_name(pod):
    """Name of the VMI a virt-launcher pod runs (owner reference, else the vm.kubevirt.io/name label)."""
    ref = controller_of(pod)
    if ref and ref.get("kind") == "VirtualMachineInstance":
        return ref.get("name")
    return ((pod.get("metadata") or {}).get("labels") or {}).get(VMI_NAME_LABEL)


# Label selectors (kubectl syntax: "a=b,c!=d,e in (f,g),h notin (i),j,!k") -----------------------------------------

_SET_RE = re.compile(r"^\s*([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def _split_requirements(text):
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return parts


def parse_selector(text):
    """A label selector string as a list of (key, operator, values); raises ValueError on bad syntax."""
    requirements = []
    for raw in _split_requirements(text or ""):
        part = raw.strip()
        if not part:
            raise ValueError("empty requirement in selector %r" % text)
        match = _SET_RE.match(part)
        if match:
            values = [v.strip() for v in match.group(3).split(",") if v.strip()]
            requirements.append((match.group(1), match.group(2), values))
        elif "!=" in part:
            key, value = part.split("!=", 1)
            requirements.append((key.strip(), "!=", [value.strip()]))
        elif "==" in part or "=" in part:
            key, value = part.split("==", 1) if "==" in part else part.split("=", 1)
            requirements.append((key.strip(), "=", [value.strip()]))
        elif part.startswith("!"):
            requirements.append((part[1:].strip(), "!exists", []))
        else:
            requirements.append((part, "exists", []))
        if not requirements[-1][0] or " " in requirements[-1][0]:
            raise ValueError("invalid label key in selector %r" % text)
    return requirements


def selector_matches(requirements, labels):
    for key, operator, values in requirements:
        present = key in labels
        value = labels.get(key)
        if operator == "=" and value != values[0]:
            return False
        if operator == "!=" and present and value == values[0]:
            return False
        if operator == "in" and value not in values:
            return False
        if operator == "notin" and present and value in values:
            return False
        if operator == "exists" and not present:
            return False
        if operator == "!exists" and present:
            return False
    return True


def selected(pod, selectors):
    """True when no selectors are given or the pod matches any of them (each a parsed selector)."""
    if not selectors:
        return True
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return any(selector_matches(requirements, labels) for requirements in selectors)


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
    selectors = [parse_selector(text) for text in options.get("pod_selectors") or []]
    force = bool(options.get("force"))
    delete_emptydir_data = bool(options.get("delete_emptydir_data"))
    plan = empty_pod_plan()
    for pod in sorted(pods, key=pod_key):
        if is_mirror_pod(pod):
            plan["skip"].append(_entry(pod, "mirror pod (static pod managed by the kubelet)"))
        elif is_daemonset_pod(pod):
            plan["skip"].append(_entry(pod, "DaemonSet pod (its controller ignores cordoning)"))
        elif is_terminating(pod):
            plan["terminating"].append(_entry(pod, "already terminating"))
        elif is_finished(pod):
            plan["evict"].append(_entry(pod, "finished pod (%s)" % pod["status"]["phase"]))
        elif is_virt_launcher(pod):
            vmi_key = "%s/%s" % (pod["metadata"].get("namespace"), launcher_vmi_name(pod))
            if moved_vmis is None or vmi_key in moved_vmis:
                plan["vm"].append(_entry(pod, "virt-launcher of VMI %s (moved by live migration)" % vmi_key))
            else:
                plan["skip"].append(_entry(pod, "virt-launcher of VMI %s, which stays (non_migratable=skip)" % vmi_key))
        elif not selected(pod, selectors):
            plan["skip"].append(_entry(pod, "not matched by pod_selectors"))
        else:
            problems, warnings = [], []
            if controller_of(pod) is None:
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


def vmi_key(vmi):
    return "%s/%s" % (vmi["metadata"].get("namespace"), vmi["metadata"]["name"])


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
    for vmi in sorted(vmis, key=vmi_key):
        if is_terminating(vmi) or (vmi.get("status") or {}).get("phase") in FINISHED_PHASES:
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
