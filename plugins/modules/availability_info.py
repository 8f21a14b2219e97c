#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: availability_info
short_description: Report nodes, node leases, virtual machines per node and bare-metal power
version_added: 0.1.0
description:
  - Reads the cluster and reports, per node, what matters for workload availability - readiness, whether the node
    is cordoned, its roles and taints, who holds its medik8s node lease (maintenance or remediation), whether it
    is excluded from remediation, the BareMetalHost behind it with its power state, and the KubeVirt virtual
    machine instances running on it.
  - Each kind is read with one request; KubeVirt and Metal3 kinds are reported only when the cluster serves them.
  - Changes nothing.
author:
  - Workload Availability contributors (@workload-availability)
options:
  nodes:
    description:
      - Report only these nodes. All nodes when omitted.
    type: list
    elements: str
  label_selector:
    description:
      - Report only nodes matching this label selector, for example V(node-role.kubernetes.io/worker).
    type: str
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - workload.availability.cluster
  - workload.availability.cluster.action_group
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
requirements:
  - kubernetes >= 24.2.0
"""

EXAMPLES = r"""
- name: Show the cluster as the availability modules see it
  workload.availability.availability_info:
    kubeconfig: ~/.kube/config
  register: cluster

- name: Print the one-line summary
  ansible.builtin.debug:
    msg: "{{ cluster.msg }}"

- name: Nodes that are not Ready and run virtual machines
  ansible.builtin.debug:
    msg: "{{ cluster.nodes | rejectattr('ready', 'eq', 'True') | selectattr('vmis') | map(attribute='name') }}"

- name: Report two workers only
  workload.availability.availability_info:
    nodes: [worker-0, worker-1]
"""

RETURN = r"""
nodes:
  description: One entry per reported node, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Node name.
      type: str
      sample: worker-0
    ready:
      description: Status of the node's Ready condition, V(Unknown) when it has none.
      type: str
      sample: "True"
    schedulable:
      description: False when the node is cordoned (C(spec.unschedulable)).
      type: bool
    roles:
      description: Roles from the C(node-role.kubernetes.io/*) labels.
      type: list
      elements: str
      sample: [worker]
    taints:
      description: Taints as C(key[=value]:effect).
      type: list
      elements: str
      sample: ["node.kubernetes.io/unschedulable:NoSchedule"]
    lease:
      description: The medik8s node lease (C(medik8s-leases/node-<name>)), or null when there is none.
      type: dict
      contains:
        holder:
          description: Holder identity, for example V(node-maintenance) or V(NodeHealthCheck-<name>).
          type: str
        valid:
          description: Whether the lease is still valid now.
          type: bool
        expires:
          description: When the lease stops being valid (RFC 3339).
          type: str
    excluded_from_remediation:
      description: Whether the node carries the C(remediation.medik8s.io/exclude-from-remediation) label.
      type: bool
    system_uuid:
      description: The node's SMBIOS system UUID (the Redfish System UUID of its BMC).
      type: str
    host:
      description: The BareMetalHost behind the node, or null when none is found or Metal3 is not served.
      type: dict
      contains:
        name:
          description: C(namespace/name) of the BareMetalHost.
          type: str
        powered_on:
          description: C(status.poweredOn) as the bare-metal operator last saw it.
          type: bool
    vmis:
      description: Virtual machine instances on the node.
      type: list
      elements: dict
      contains:
        namespace:
          description: Namespace of the instance.
          type: str
        name:
          description: Name of the instance.
          type: str
        phase:
          description: Phase of the instance, for example V(Running).
          type: str
unplaced_vmis:
  description: Virtual machine instances not on any reported node (pending, or on a node left out of the report).
  returned: always
  type: list
  elements: dict
summary:
  description: Counts over the report.
  returned: always
  type: dict
  sample:
    nodes: 5
    ready: 4
    cordoned: 1
    held: 1
    powered_off: 0
    vmis: 12
    vmis_running: 12
served:
  description: Which optional APIs the cluster serves.
  returned: always
  type: dict
  sample: {kubevirt: true, baremetalhosts: true, machines: true}
api_requests:
  description: HTTP requests made to the API server.
  returned: always
  type: int
timeline:
  description: Timestamped steps of the run.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.workload.availability.plugins.module_utils import availability_report
from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import kinds
from ansible_collections.workload.availability.plugins.module_utils.core.clock import utcnow
from ansible_collections.workload.availability.plugins.module_utils.core.errors import AvailabilityError
from ansible_collections.workload.availability.plugins.module_utils.core.module import AvailabilityModule
from ansible_collections.workload.availability.plugins.module_utils.core.workflow import Outcome


def read_snapshot(cluster, label_selector):
    served = {
        "kubevirt": cluster.served(kinds.VMI),
        "baremetalhosts": cluster.served(kinds.BAREMETALHOST),
        "machines": cluster.served(kinds.MACHINE),
    }
    snapshot = {
        "nodes": cluster.list(kinds.NODE, label_selector=label_selector),
        "leases": cluster.list(kinds.LEASE, namespace=medik8s.LEASE_NAMESPACE),
        "vmis": cluster.list(kinds.VMI) if served["kubevirt"] else [],
        "machines": cluster.list(kinds.MACHINE) if served["machines"] else [],
        "hosts": cluster.list(kinds.BAREMETALHOST) if served["baremetalhosts"] else [],
    }
    return snapshot, served


def report(ctx, params):
    """The read-only report as a workflow: one snapshot, the pure summary."""
    snapshot, served = read_snapshot(ctx.cluster, params["label_selector"])
    ctx.event("read", **dict((kind, len(items)) for kind, items in snapshot.items()))
    wanted = params["nodes"]
    if wanted:
        missing = sorted(set(wanted) - set(node["metadata"]["name"] for node in snapshot["nodes"]))
        if missing:
            raise AvailabilityError("nodes not found: %s" % ", ".join(missing), {"missing": missing})
        snapshot["nodes"] = [node for node in snapshot["nodes"] if node["metadata"]["name"] in wanted]
    summary = availability_report.summarise(
        snapshot["nodes"], snapshot["leases"], snapshot["vmis"], snapshot["machines"], snapshot["hosts"], utcnow())
    return Outcome(False, availability_report.one_line(summary["summary"]), dict(summary, served=served))


def main():
    module = AvailabilityModule(
        argument_spec={
            "nodes": {"type": "list", "elements": "str"},
            "label_selector": {"type": "str"},
        },
        supports_check_mode=True,
    )
    module.run(report, module.params)


if __name__ == "__main__":
    main()
