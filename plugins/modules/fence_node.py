#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: fence_node
short_description: Fence a Kubernetes node through its BMC and bring its workloads back elsewhere
version_added: 0.1.0
description:
  - Powers a failed node off through its baseboard management controller (Redfish, or a ClusterLabs fence agent),
    B(confirms) that it is off by reading the power state back, and only then tells the cluster that the node is
    down, so that its pods and virtual machines restart on other nodes without ever running twice.
  - Every power action is verified by polling the BMC's C(PowerState) until it reaches the expected value or
    O(bmc.power_timeout) passes. A BMC that accepts a command but never changes state is a failure, not a success.
    When power-off cannot be confirmed the module fails and puts no taint on the node; the workloads then wait,
    which is the safe outcome.
  - After a confirmed power-off the remediation of O(remediation) is applied, then the module waits (up to
    O(wait_timeout)) until the node's pods are gone and its VMs run on other nodes, and reports where each VM came
    back and after how many seconds.
  - With O(action=reboot) (the default, as in Fence Agents Remediation) the node is then powered on again; with
    O(action=on) or O(action=reboot), once the node is Ready its out-of-service and fence taints are removed and
    the node lease is released. A node fenced with O(action=off) keeps them until a later run powers it on.
  - The BMC is found from, in this order, the O(bmc) options; a fence-agent parameter set in the format of the
    C(FenceAgentsRemediationTemplate) (O(agent), O(parameters), O(node_parameters), O(secret), O(node_secret)); the
    node's metal3 C(BareMetalHost). Values given in O(bmc) override the corresponding values of the other sources.
  - On a BMC with several Systems the one whose C(UUID) equals the node's C(status.nodeInfo.systemUUID) is used,
    unless O(bmc.systems_uri) is given; the module never guesses. A System whose UUID differs from the node's is
    refused.
  - Safety rules, checked before anything changes. A Ready node is not fenced unless O(force=true). A node in
    maintenance (label C(remediation.medik8s.io/exclude-from-remediation=true) or taint C(medik8s.io/drain)) is not
    touched unless O(force=true). The node lease C(medik8s-leases/node-<name>) is taken for the run, so two runs,
    or a run and the medik8s operators, never fence the same node at once; a valid lease of another holder refuses
    the run even with O(force=true), naming the holder. The one exception is the lease of node maintenance, see
    O(force).
author:
  - Workload Availability contributors (@workload-availability)
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - workload.availability.cluster
  - workload.availability.cluster.ACTION_GROUP
  - workload.availability.wait
  - workload.availability.bmc
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads the node, the lease and the power state from the BMC and returns the steps it would take
      (RV(steps)). It never sends a power command and never writes to the cluster.
  diff_mode:
    support: full
    details: Returns the node's taints, labels and annotations before and after in RV(diff).
  platform:
    platforms: kubernetes
