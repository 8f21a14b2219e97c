# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which BMC fences a node (shell): reads what the decision needs (FAR parameters and their Secrets, the node's
Machine and BareMetalHost and its credentials Secret) and hands it to the pure discovery.resolve. Every secret
value read goes to the secret sink before anything can print it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core import kinds
from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core.errors import InputError
from ansible_collections.workload.availability.plugins.module_utils.fencing import discovery
from ansible_collections.workload.availability.plugins.module_utils.fencing import far
from ansible_collections.workload.availability.plugins.module_utils.fencing.bmc_power import Limits
from ansible_collections.workload.availability.plugins.module_utils.fencing.options import split_secret_ref

# target: discovery.BmcTarget; far_action: --action of the FAR parameters or None; parameters: the merged FAR
# parameters with secrets hidden (None without an agent)
Resolved = namedtuple("Resolved", ["target", "far_action", "parameters"])


def read_secret(ctx, ref, option):
    namespace, name = split_secret_ref(ref, option)
    secret = ctx.cluster.get(kinds.SECRET, name, namespace=namespace)
    if secret is None:
        raise InputError("%s: Secret %s/%s not found" % (option, namespace, name))
    data = discovery.decode_secret_data(secret)
    ctx.hide(value for key, value in data.items() if far.is_sensitive_name(key))
    return data


def far_target(ctx, params, node_name):
    """(BmcTarget, --action, redacted parameters) from the FAR-style options, or (None, None, None)."""
    if not params.get("agent"):
        if params.get("parameters") or params.get("node_parameters") or params.get("secret") \
                or params.get("node_secret"):
            raise InputError("parameters, node_parameters, secret and node_secret describe a fence agent: set agent "
                             "too (for Redfish: agent=fence_redfish)")
        return None, None, None
    shared_secret = read_secret(ctx, params["secret"], "secret") if params.get("secret") else None
    node_secret = read_secret(ctx, params["node_secret"], "node_secret") if params.get("node_secret") else None
    try:
        built = far.build(node_name, shared=params.get("parameters"), node_parameters=params.get("node_parameters"),
                          shared_secret=shared_secret, node_secret=node_secret)
    except far.FenceParamsError as error:
        raise InputError("fence parameters for node %s: %s" % (node_name, error))
    ctx.hide(built.sensitive_values())
    target = discovery.from_fence_parameters(params["agent"], built.values, use_agent_binary=params["use_agent_binary"])
    return target, built.get(far.ACTION_PARAMETER), built.redacted()


def find_host(cluster, node, namespace):
    """The node's BareMetalHost through its Machine, else the one named like the node in ``namespace`` (the
    chain is medik8s.host_for_node; only the objects it needs are read)."""
    machines, hosts = [], []
    machine_ref = medik8s.machine_ref(node)
    if machine_ref and cluster.served(kinds.MACHINE):
        machine = cluster.get(kinds.MACHINE, machine_ref[1], namespace=machine_ref[0])
        host_ref = medik8s.host_ref(machine) if machine else None
        if host_ref:
            machines.append(machine)
            hosts += [h for h in [cluster.get(kinds.BAREMETALHOST, host_ref[1], namespace=host_ref[0])] if h]
    if medik8s.host_for_node(node, machines, hosts, namespace) is None and cluster.served(kinds.BAREMETALHOST):
        hosts += [h for h in [cluster.get(kinds.BAREMETALHOST, objects.name_of(node), namespace=namespace)] if h]
    return medik8s.host_for_node(node, machines, hosts, namespace)


def baremetalhost_target(ctx, params, node, required):
    host = find_host(ctx.cluster, node, params["baremetalhost_namespace"])
    if host is None:
        if required:
            raise InputError("bmc_from=baremetalhost: no BareMetalHost found for node %s (through the node's %s "
                             "annotation or by name in namespace %s)"
                             % (objects.name_of(node), medik8s.MACHINE_ANNOTATION, params["baremetalhost_namespace"]))
        return None
    credentials = None
    secret_name = discovery.credentials_secret_name(host)
    if secret_name:
        credentials = read_secret(ctx, objects.key(objects.namespace_of(host), secret_name),
                                  "BareMetalHost credentialsName")
    ctx.event("baremetalhost_found", baremetalhost=objects.key_of(host))
    return discovery.from_baremetalhost(host, credentials)


def resolve(ctx, params, node):
    """The node's BMC from the sources bmc_from allows, in precedence order: options, FAR parameters,
    BareMetalHost."""
    explicit = dict(params.get("bmc") or {})
    source = params["bmc_from"]
    far_found, far_action, parameters = None, None, None
    if source in ("auto", "parameters"):
        far_found, far_action, parameters = far_target(ctx, params, objects.name_of(node))
    host = None
    if source == "baremetalhost" or (source == "auto" and not explicit.get("address") and far_found is None):
        host = baremetalhost_target(ctx, params, node, required=source == "baremetalhost")
    if source == "baremetalhost":
        explicit.pop("address", None)
        far_found = None
    if source == "options" and not explicit.get("address"):
        raise InputError("bmc_from=options needs bmc.address")
    target = discovery.resolve(explicit, far_found, host)
    ctx.hide([target.password])
    return Resolved(target, far_action, parameters)


def limits(params, target):
    """The BMC bounds: the bmc options, else the target's own (FAR --power-timeout), else our defaults."""
    explicit = params.get("bmc") or {}

    def option(key, default):
        return explicit[key] if explicit.get(key) is not None else default

    return Limits(timeout=option("timeout", 10), retries=option("retries", 2),
                  retry_interval=option("retry_interval", 1.0),
                  power_timeout=option("power_timeout", target.power_timeout or 60))
