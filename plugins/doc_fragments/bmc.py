# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Which BMC fences a node: explicit options, a FenceAgentsRemediationTemplate-style parameter set, or the node's
    # BareMetalHost. Matches BMC_ARG_SPEC in plugins/module_utils/core/options.py.
    DOCUMENTATION = r"""
options:
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
"""
