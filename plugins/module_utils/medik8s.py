# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every key this collection shares with the medik8s operators, OpenShift and metal3, and the keys of our own that
they (or our other modules) must respect, with the few pure answers built only on them (see
docs/architecture.md and the medik8s reference notes).

- the node lease: ``LEASE_NAMESPACE``, ``lease_name(node)``, holders ``MAINTENANCE_HOLDER`` (NMO and
  node_maintenance), ``nhc_holder(nhc)`` (NodeHealthCheck), ``FENCE_PARKED_HOLDER`` / ``fence_run_holder(id)``
  (fence_node);
- node marks: ``EXCLUDE_FROM_REMEDIATION_LABEL``, ``MANUALLY_CONFIRMED_HEALTHY_ANNOTATION``, the taints
  ``UNSCHEDULABLE_TAINT``, ``DRAIN_TAINT``, ``OUT_OF_SERVICE_TAINT``, ``FAR_TAINT``, ``SNR_TAINT``;
- remediation CRs: the kinds, ``NHC_TIMED_OUT_ANNOTATION`` and the annotations and label NHC puts on the CRs it
  generates;
- OpenShift/metal3: the etcd namespace, the Node -> Machine -> BareMetalHost annotations;
- ours: the maintenance record, migration and managed-by labels, the fence taint, record and lease mark.

Answers: ``maintenance_marks(node)`` / ``in_maintenance(node)`` (the one answer to "is this node in maintenance", by
any of its marks), ``maintenance_record(node)``, ``host_for_node(...)`` (the one BareMetalHost chain).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core import nodes
from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core.kinds import Kind

# -- the node lease (medik8s/common pkg/lease) -------------------------------------------------------------------
LEASE_NAMESPACE = "medik8s-leases"
MAINTENANCE_HOLDER = "node-maintenance"
NHC_HOLDER_PREFIX = "NodeHealthCheck-"


def lease_name(node_name):
    return "node-%s" % node_name


def nhc_holder(nhc_name):
    return NHC_HOLDER_PREFIX + nhc_name


# -- node marks --------------------------------------------------------------------------------------------------
EXCLUDE_FROM_REMEDIATION_LABEL = "remediation.medik8s.io/exclude-from-remediation"
MANUALLY_CONFIRMED_HEALTHY_ANNOTATION = "remediation.medik8s.io/manually-confirmed-healthy"
UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
DRAIN_TAINT = {"key": "medik8s.io/drain", "effect": "NoSchedule"}
MAINTENANCE_TAINTS = (UNSCHEDULABLE_TAINT, DRAIN_TAINT)
OUT_OF_SERVICE_TAINT = {"key": "node.kubernetes.io/out-of-service", "value": "nodeshutdown", "effect": "NoExecute"}
FAR_TAINT = {"key": "remediation.medik8s.io/fence-agents-remediation", "effect": "NoSchedule"}
SNR_TAINT = {"key": "remediation.medik8s.io/self-node-remediation", "effect": "NoSchedule"}

# -- remediation and maintenance CRs -----------------------------------------------------------------------------
NODE_MAINTENANCE = Kind("nodemaintenance.medik8s.io/v1beta1", "NodeMaintenance", "nodemaintenances", False)
NODE_HEALTH_CHECK = Kind("remediation.medik8s.io/v1alpha1", "NodeHealthCheck", "nodehealthchecks", False)
FENCE_AGENTS_REMEDIATION = Kind(
    "fence-agents-remediation.medik8s.io/v1alpha1", "FenceAgentsRemediation", "fenceagentsremediations", True)
FENCE_AGENTS_REMEDIATION_TEMPLATE = Kind(
    "fence-agents-remediation.medik8s.io/v1alpha1", "FenceAgentsRemediationTemplate",
    "fenceagentsremediationtemplates", True)
SELF_NODE_REMEDIATION = Kind(
    "self-node-remediation.medik8s.io/v1alpha1", "SelfNodeRemediation", "selfnoderemediations", True)
SELF_NODE_REMEDIATION_TEMPLATE = Kind(
    "self-node-remediation.medik8s.io/v1alpha1", "SelfNodeRemediationTemplate", "selfnoderemediationtemplates",
    True)
NHC_TIMED_OUT_ANNOTATION = "remediation.medik8s.io/nhc-timed-out"
# on the remediation CRs NHC generates from a template
REMEDIATION_NODE_NAME_ANNOTATION = "remediation.medik8s.io/node-name"
REMEDIATION_TEMPLATE_NAME_ANNOTATION = "remediation.medik8s.io/template-name"
MULTIPLE_TEMPLATES_ANNOTATION = "remediation.medik8s.io/multiple-templates-support"
NHC_PART_OF_LABEL = ("app.kubernetes.io/part-of", "node-healthcheck-controller")
OLD_REMEDIATION_CR_ANNOTATION = "nodehealthcheck.medik8s.io/old-remediation-cr-flag"

