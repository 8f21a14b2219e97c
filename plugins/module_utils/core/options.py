# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Argument specs shared by several modules, each with the doc fragment that documents it (pure data), the one
validator of minimums, and with_defaults() for workflows called in-process.

| spec              | doc fragment                           | used by                     |
|-------------------|----------------------------------------|-----------------------------|
| AUTH_ARG_SPEC     | kubernetes.core.k8s_auth_options       | every module (added by AvailabilityModule) |
| API_ARG_SPEC      | workload.availability.cluster          | every module (added by AvailabilityModule) |
| WAIT_ARG_SPEC     | workload.availability.wait             | fence_node                  |
| DRAIN_ARG_SPEC    | workload.availability.drain            | node_maintenance            |
| BMC_ARG_SPEC      | workload.availability.bmc              | fence_node                  |
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible.module_utils.basic import env_fallback

from ansible_collections.kubernetes.core.plugins.module_utils import args_common

# The auth options are plain data: available (for argument specs and docs) even without the kubernetes library.
AUTH_ARG_SPEC = args_common.AUTH_ARG_SPEC

API_ARG_SPEC = {
    "api_retries": {"type": "int", "default": 5},
    "api_timeout": {"type": "int", "default": 30},
}
API_MINIMUMS = (("api_retries", 1, ""), ("api_timeout", 1, "second"))

WAIT_ARG_SPEC = {
    "wait_timeout": {"type": "int", "default": 300},
}
WAIT_MINIMUMS = (("wait_timeout", 1, "second"),)

DRAIN_ARG_SPEC = {
    "non_migratable": {"type": "str", "choices": ["fail", "shutdown", "skip"], "default": "fail"},
    "delete_options": {"type": "dict", "default": {}, "options": {
        "terminate_grace_period": {"type": "int"},
        "force": {"type": "bool", "default": False},
        "delete_emptydir_data": {"type": "bool", "default": False},
    }},
    "pod_selectors": {"type": "list", "elements": "str", "aliases": ["label_selectors"]},
}
DRAIN_MINIMUMS = (("delete_options.terminate_grace_period", 0, "second"),)

BMC_SUBOPTIONS = {
    "address": {"type": "str"},
    "username": {"type": "str", "fallback": (env_fallback, ["BMC_USERNAME"])},
    "password": {"type": "str", "no_log": True, "fallback": (env_fallback, ["BMC_PASSWORD"])},
    "systems_uri": {"type": "str"},
    "validate_certs": {"type": "bool"},
    "ca_path": {"type": "path"},
    "timeout": {"type": "int", "default": 10},
    "retries": {"type": "int", "default": 2},
    "retry_interval": {"type": "float", "default": 1.0},
    "power_timeout": {"type": "int"},
}
BMC_ARG_SPEC = {
    "bmc": {"type": "dict", "options": BMC_SUBOPTIONS},
    "bmc_from": {"type": "str", "default": "auto", "choices": ["auto", "options", "parameters", "baremetalhost"]},
    "baremetalhost_namespace": {"type": "str", "default": "openshift-machine-api"},
    "agent": {"type": "str"},
    "use_agent_binary": {"type": "bool", "default": False},
    "parameters": {"type": "dict", "aliases": ["sharedparameters", "shared_parameters"]},
    "node_parameters": {"type": "dict", "aliases": ["nodeparameters"]},
    "secret": {"type": "str", "aliases": ["shared_secret"], "no_log": False},
    "node_secret": {"type": "str", "no_log": False},
}
BMC_MINIMUMS = (("bmc.timeout", 1, ""), ("bmc.retries", 0, ""), ("bmc.power_timeout", 1, ""),
                ("bmc.retry_interval", 0, "second"))

# Both node_maintenance and fence_node hold the node lease medik8s-leases/node-<name>. A lease keeps other actors
# away only while it is valid: the medik8s operators look at a taken lease again after a minute, and
# node_maintenance renews its lease at half its duration between waits of up to 15 s. Below a minute the lease
# could lapse between two such looks, so 60 s is the floor for every module.
LEASE_MINIMUMS = (("lease_duration", 60, "second"),)


def merged(*specs):
    """One argument spec from several (deep copies; later specs win)."""
    spec = {}
    for part in specs:
        spec.update(copy.deepcopy(part))
    return spec


def _lookup(params, path):
    value = params
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def minimum_errors(params, minimums):
    """Problems for options below their minimum: ``minimums`` is a list of (option path such as "bmc.timeout",
    minimum, unit: "" or "second"); unset options are skipped. Each message names the option and the bound."""
    errors = []
    for path, minimum, unit in minimums:
        value = _lookup(params, path)
        if value is None or value >= minimum:
            continue
        if minimum == 0 and unit:
            errors.append("%s must not be negative, got %s" % (path, value))
        else:
            unit_text = (" %s%s" % (unit, "" if minimum == 1 else "s")) if unit else ""
            errors.append("%s must be at least %s%s, got %s" % (path, minimum, unit_text, value))
    return errors


def with_defaults(spec, given=None):
    """Params as AnsibleModule would build them from ``given`` (canonical option names): every option present,
    defaults filled in, suboptions of given dict options too. For workflows called without a module."""
    given = dict(given or {})
    unknown = sorted(set(given) - set(spec))
    if unknown:
        raise ValueError("unknown options: %s" % ", ".join(unknown))
    params = {}
    for name, option in spec.items():
        value = given.get(name, copy.deepcopy(option.get("default")))
        if option.get("options") and isinstance(value, dict):
            value = with_defaults(option["options"], value)
        params[name] = value
    return params
