# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which nodes take part in balancing and which VMs may be moved, each refusal with its reason.

A node takes part when it is Ready, schedulable, matches ``node_selector`` (default
``kubevirt.io/schedulable=true``, the KubeVirtRelieveAndMigrate profile's), and is neither in maintenance nor being
remediated: no exclude-from-remediation label, no drain, out-of-service, fencing or medik8s remediation taint, and
no valid medik8s node lease (``medik8s-leases/node-<name>``, held by Node Maintenance or Node Healthcheck). A node
outside is neither source nor destination, and its VMs stay.

A VMI may be moved when it is Running on such a node with ``LiveMigratable=True``, its eviction strategy (its own,
else the KubeVirt CR's ``evictionStrategy``) live-migrates (``LiveMigrate`` or ``LiveMigrateIfPossible``), no
migration is in flight (``status.migrationState`` started and not ended, an unfinished
VirtualMachineInstanceMigration, or ``status.evacuationNodeName``), it is not annotated
``descheduler.alpha.kubernetes.io/prefer-no-eviction`` (on the VMI or its launcher pod), its namespace is outside the
protected ``openshift-*``, ``kube-*``, ``hypershift`` and the user's exclusions (shell-style patterns), it matches
every label selector, and ``vm_query`` selects it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch

from ansible_collections.workload.availability.plugins.module_utils import leases
from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.balance import vm_query
from ansible_collections.workload.availability.plugins.module_utils.core import labels
from ansible_collections.workload.availability.plugins.module_utils.core import nodes as node_facts
from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.migrations import state as migration_state

PROTECTED_NAMESPACES = ("openshift-*", "kube-*", "hypershift")
PREFER_NO_EVICTION = "descheduler.alpha.kubernetes.io/prefer-no-eviction"
LIVE_MIGRATING_STRATEGIES = ("LiveMigrate", "LiveMigrateIfPossible")
DEFAULT_NODE_SELECTOR = "kubevirt.io/schedulable=true"
REMEDIATION_TAINT_PREFIX = "remediation.medik8s.io/"
OUT_OF_SERVICE_TAINTS = (medik8s.OUT_OF_SERVICE_TAINT, medik8s.FENCE_TAINT)


def cluster_eviction_strategy(kubevirt):
    return ((((kubevirt or {}).get("spec") or {}).get("configuration") or {}).get("evictionStrategy")) or None


def vmis_with_active_migration(vmims):
    """Keys of VMIs that have an active VirtualMachineInstanceMigration (Pending included)."""
    return set(migration_state.vmi_key_of(vmim) for vmim in vmims or [] if migration_state.is_active(vmim))


def _condition(vmi, condition_type):
    for condition in (vmi.get("status") or {}).get("conditions") or []:
        if condition.get("type") == condition_type:
            return condition
    return {}


def _annotated_no_eviction(vmi, pod):
    return any(PREFER_NO_EVICTION in objects.annotations_of(obj) for obj in (vmi, pod or {}))


def namespace_excluded(namespace, patterns):
    for pattern in patterns:
        if fnmatch.fnmatchcase(namespace or "", pattern):
            return pattern
    return None


def vmi_refusal(vmi, pod, settings, default_strategy=None, active_migrations=()):
    """None when the VMI may be moved, else why not."""
    metadata = vmi.get("metadata") or {}
    phase = (vmi.get("status") or {}).get("phase")
    if phase != "Running":
        return "not Running (phase %s)" % phase
    pattern = namespace_excluded(metadata.get("namespace"), settings["exclude_namespaces"])
    if pattern:
        return "namespace %s is excluded (%s)" % (metadata.get("namespace"), pattern)
    migratable = _condition(vmi, "LiveMigratable")
    if migratable.get("status") != "True":
        return "not live-migratable (%s)" % (migratable.get("reason") or "no LiveMigratable=True condition")
    strategy = (vmi.get("spec") or {}).get("evictionStrategy") or default_strategy or "None"
    if strategy not in LIVE_MIGRATING_STRATEGIES:
        return "eviction strategy %s does not live-migrate" % strategy
    if objects.key_of(vmi) in active_migrations:
        return "a VirtualMachineInstanceMigration for it is not finished"
    in_flight = migration_state.vmi_migrating(vmi)
    if in_flight:
        return in_flight
    if _annotated_no_eviction(vmi, pod):
        return "annotated %s" % PREFER_NO_EVICTION
    for text, requirements in settings["label_selectors"]:
        if not labels.selector_matches(requirements, metadata.get("labels") or {}):
            return "labels do not match %s" % text
    if settings.get("vm_query") is not None:
        selected, error = vm_query.evaluate(settings["vm_query"], vmi)
        if error:
            return error
        if not selected:
            return "not selected by vm_query %r" % settings["vm_query"].text
    return None


def node_refusal(node, node_selector, lease=None, now=None):
    """None when the node takes part in balancing, else why not. ``node_selector``: (text, requirements)."""
    name = node["metadata"]["name"]
    if not node_facts.is_ready(node):
        return "not Ready"
    if node_facts.is_unschedulable(node):
        return "cordoned (unschedulable)"
    if not labels.selector_matches(node_selector[1], objects.labels_of(node)):
        return "does not match node_selector %s" % node_selector[0]
    if medik8s.in_maintenance(node):
        marks = medik8s.maintenance_marks(node)
        return "in maintenance (%s)" % ", ".join(mark for mark in sorted(marks) if marks[mark])
    for taint in node_facts.taints(node):
        if taint.get("key", "").startswith(REMEDIATION_TAINT_PREFIX) or any(
                node_facts.same_taint(taint, known) for known in OUT_OF_SERVICE_TAINTS):
            return "being remediated or fenced (taint %s:%s)" % (taint.get("key"), taint.get("effect"))
    if lease is not None and now is not None and leases.holder(lease) and leases.is_valid(lease, now):
        return "node lease %s/%s held by %s" % (medik8s.LEASE_NAMESPACE, medik8s.lease_name(name), leases.holder(lease))
    return None


def select_nodes(node_objects, node_selector, node_leases=None, now=None):
    """(names that take part, {name: reason} of those that do not), both sorted by name."""
    by_name = dict(((objects.name_of(lease) or "")[len(medik8s.lease_name("")):], lease) for lease in node_leases or [])
    selected, excluded = [], {}
    for node in sorted(node_objects, key=lambda n: n["metadata"]["name"]):
        name = node["metadata"]["name"]
        reason = node_refusal(node, node_selector, by_name.get(name), now)
        if reason:
            excluded[name] = reason
        else:
            selected.append(name)
    return selected, excluded