options:
  name:
    description:
      - Name of the node to fence.
    type: str
    required: true
    aliases: [node]
  action:
    description:
      - V(off) powers the node off and applies O(remediation).
      - V(reboot) does the same, waits for the workloads, then powers the node on, waits until it is Ready and removes
        the taints.
      - V(on) powers the node on, waits until it is Ready and removes the taints a previous fencing left.
      - V(status) only reads the power state; it never changes anything.
      - When not set, C(--action) of the fence parameters is used, else V(reboot).
    type: str
    choices: ["off", "on", reboot, status]
  force:
    description:
      - Fence a node even though it is Ready or in maintenance.
      - Does not override a valid node lease of another holder (a remediation such as C(NodeHealthCheck-*), another
        fence_node run), and names the holder when it refuses.
      - On a node in maintenance (it carries the maintenance label or taint) whose lease is held by node maintenance
        (holder C(node-maintenance), as M(workload.availability.node_maintenance) and the Node Maintenance Operator
        take it), O(force=true) lets the run power the node B(under the maintenance lease), for example to
        power-cycle a drained node during a rolling maintenance. The run neither takes over nor releases that lease,
        so the node stays excluded from remediation and the maintenance ends it as usual; instead the run marks the
        lease with the annotation C(workload.availability/fence-node-run) (written with the read resourceVersion) and
        removes the mark when it ends, so two such runs still never act on the node at once.
      - Such a run requires O(remediation=none); any other value is refused, not silently replaced. The node is
        drained already, so there is nothing to remediate, and remediation taints or a lease parked by this module
        would take the node out of the maintenance's hands. Requiring the value keeps the outcome of a task
        independent of whether the node happens to be in maintenance.
    type: bool
    default: false
  remediation:
    description:
      - What tells the cluster that the node is down, applied only after the BMC confirmed power-off.
      - V(out_of_service_taint) adds C(node.kubernetes.io/out-of-service=nodeshutdown:NoExecute); Kubernetes then
        force-deletes the node's pods and detaches their volumes.
      - V(resource_deletion) deletes every pod bound to the node with a grace period of 0, as Fence Agents
        Remediation does.
      - V(none) only powers the node.
      - Except with V(none), the node also gets the taint C(workload.availability/fence-node:NoSchedule) and the
        annotation C(workload.availability/fence-node) saying which run fenced it and when.
    type: str
    choices: [out_of_service_taint, resource_deletion, none]
    default: out_of_service_taint
  reason:
    description:
      - Why the node is powered, for example V(rolling maintenance, firmware update). Returned in RV(reason), written
        to the timeline and to a Kubernetes Event on the node when the run powers it.
    type: str
  lease_duration:
    description:
      - Seconds the node lease stays held by C(workload.availability.fence_node) after a run that leaves the node
        fenced (powered off), so that maintenance or another remediator does not take the node meanwhile.
      - At least 60; the medik8s operators look at a taken lease again after a minute.
    type: int
    default: 3600
notes:
  - The run lease has the holder C(workload.availability.fence_node/<run id>); between runs a fenced node's lease
    is held by C(workload.availability.fence_node).
seealso:
  - name: Fence Agents Remediation
    description: The operator whose template format the fence parameters follow.
    link: https://github.com/medik8s/fence-agents-remediation
  - module: workload.availability.node_maintenance
requirements:
  - kubernetes >= 24.2.0
  - sushy >= 4.0
"""

EXAMPLES = r"""
- name: Fence worker-2 through its Redfish BMC, verifying with a private CA
  workload.availability.fence_node:
    name: worker-2
    action: "off"
    bmc:
      address: https://10.0.5.12
      username: admin
      password: "{{ vault_bmc_password }}"
      ca_path: /etc/pki/bmc-ca.pem

- name: Fence with the parameters of a FenceAgentsRemediationTemplate and its Secret
  workload.availability.fence_node:
    name: "{{ failed_node }}"
    agent: fence_redfish
    secret: openshift-workload-availability/fence-agents-credentials-shared-sm-bmc
    parameters: !unsafe
      --systems-uri: /redfish/v1/Systems/1
      --ip: "{{.NodeName}}.mgmt.example.com"
      --username: ansible
    remediation: out_of_service_taint
    wait_timeout: 600
  register: fenced

- name: Use the BMC recorded in the node's BareMetalHost
  workload.availability.fence_node:
    name: worker-4
    bmc_from: baremetalhost

- name: An IPMI BMC through the fence_ipmilan agent
  workload.availability.fence_node:
    name: worker-5
    agent: fence_ipmilan
    node_parameters:
      --ip:
        worker-5: 10.0.6.15
    parameters:
      --lanplus: ""
      --username: admin
    secret: openshift-workload-availability/ipmi-password

- name: What would fencing do? Reads the power state, changes nothing
  workload.availability.fence_node:
    name: worker-2
    action: "off"
    bmc_from: baremetalhost
  check_mode: true

- name: Power the node on again; its taints are removed once it is Ready
  workload.availability.fence_node:
    name: worker-2
    action: "on"
    bmc_from: baremetalhost
"""

RETURN = r"""
node:
  description: The node.
  returned: always
  type: str
  sample: worker-2
action:
  description: The action done (O(action), else C(--action) of the parameters, else V(reboot)).
  returned: success
  type: str
  sample: reboot
power_state:
  description: The BMC's C(PowerState) before the run and at its end.
  returned: always
  type: dict
  contains:
    before:
      description: Power state read before anything was done.
      type: str
      sample: "On"
    after:
      description: Last power state read.
      type: str
      sample: "Off"
  sample: {"before": "On", "after": "Off"}
verified:
  description: Whether the BMC confirmed the final power state of the action.
  returned: always
  type: bool
  sample: true
