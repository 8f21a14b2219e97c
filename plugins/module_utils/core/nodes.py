# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure facts about Node objects and their taint lists.

Everything here takes plain dicts (Node objects as the API returns them) and returns new values; nothing talks to
the cluster. Taints are identified by ``key`` and ``effect`` (as Kubernetes does); ``value`` is carried along.
The medik8s keys (which taints and labels mean maintenance or remediation) are in medik8s.py.

- ``condition(node, type)``, ``ready_status(node)`` -> "True"|"False"|"Unknown", ``is_ready(node)``
- ``roles(node)``, ``is_control_plane(node)``, ``is_unschedulable(node)``, ``system_uuid(node)``, ``boot_id(node)``
- ``taints(node)``, ``same_taint(a, b)``, ``has_taint(node_or_taints, taint)``,
  ``with_taint(taints, taint)``, ``without_taint(taints, taint)``
- ``node_patch(node, taints=None, unschedulable=None, labels=None, annotations=None)`` -> JSON patch ops guarded by a
  ``test`` of the node's current taint list (so a concurrent writer's taint is never dropped)
- ``node_view(node)`` -> the part of a node shown in diffs (unschedulable, taints, labels, annotations)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

ROLE_LABEL_PREFIX = "node-role.kubernetes.io/"
HOSTNAME_LABEL = "kubernetes.io/hostname"
CONTROL_PLANE_ROLES = ("control-plane", "master")


def condition(node, condition_type):
    """The status condition of ``condition_type`` on ``node`` (a dict), or None."""
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == condition_type:
            return cond
    return None


def ready_status(node):
    """"True", "False" or "Unknown" (also when the Ready condition is missing)."""
    cond = condition(node, "Ready")
    if cond is None:
        return "Unknown"
    return cond.get("status") or "Unknown"


def is_ready(node):
    return ready_status(node) == "True"


def roles(node):
    """Sorted role names from ``node-role.kubernetes.io/<role>`` labels (and the legacy ``kubernetes.io/role``)."""
    labels = (node.get("metadata") or {}).get("labels") or {}
    found = set()
    for key, value in labels.items():
        if key.startswith(ROLE_LABEL_PREFIX) and key[len(ROLE_LABEL_PREFIX):]:
            found.add(key[len(ROLE_LABEL_PREFIX):])
        elif key == "kubernetes.io/role" and value:
            found.add(value)
    return sorted(found)


def is_control_plane(node):
    return any(role in CONTROL_PLANE_ROLES for role in roles(node))


def is_unschedulable(node):
    return bool((node.get("spec") or {}).get("unschedulable"))


def system_uuid(node):
    """``status.nodeInfo.systemUUID`` (the SMBIOS UUID a Redfish System reports), or None."""
    return ((node.get("status") or {}).get("nodeInfo") or {}).get("systemUUID") or None


def boot_id(node):
    """``status.nodeInfo.bootID``: changes on every boot of the machine."""
    return ((node.get("status") or {}).get("nodeInfo") or {}).get("bootID")


def taints(node):
    """A copy of the node's ``spec.taints`` (empty list when absent)."""
    return copy.deepcopy((node.get("spec") or {}).get("taints") or [])


def same_taint(first, second):
    """Kubernetes identifies a taint by key and effect."""
    return first.get("key") == second.get("key") and first.get("effect") == second.get("effect")


def _taint_list(node_or_taints):
    if isinstance(node_or_taints, dict):
        return taints(node_or_taints)
    return list(node_or_taints or [])


def has_taint(node_or_taints, taint):
    """Whether a node (dict) or a taint list holds ``taint`` (matched by key and effect)."""
    return any(same_taint(existing, taint) for existing in _taint_list(node_or_taints))


def with_taint(taint_list, taint):
    """A new list with ``taint`` appended unless one with its key and effect is there; other taints are kept as is."""
    result = copy.deepcopy(list(taint_list or []))
    if not has_taint(result, taint):
        result.append(copy.deepcopy(taint))
    return result


def without_taint(taint_list, taint):
    """A new list without the taints matching ``taint`` by key and effect; other taints are kept in order."""
    return [copy.deepcopy(t) for t in (taint_list or []) if not same_taint(t, taint)]


def _pointer(segment):
    return segment.replace("~", "~0").replace("/", "~1")


def _map_ops(node, field, changes):
    """JSON patch ops setting (value is a string) or removing (value is None) keys of metadata.<field>."""
    current = (node.get("metadata") or {}).get(field)
    ops = []
    if current is None:
        wanted = dict((k, v) for k, v in (changes or {}).items() if v is not None)
        if wanted:
            ops.append({"op": "add", "path": "/metadata/%s" % field, "value": wanted})
        return ops
    for key in sorted(changes or {}):
        value = changes[key]
        path = "/metadata/%s/%s" % (field, _pointer(key))
        if value is None:
            if key in current:
                ops.append({"op": "remove", "path": path})
        elif current.get(key) != value:
            ops.append({"op": "add", "path": path, "value": value})
    return ops


def node_patch(node, taints=None, unschedulable=None, labels=None, annotations=None):
    """JSON patch (list of ops) that turns ``node`` into the wanted state, or [] when nothing changes.

    ``taints``: the complete wanted taint list (build it with with_taint/without_taint from taints(node)), or None to
    leave taints alone. When it changes, the patch starts with a ``test`` of the current list (of the node's
    resourceVersion when it has no list yet), so a taint written by someone else between our read and our write
    makes the server answer 422 and the caller re-reads instead of dropping it.
    ``unschedulable``: True/False or None to leave it. ``labels``/``annotations``: {key: value or None to remove}.
    """
    ops = []
    spec = node.get("spec") or {}
    if taints is not None:
        current = spec.get("taints")
        if list(current or []) != list(taints):
            if current is None:
                # RFC 6902 cannot test for an absent member (Kubernetes accepts a null test there, not every server
                # does): the object's resourceVersion guards the first taint instead.
                version = (node.get("metadata") or {}).get("resourceVersion")
                if version:
                    ops.append({"op": "test", "path": "/metadata/resourceVersion", "value": version})
            else:
                ops.append({"op": "test", "path": "/spec/taints", "value": current})
            if taints:
                ops.append({"op": "add", "path": "/spec/taints", "value": list(taints)})
            else:
                ops.append({"op": "remove", "path": "/spec/taints"})
    if unschedulable is not None and bool(spec.get("unschedulable")) != bool(unschedulable):
        if unschedulable:
            ops.append({"op": "add", "path": "/spec/unschedulable", "value": True})
        else:
            ops.append({"op": "remove", "path": "/spec/unschedulable"})
    if labels:
        ops.extend(_map_ops(node, "labels", labels))
    if annotations:
        ops.extend(_map_ops(node, "annotations", annotations))
    if "spec" not in node and any(op["path"].startswith("/spec/") and op["op"] == "add" for op in ops):
        ops.insert(0, {"op": "add", "path": "/spec", "value": {}})
    return ops


def node_view(node):
    """The fields of a node a maintenance run may change, for diffs and results."""
    metadata = node.get("metadata") or {}
    return {
        "name": metadata.get("name"),
        "unschedulable": is_unschedulable(node),
        "taints": taints(node),
        "labels": dict(metadata.get("labels") or {}),
        "annotations": dict(metadata.get("annotations") or {}),
    }