# -- OpenShift and metal3 ----------------------------------------------------------------------------------------
ETCD_NAMESPACE = "openshift-etcd"
MACHINE_API_NAMESPACE = "openshift-machine-api"
MACHINE_ANNOTATION = "machine.openshift.io/machine"          # on a Node: namespace/name of its Machine
BAREMETALHOST_ANNOTATION = "metal3.io/BareMetalHost"         # on a Machine: namespace/name of its host

# -- ours --------------------------------------------------------------------------------------------------------
MAINTENANCE_REASON_ANNOTATION = "workload.availability/maintenance-reason"
MAINTENANCE_BY_ANNOTATION = "workload.availability/maintenance-by"
MAINTENANCE_SINCE_ANNOTATION = "workload.availability/maintenance-since"
MAINTENANCE_RECORD_ANNOTATIONS = (MAINTENANCE_REASON_ANNOTATION, MAINTENANCE_BY_ANNOTATION,
                                  MAINTENANCE_SINCE_ANNOTATION)
MIGRATION_NODE_LABEL = "workload.availability/maintenance-node"   # on migrations node_maintenance creates
MANAGED_BY_LABEL = ("app.kubernetes.io/managed-by", "workload.availability")
# fence_node's "remediation in progress" taint, in the style of FAR_TAINT, and why and by whom the node carries it
FENCE_TAINT = {"key": "workload.availability/fence-node", "effect": "NoSchedule"}
FENCE_RECORD_ANNOTATION = "workload.availability/fence-node"
# the lease holder of a fenced node between runs; a running fence_node holds "<this>/<run id>"
FENCE_PARKED_HOLDER = "workload.availability.fence_node"
# a fence run acting under the maintenance lease marks it with JSON {holder, until} instead of taking it over
FENCE_CLAIM_ANNOTATION = "workload.availability/fence-node-run"


def fence_run_holder(run_id):
    return "%s/%s" % (FENCE_PARKED_HOLDER, run_id)


# -- answers -----------------------------------------------------------------------------------------------------

def maintenance_record(node):
    """Our maintenance record on the node: {reason, by, since} or None."""
    annotations = objects.annotations_of(node)
    if not any(key in annotations for key in MAINTENANCE_RECORD_ANNOTATIONS):
        return None
    return {"reason": annotations.get(MAINTENANCE_REASON_ANNOTATION),
            "by": annotations.get(MAINTENANCE_BY_ANNOTATION),
            "since": annotations.get(MAINTENANCE_SINCE_ANNOTATION)}


def maintenance_marks(node):
    """Which maintenance marks the node carries (NMO's and ours)."""
    return {
        "unschedulable": nodes.is_unschedulable(node),
        "unschedulable_taint": nodes.has_taint(node, UNSCHEDULABLE_TAINT),
        "drain_taint": nodes.has_taint(node, DRAIN_TAINT),
        "exclude_label": objects.labels_of(node).get(EXCLUDE_FROM_REMEDIATION_LABEL) == "true",
        "record": maintenance_record(node) is not None,
    }


def in_maintenance(node):
    """In maintenance by any of its marks: the exclude-from-remediation label, NMO's drain taint, or our record.
    A cordon alone is not maintenance (anyone may cordon a node)."""
    marks = maintenance_marks(node)
    return marks["exclude_label"] or marks["drain_taint"] or marks["record"]


def _ref(text):
    return objects.split_key(text) if text else None


def machine_ref(node):
    """(namespace, name) of the node's Machine from its annotation, or None."""
    return _ref(objects.annotations_of(node).get(MACHINE_ANNOTATION))


def host_ref(machine):
    """(namespace, name) of the Machine's BareMetalHost from its annotation, or None."""
    return _ref(objects.annotations_of(machine).get(BAREMETALHOST_ANNOTATION))


def host_for_node(node, machines, hosts, namespace=None):
    """The BareMetalHost behind a node, as OpenShift links them: Node -> Machine (annotation) -> BareMetalHost
    (annotation); else the host named like the node, in ``namespace`` when given, otherwise the only one of that
    name in any namespace. ``machines`` and ``hosts`` are the objects known (lists). None when not found."""
    by_key = dict((objects.key_of(host), host) for host in hosts)
    machine_key = machine_ref(node)
    for machine in machines:
        if machine_key and objects.key_of(machine) == objects.key(*machine_key):
            linked = host_ref(machine)
            if linked and objects.key(*linked) in by_key:
                return by_key[objects.key(*linked)]
    name = objects.name_of(node)
    same_name = [host for host in hosts if objects.name_of(host) == name
                 and (namespace is None or objects.namespace_of(host) == namespace)]
    return same_name[0] if len(same_name) == 1 else None
