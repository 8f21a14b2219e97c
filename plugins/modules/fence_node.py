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
  wait_timeout:
    description:
      - Seconds to wait for each of (1) the node's pods to be gone and its VMs to run elsewhere, and (2) the node to
        become Ready after power-on.
      - When a wait ends first the module fails, reporting what is still pending; the node stays fenced and a rerun
        continues.
    type: int
    default: 300
  reason:
    description:
      - Why the node is powered, for example V(rolling maintenance, firmware update). Returned in RV(reason), written
        to the timeline and to a Kubernetes Event on the node when the run powers it.
    type: str
  lease_duration:
    description:
      - Seconds the node lease stays held by C(workload.availability.fence_node) after a run that leaves the node
        fenced (powered off), so that maintenance or another remediator does not take the node meanwhile.
    type: int
    default: 3600
  bmc:
    description:
      - The BMC given directly. Each value set here overrides the value of the other sources.
    type: dict
    suboptions:
      address:
        description:
          - V(host:port) or V(https://host:port) of a Redfish BMC, a C(http://) URL for a BMC without TLS, or a
            metal3 address (V(redfish://), V(redfish+http://), V(redfish-virtualmedia://),
            V(idrac-virtualmedia://), V(ipmi://)). A path in the address is used as O(bmc.systems_uri).
        type: str
      username:
        description:
          - BMC user. The environment variable E(BMC_USERNAME) is used when not set.
        type: str
      password:
        description:
          - BMC password. The environment variable E(BMC_PASSWORD) is used when not set. Never returned or logged.
        type: str
      systems_uri:
        description:
          - Path of the node's System, for example V(/redfish/v1/Systems/1). When not set, C(--systems-uri) of the
            fence parameters or the path of the BareMetalHost's address; without any, the System whose UUID equals
            the node's C(status.nodeInfo.systemUUID) is used.
          - When the node reports a C(systemUUID), the System's UUID must equal it, whichever way it was found.
        type: str
      validate_certs:
        description:
          - Verify the BMC's TLS certificate. When not set, certificates are verified unless the fence parameters
            say C(--ssl-insecure) or the BareMetalHost says C(disableCertificateVerification).
          - Set V(false) only for a BMC whose certificate cannot be checked; prefer O(bmc.ca_path).
        type: bool
      ca_path:
        description:
          - PEM file with the CA certificate(s) that signed the BMC's certificate. Implies verification.
        type: path
      timeout:
        description:
          - Seconds one request to the BMC may take (connection and answer).
        type: int
        default: 10
      retries:
        description:
          - Retries of a request that failed with a server error (HTTP 5xx) or a lost connection.
        type: int
        default: 2
      retry_interval:
        description:
          - Seconds between retries.
        type: float
        default: 1.0
      power_timeout:
        description:
          - Seconds to wait for the power state to reach the expected value after each power command.
          - When not set, C(--power-timeout) of the fence parameters, else 60.
        type: int
  bmc_from:
    description:
      - Which source gives the BMC.
      - V(auto) uses O(bmc.address), else the fence parameters, else the node's BareMetalHost.
      - V(options) uses only O(bmc); V(parameters) the fence parameters (and O(bmc) overrides); V(baremetalhost)
        the BareMetalHost linked to the node (through its C(machine.openshift.io/machine) annotation and the
        Machine's C(metal3.io/BareMetalHost) annotation, else the BareMetalHost named like the node) with its
        C(spec.bmc.credentialsName) Secret.
    type: str
    choices: [auto, options, parameters, baremetalhost]
    default: auto
  baremetalhost_namespace:
    description:
      - Namespace searched for a BareMetalHost named like the node.
    type: str
    default: openshift-machine-api
  agent:
    description:
      - Fence agent name as in C(FenceAgentsRemediationTemplate) C(spec.agent), for example V(fence_redfish) or
        V(fence_ipmilan).
      - V(fence_redfish) is handled by the module's own Redfish client, which verifies power state; its parameters
        are mapped (C(--ip), C(--ipport), C(--username), C(--password), C(--systems-uri), C(--redfish-uri),
        C(--ssl-insecure), C(--power-timeout)). C(--hostname) is accepted as C(--ip).
      - Any other agent runs as the installed ClusterLabs binary with the parameters unchanged, given on its
        standard input so the password does not appear in the process list. Its C(--action status) confirms
        every power change.
    type: str
  use_agent_binary:
    description:
      - Run the C(fence_redfish) binary instead of the built-in Redfish client.
    type: bool
    default: false
  parameters:
    description:
      - Shared fence-agent parameters (C(sharedparameters) of Fence Agents Remediation), keyed by the agent's option
        name such as C(--ip). C({{.NodeName}}) in a value is replaced by the node name; escape it in playbooks
        as C({{ '{{.NodeName}}' }}) or use C(!unsafe).
    type: dict
    aliases: [sharedparameters, shared_parameters]
  node_parameters:
    description:
      - Per-node parameters (C(nodeparameters)), a mapping of option name to a mapping of node name to value.
        They override O(parameters).
    type: dict
    aliases: [nodeparameters]
  secret:
    description:
      - V(namespace/name) of the shared Secret (C(sharedSecretName)). Every key is a parameter name, for example
        C(--password); C({{.NodeName}}) is rendered in its values.
      - A key that repeats a parameter of O(parameters) or O(node_parameters) is an error, as in Fence Agents
        Remediation.
    type: str
    aliases: [shared_secret]
  node_secret:
    description:
      - V(namespace/name) of this node's Secret (C(nodeSecretNames) entry). Its keys override the shared Secret.
    type: str
notes:
  - The parameter set must identify the node, as Fence Agents Remediation requires; C({{.NodeName}}) in a shared
    parameter or the shared Secret, a O(node_parameters) entry for this node, or O(node_secret). Node parameters
    that name only other nodes do not identify this one.
  - Values read from Secrets and every password are removed from the module's output.
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
