# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The read-only availability report: nodes, who holds them, where the VMs run, which hosts have power.

Pure: built from one snapshot (lists of objects as the API returns them) and the current time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import leases
from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import nodes
from ansible_collections.workload.availability.plugins.module_utils.core.clock import format_time
from ansible_collections.workload.availability.plugins.module_utils.core.objects import key_of, labels_of, name_of


def _taint_text(taint):
    text = taint.get("key", "")
    if taint.get("value"):
        text += "=" + taint["value"]
    return text + ":" + taint.get("effect", "")


def _lease_view(lease, now):
    if lease is None:
        return None
    expiry = leases.expires_at(lease)
    return {
        "holder": leases.holder(lease),
        "valid": leases.is_valid(lease, now),
        "expires": format_time(expiry) if expiry else None,
    }


def _vmi_view(vmi):
    metadata = vmi.get("metadata") or {}
    status = vmi.get("status") or {}
    return {"namespace": metadata.get("namespace"), "name": metadata.get("name"), "phase": status.get("phase")}


def _vmi_node(vmi):
    return (vmi.get("status") or {}).get("nodeName")


def summarise(node_list, lease_list, vmi_list, machine_list, host_list, now):
    """The report: {"nodes": [...], "unplaced_vmis": [...], "summary": {...}}, nodes sorted by name."""
    leases_by_name = dict((name_of(lease), lease) for lease in lease_list)
    node_names = set(name_of(node) for node in node_list)
    vmis_by_node = {}
    unplaced = []
    for vmi in sorted(vmi_list, key=key_of):
        if _vmi_node(vmi) in node_names:
            vmis_by_node.setdefault(_vmi_node(vmi), []).append(_vmi_view(vmi))
        else:
            unplaced.append(dict(_vmi_view(vmi), node=_vmi_node(vmi)))

    report = []
    for node in sorted(node_list, key=name_of):
        name = name_of(node)
        host = medik8s.host_for_node(node, machine_list, host_list)
        report.append({
            "name": name,
            "ready": nodes.ready_status(node),
            "schedulable": not nodes.is_unschedulable(node),
            "roles": nodes.roles(node),
            "taints": [_taint_text(taint) for taint in nodes.taints(node)],
            "lease": _lease_view(leases_by_name.get(medik8s.lease_name(name)), now),
            "excluded_from_remediation": medik8s.EXCLUDE_FROM_REMEDIATION_LABEL in labels_of(node),
            "system_uuid": nodes.system_uuid(node),
            "host": None if host is None else {
                "name": key_of(host),
                "powered_on": (host.get("status") or {}).get("poweredOn"),
            },
            "vmis": vmis_by_node.get(name, []),
        })
    return {
        "nodes": report,
        "unplaced_vmis": unplaced,
        "summary": {
            "nodes": len(report),
            "ready": sum(1 for entry in report if entry["ready"] == "True"),
            "cordoned": sum(1 for entry in report if not entry["schedulable"]),
            "held": sum(1 for entry in report if entry["lease"] and entry["lease"]["valid"]),
            "powered_off": sum(1 for entry in report if entry["host"] and entry["host"]["powered_on"] is False),
            "vmis": len(vmi_list),
            "vmis_running": sum(1 for vmi in vmi_list if (vmi.get("status") or {}).get("phase") == "Running"),
        },
    }


def one_line(summary):
    """A one-line account of the summary, for msg."""
    return ("%(nodes)d nodes (%(ready)d Ready, %(cordoned)d cordoned, %(held)d held, %(powered_off)d powered off), "
            "%(vmis)d VMIs (%(vmis_running)d Running)" % summary)
