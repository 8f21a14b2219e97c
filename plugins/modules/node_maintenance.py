#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: node_maintenance
short_description: Put a Kubernetes node into maintenance and back, live-migrating its virtual machines
version_added: 0.1.0
description:
  - Takes a node out of service for firmware, kernel or hardware work, and returns it.
  - With O(state=present) the node is recorded (who, why, since when), cordoned, tainted and drained. Pods are evicted
    through the Eviction API, so PodDisruptionBudgets are honoured; a refused eviction (HTTP 429) means "not yet" and
    is retried with backoff until O(timeout), never a failure by itself.
  - KubeVirt virtual machine instances on the node are live-migrated through C(VirtualMachineInstanceMigration)
    objects, keeping KubeVirt's migration slots full but never above its C(parallelOutboundMigrationsPerNode) and
    C(parallelMigrationsPerCluster) limits, read from the KubeVirt CR.
  - The node carries the keys of the medik8s operators, so Node Healthcheck and this collection's remediation skip it
    while it is in maintenance, and maintenance is refused while a remediation holds the node lease
    C(medik8s-leases/node-<name>).
  - Before anything changes the module checks that the node exists, that no one else holds its lease, that every
    pod and VM may be moved under the given options, that the remaining schedulable nodes can take them, and, for a
    control-plane node, that etcd keeps its quorum.
  - With O(state=absent) the node is uncordoned, its maintenance taints, label, record and lease are removed, and
    migrations this module queued but KubeVirt did not start yet are cancelled.
  - An interrupted run (killed process, lost connection) is finished by the next run, which reads where the drain
    stands from the cluster. A rerun on a node that is already in maintenance and drained changes nothing.
author:
  - Workload Availability contributors (@workload-availability)
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - workload.availability.cluster
  - workload.availability.cluster.ACTION_GROUP
  - workload.availability.drain
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Returns the full plan (pods to evict, VMs to migrate with their targets, blockers, capacity) and
      changes nothing.
  diff_mode:
    support: full
    details: Shows the node's C(unschedulable), taints, labels and annotations before and after.
  platform:
    platforms: kubernetes
options:
  name:
    description:
      - Name of the node.
    type: str
    required: true
    aliases: [node]
  state:
    description:
      - V(present) puts the node into maintenance (recorded, cordoned, tainted, drained).
      - V(absent) ends maintenance (uncordoned; maintenance taints, label, record and lease removed).
    type: str
    choices: [present, absent]
    default: present
  reason:
    description:
      - Why the node goes into maintenance. Recorded in the node annotation
        C(workload.availability/maintenance-reason), in events on the node and, in operator mode, in the
        C(NodeMaintenance) spec.
    type: str
  requested_by:
    description:
      - Who asked for the maintenance, recorded in the node annotation C(workload.availability/maintenance-by).
      - Defaults to C(<user>@<host>) of the process that runs the module. On AAP, pass the job's user.
    type: str
  mode:
    description:
      - V(native) does the work itself.
      - V(operator) creates a C(NodeMaintenance) (C(nodemaintenance.medik8s.io/v1beta1)) for the node and follows its
        status (C(phase), C(drainProgress), C(pendingPods), C(lastError)) until C(phase=Succeeded) or O(timeout);
        O(state=absent) deletes it. Needs the Node Maintenance Operator. Placement and O(non_migratable) other than
        V(fail) are not available there, since the operator evicts every pod itself.
      - V(auto) uses the operator when its CRD is served and no C(NodeMaintenance) of someone else exists for the
        node, otherwise V(native). A maintenance already started in one mode is continued in that mode.
    type: str
    choices: [auto, native, operator]
    default: auto
  timeout:
    description:
      - Seconds to wait for the node to be drained (or, in operator mode, for the C(NodeMaintenance) to succeed).
      - On timeout the module fails, leaves the node cordoned and recorded (as the operator does), and returns what
        is still pending with the reason for each. Run it again to continue.
    type: int
    default: 600
  placement:
    description:
      - Where live-migrated VMs go.
      - V(scheduler) lets the Kubernetes scheduler choose, as KubeVirt does by itself.
      - V(balanced) chooses each VM's target in advance, the least loaded node (by requests against allocatable)
        that fits, biggest VM first, and pins the migration there with C(addedNodeSelector) so the drained load is
        spread instead of piling onto one node. A retried migration lets the scheduler choose.
    type: str
    choices: [scheduler, balanced]
    default: scheduler
  lease_duration:
    description:
      - Seconds the node lease C(medik8s-leases/node-<name>) (holder C(node-maintenance)) stays valid without
        renewal. It is renewed during long drains and released by O(state=absent).
      - At least 60; the medik8s operators look at a taken lease again after a minute.
    type: int
    default: 3600
notes:
  - The node is marked with the keys of the medik8s operators; the label
    C(remediation.medik8s.io/exclude-from-remediation=true), the taints C(node.kubernetes.io/unschedulable:NoSchedule)
    and C(medik8s.io/drain:NoSchedule), and the lease holder C(node-maintenance). Taints are changed with a JSON
    patch that tests the current taint list, so taints written by others at the same time are never dropped.
  - Migrations created by this module carry the label C(workload.availability/maintenance-node=<name>).
seealso:
  - module: kubernetes.core.k8s_drain
  - name: Node Maintenance Operator
    description: The operator whose NodeMaintenance CR mode=operator creates.
    link: https://github.com/medik8s/node-maintenance-operator
requirements:
  - kubernetes >= 24.2.0
