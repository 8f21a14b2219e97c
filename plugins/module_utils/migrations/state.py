# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure facts about KubeVirt live migrations (VirtualMachineInstanceMigration, VMIM) of one snapshot.

- limits: ``DEFAULT_LIMITS``, ``migration_settings(cr)`` (the CR's ``spec.configuration.migrations``),
  ``limits_from_kubevirt(cr)``, ``free_slots(limits, active_sources, source_node)``
- a migration: ``phase(vmim)``, ``is_active(vmim)``, ``is_queued(vmim)``, ``is_failed(vmim)``, ``vmi_key_of(vmim)``
- many: ``labelled(vmims, label, value)`` -> {vmi key: [vmims]}, ``active_sources(vmims, vmi_by_key)``,
  ``failures(vmims)``, ``exhausted(vmims, attempts)``, ``in_flight(vmi_by_key, vmims)`` (source and target of every
  unfinished migration)
- a VMI: ``vmi_migrating(vmi)`` (its migrationState started and not ended, or an evacuation is marked)
- why and how it went: ``failure_reason(vmim, vmi)``, ``arrival(key, vmi, mine, source, started, now)``,
  ``vmi_signature(vmis, watched, node)`` (what wakes a follower)
- a new one: ``migration_body(namespace, vmi_name, generate_name, labels, target=None)``
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core.clock import parse_time
from ansible_collections.workload.availability.plugins.module_utils.core.nodes import HOSTNAME_LABEL

DEFAULT_LIMITS = {"per_cluster": 5, "per_node": 2}
FINAL_PHASES = ("Succeeded", "Failed")


def migration_settings(kubevirt):
    """The CR's ``spec.configuration.migrations`` as given ({} when absent: KubeVirt's defaults apply)."""
    return (((kubevirt or {}).get("spec") or {}).get("configuration") or {}).get("migrations") or {}


def limits_from_kubevirt(kubevirt):
    """KubeVirt's migration limits from its CR (``spec.configuration.migrations``), with KubeVirt's defaults."""
    migrations = migration_settings(kubevirt)
    return {
        "per_cluster": int(migrations.get("parallelMigrationsPerCluster") or DEFAULT_LIMITS["per_cluster"]),
        "per_node": int(migrations.get("parallelOutboundMigrationsPerNode") or DEFAULT_LIMITS["per_node"]),
    }


def free_slots(limits, active_sources, source_node):
    """How many migrations from ``source_node`` may start now. ``active_sources``: the source node of every active
    (not finished) migration in the cluster, Pending ones included (KubeVirt starts those when a slot frees)."""
    cluster_free = limits["per_cluster"] - len(active_sources)
    node_free = limits["per_node"] - sum(1 for source in active_sources if source == source_node)
    return max(0, min(cluster_free, node_free))


def phase(vmim):
    return (vmim.get("status") or {}).get("phase")


def is_active(vmim):
    """Not finished and not being deleted: it holds (or waits for) a migration slot."""
    return phase(vmim) not in FINAL_PHASES and not objects.is_terminating(vmim)


def is_queued(vmim):
    """Active but not started by KubeVirt yet (waiting for a slot): cancelling it loses nothing."""
    return is_active(vmim) and phase(vmim) in (None, "", "Pending")


def is_failed(vmim):
    return phase(vmim) == "Failed"


def vmi_key_of(vmim):
    """The "namespace/name" key of the VMI a migration moves."""
    return objects.key(objects.namespace_of(vmim), (vmim.get("spec") or {}).get("vmiName"))


def labelled(vmims, label, value):
    """{vmi key: [migrations]} of the migrations carrying ``label=value`` (the ones a run created)."""
    found = {}
    for vmim in vmims:
        if objects.labels_of(vmim).get(label) == value:
            found.setdefault(vmi_key_of(vmim), []).append(vmim)
    return found


def active_sources(vmims, vmi_by_key):
    """The source node of every active migration (None when its VMI is not known)."""
    sources = []
    for vmim in vmims:
        if is_active(vmim):
            vmi = vmi_by_key.get(vmi_key_of(vmim))
            sources.append(((vmi or {}).get("status") or {}).get("nodeName"))
    return sources


def vmi_migrating(vmi):
    """Why a VMI is moving already (a migration started and not ended, or an evacuation marked), or None."""
    status = (vmi or {}).get("status") or {}
    migration = status.get("migrationState") or {}
    if migration.get("startTimestamp") and not migration.get("endTimestamp"):
        return "migration in flight (started %s)" % migration["startTimestamp"]
    if status.get("evacuationNodeName"):
        return "evacuation of node %s in progress" % status["evacuationNodeName"]
    return None


def in_flight(vmi_by_key, vmims):
    """[{"vmi", "source", "target"}] of the unfinished migrations, one per VMI, sorted: VMIs whose migration started
    (their migrationState names both nodes) and active VMIMs not started yet (source: the VMI's node; target: the
    node their addedNodeSelector pins, else None: the scheduler will choose)."""
    found = {}
    for key in sorted(vmi_by_key):
        status = vmi_by_key[key].get("status") or {}
        migration = status.get("migrationState") or {}
        if migration.get("startTimestamp") and not migration.get("endTimestamp"):
            found[key] = {"vmi": key, "source": migration.get("sourceNode") or status.get("nodeName"),
                          "target": migration.get("targetNode")}
    for vmim in vmims:
        key = vmi_key_of(vmim)
        if is_active(vmim) and key not in found:
            status = (vmi_by_key.get(key) or {}).get("status") or {}
            pinned = ((vmim.get("spec") or {}).get("addedNodeSelector") or {}).get(HOSTNAME_LABEL)
            found[key] = {"vmi": key, "source": status.get("nodeName"), "target": pinned}
    return [found[key] for key in sorted(found)]


def failures(vmims):
    return [vmim for vmim in vmims if is_failed(vmim)]


def exhausted(vmims, attempts):
    """None of these migrations of one VMI is active and ``attempts`` of them failed."""
    return not any(is_active(vmim) for vmim in vmims) and len(failures(vmims)) >= attempts


def failure_reason(vmim, vmi=None):
    """Why a migration failed: KubeVirt's failureReason, a condition message, or the VMI's migrationState."""
    status = vmim.get("status") or {}
    state = status.get("migrationState") or {}
    if state.get("failureReason"):
        return state["failureReason"]
    for cond in status.get("conditions") or []:
        if cond.get("message"):
            return cond["message"]
    return (((vmi or {}).get("status") or {}).get("migrationState") or {}).get("failureReason") or "unknown"


def started_at(vmims):
    """The earliest creationTimestamp of these migrations (whole seconds), or None."""
    return min((parse_time(objects.metadata(m).get("creationTimestamp")) for m in vmims
                if objects.metadata(m).get("creationTimestamp")), default=None)


def arrival(key, vmi, mine, source, started, now):
    """The record of a VMI that left ``source``: {namespace, name, from, to, seconds, migration}, or None while it
    is still there. ``mine``: its migrations (the last Succeeded one is named); ``started``: when its migration
    began (aware datetime; creationTimestamp of ``mine`` when None)."""
    node_now = ((vmi or {}).get("status") or {}).get("nodeName")
    if vmi is None or not node_now or node_now == source:
        return None
    succeeded = [m for m in mine if phase(m) == "Succeeded"]
    started = started or started_at(mine)
    namespace, name = objects.split_key(key)
    return {"namespace": namespace, "name": name, "from": source, "to": node_now,
            "seconds": round((now - started).total_seconds(), 1) if started else None,
            "migration": objects.name_of(succeeded[-1]) if succeeded else None}


def vmi_signature(vmis, watched, node_name):
    """What of the watched VMIs (and those on ``node_name``) frees a migration slot or needs an action: where
    each runs, its phase, a failed migration, a deletion; not every progress update of a running migration."""
    sig = set()
    for vmi in vmis:
        key = objects.key_of(vmi)
        status = vmi.get("status") or {}
        if key not in watched and status.get("nodeName") != node_name:
            continue
        state = status.get("migrationState") or {}
        sig.add((key, status.get("nodeName"), status.get("phase"), bool(state.get("failed")),
                 objects.is_terminating(vmi)))
    return sig


def migration_body(namespace, vmi_name, generate_name, labels, target=None):
    """A VirtualMachineInstanceMigration for one VMI; ``target`` pins it to a node with addedNodeSelector."""
    body = {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachineInstanceMigration",
        "metadata": {"generateName": generate_name, "namespace": namespace, "labels": dict(labels)},
        "spec": {"vmiName": vmi_name},
    }
    if target:
        body["spec"]["addedNodeSelector"] = {HOSTNAME_LABEL: target}
    return body