steps:
  description: The steps planned for this run from the node's state (in check mode, what would be done).
  returned: always
  type: list
  elements: str
  sample: [power_off, remediate, wait_workloads, power_on, wait_ready, cleanup]
bmc:
  description: The BMC used, without credentials.
  returned: when the BMC was determined
  type: dict
  sample: {"protocol": "redfish", "address": "https://10.0.5.12:443", "systems_uri": null, "source": "options",
           "validate_certs": true, "ca_path": null, "username": "admin"}
bmc_actions:
  description: Each power action with its ResetType, whether a command was sent, the confirmed state and seconds.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "off", "reset_type": "ForceOff", "sent": true, "state": "Off", "verified": true,
            "seconds": 3.2, "started_at": "2026-11-25T17:00:00.000000Z"}]
bmc_requests:
  description: Requests sent to the BMC (Redfish HTTP requests, or fence-agent runs).
  returned: when the BMC was determined
  type: int
  sample: 9
bmc_error:
  description: Kind (unreachable, tls, auth, not_allowed, timeout, not_found, protocol, agent) and message of a BMC
    failure.
  returned: on BMC failure
  type: dict
  sample: {"kind": "timeout", "message": "the BMC accepted ForceOff but the power state is still On after 60s"}
parameters:
  description: The merged fence-agent parameters with Secret values and passwords hidden.
  returned: when O(agent) is set
  type: dict
  sample: {"--ip": "worker-2.mgmt.example.com", "--password": "<from shared_secret>"}
taints_applied:
  description: Taints added to the node.
  returned: always
  type: list
  elements: dict
  sample: [{"key": "node.kubernetes.io/out-of-service", "value": "nodeshutdown", "effect": "NoExecute"}]
taints_removed:
  description: Taints removed from the node after it became Ready.
  returned: always
  type: list
  elements: dict
  sample: []
pods_deleted:
  description: Pods deleted with O(remediation=resource_deletion).
  returned: always
  type: list
  elements: str
  sample: ["default/web-7d9c-x2"]
pods_left:
  description: Pods still bound to the node when the wait ended.
  returned: always
  type: list
  elements: str
  sample: []
vms_restarted:
  description: VMs that ran on the node and now run elsewhere, with the seconds since the confirmed power-off.
  returned: always
  type: list
  elements: dict
  sample: [{"namespace": "vms", "name": "db-1", "from_node": "worker-2", "node": "worker-3", "seconds": 41.2}]
vms_pending:
  description: VMs expected to run again that were not Running elsewhere when the wait ended.
  returned: always
  type: list
  elements: str
  sample: []
lease:
  description:
    - What happened to the node lease (held, released, parked) and its holder.
    - Under the maintenance lease (see O(force)) the state is V(marked) while the run acts and V(left to maintenance)
      at the end, with the run's mark in C(run); the holder stays C(node-maintenance).
  returned: always
  type: dict
  sample: {"holder": "workload.availability.fence_node", "state": "parked", "seconds": 3600}
reason:
  description: The O(reason) given, or null.
  returned: always
  type: str
  sample: "rolling maintenance: firmware update"
diff:
  description: The node's C(unschedulable), taints, labels and annotations before and after.
  returned: when something was done
  type: dict
  sample: {"before": {"taints": []}, "after": {"taints": [{"key": "node.kubernetes.io/out-of-service"}]}}
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.workload.availability.plugins.module_utils.core.module import AvailabilityModule
from ansible_collections.workload.availability.plugins.module_utils.fencing import bmc as bmc_adapter
from ansible_collections.workload.availability.plugins.module_utils.fencing.options import (
    FENCE_ARGUMENT_SPEC,
    input_errors,
)
from ansible_collections.workload.availability.plugins.module_utils.fencing.workflow import fence_node


def main():
    module = AvailabilityModule(FENCE_ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_on(input_errors(module.params), "invalid options: ", node=module.params["name"])
    if not bmc_adapter.HAS_SUSHY and (module.params.get("bmc") or module.params.get("agent") == "fence_redfish"):
        module.module.fail_json(msg=missing_required_lib("sushy"), exception=str(bmc_adapter.SUSHY_IMPORT_ERROR))
    module.run(fence_node, module.params)


if __name__ == "__main__":
    main()