"""

EXAMPLES = r"""
- name: Put worker-3 into maintenance, spreading its VMs over the least loaded nodes
  workload.availability.node_maintenance:
    name: worker-3
    reason: BIOS update CHG0012345
    placement: balanced
    timeout: 1800

- name: Show what draining worker-3 would do, without changing anything
  workload.availability.node_maintenance:
    name: worker-3
    delete_options:
      delete_emptydir_data: true
  check_mode: true
  register: plan

- name: Drain, shutting down VMs that cannot live-migrate and removing unmanaged pods
  workload.availability.node_maintenance:
    name: worker-3
    reason: replace DIMM
    non_migratable: shutdown
    delete_options:
      force: true
      delete_emptydir_data: true
      terminate_grace_period: 60

- name: Let the Node Maintenance Operator do it and follow its progress
  workload.availability.node_maintenance:
    name: worker-3
    reason: kernel update
    mode: operator

- name: End maintenance
  workload.availability.node_maintenance:
    name: worker-3
    state: absent
"""

RETURN = r"""
phase:
  description:
    - V(Succeeded) when the node is drained, V(Failed) when the run failed (timeout, blockers, pre-flight),
      V(Planned) in check mode, V(Ended) or V(NotInMaintenance) for O(state=absent). In operator mode the
      C(NodeMaintenance) status phase (V(Running), V(Succeeded), V(Failed), or null when nothing reconciles it).
  returned: always
  type: str
  sample: Succeeded
mode:
  description: The mode that ran (V(native) or V(operator)).
  returned: always
  type: str
  sample: native
drain_progress:
  description: Percent of the pods and VMs present at the start of the run that have left the node.
  returned: O(state=present)
  type: int
  sample: 100
evicted:
  description: Pods evicted by this run.
  returned: O(state=present)
  type: list
  elements: dict
  sample: [{namespace: shop, name: web-5d8c7-xk2p9}]
migrated:
  description: VMs live-migrated off the node by this run, with the node they went to and how long it took (from
    the creation of the migration to the VM running on the target).
  returned: O(state=present)
  type: list
  elements: dict
  sample: [{namespace: vms, name: db-1, from: worker-3, to: worker-1, seconds: 42.5,
            migration: maintenance-db-1-x7k2q}]
shut_down:
  description: VMs shut down because they cannot live-migrate (O(non_migratable=shutdown)).
  returned: O(state=present)
  type: list
  elements: dict
left_on_node:
  description: Pods and VMs left on the node on purpose, each with the reason (DaemonSet, mirror pod,
    O(pod_selectors), O(non_migratable=skip)).
  returned: O(state=present)
  type: list
  elements: dict
pending:
  description: What is still on the node, each with C(kind), C(namespace), C(name) and the C(reason) it is still
    there (a PodDisruptionBudget refusing the eviction, a migration queued behind KubeVirt's limits, a failed
    migration, not migratable, ...). Empty when drained.
  returned: O(state=present)
  type: list
  elements: dict
  sample: [{kind: Pod, namespace: shop, name: db-0, reason: "eviction refused (429): Cannot evict pod as it would
            violate the pod's disruption budget."}]
plan:
  description: The plan made from the cluster's state before acting, C(evict), C(migrate) (with C(source) and
    C(target), V(scheduler) when the scheduler chooses), C(in_flight), C(shutdown), C(skip), C(blockers).
    In operator mode with a new C(NodeMaintenance), C(create_node_maintenance) holds the CR in check mode.
  returned: O(state=present) when the plan could be made
  type: dict
preflight:
  description: The pre-flight verdicts, C(capacity) (C(ok), C(needed), a C(table) per remaining node, C(unplaced))
    and C(etcd) (why the quorum check passed, or was not needed).
  returned: O(state=present) when the pre-flight ran
  type: dict
migration_limits:
  description: KubeVirt's migration limits used, C(per_node) and C(per_cluster).
  returned: when VMs were drained in native mode
  type: dict
  sample: {per_node: 2, per_cluster: 5}
node:
  description: The node's C(unschedulable), C(taints), C(labels) and C(annotations) after the run (as planned in
    check mode).
  returned: native mode
  type: dict
lease_holder:
  description: Holder of the node lease when it blocked the run, or C(node-maintenance) after taking it.
  returned: when known
  type: str
  sample: NodeHealthCheck-nhc-workers
node_maintenance:
  description: Name of the C(NodeMaintenance) created or followed (names of those deleted for O(state=absent)).
  returned: operator mode
  type: raw
last_error:
  description: The C(NodeMaintenance) status C(lastError).
  returned: operator mode
  type: str
timeline:
  description: Timestamped steps of the run.
  returned: always
  type: list
  elements: dict
api_requests:
  description: HTTP requests made to the API server, retries included.
  returned: always
  type: int
  sample: 57
"""

from ansible_collections.workload.availability.plugins.module_utils.core.module import AvailabilityModule
from ansible_collections.workload.availability.plugins.module_utils.maintenance.options import (
    MAINTENANCE_ARGUMENT_SPEC,
    input_errors,
)
from ansible_collections.workload.availability.plugins.module_utils.maintenance.workflow import node_maintenance


def main():
    module = AvailabilityModule(MAINTENANCE_ARGUMENT_SPEC)
    params = dict(module.params)
    params["delete_options"] = dict(params.get("delete_options") or {})
    module.fail_on(input_errors(params))
    module.run(node_maintenance, params)


if __name__ == "__main__":
    main()
