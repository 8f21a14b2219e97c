# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of a fence run (pure): the argument spec of fence_node, the checks made before anything is read,
and ``fence_params(**given)`` for callers that run the fencing workflow in-process (node_health_check)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core import options
from ansible_collections.workload.availability.plugins.module_utils.core.errors import InputError
from ansible_collections.workload.availability.plugins.module_utils.fencing import decisions

FENCE_ARGUMENT_SPEC = options.merged(
    {
        "name": {"type": "str", "required": True, "aliases": ["node"]},
        "action": {"type": "str", "choices": list(decisions.ACTIONS)},
        "force": {"type": "bool", "default": False},
        "remediation": {"type": "str", "default": "out_of_service_taint", "choices": list(decisions.REMEDIATIONS)},
        "lease_duration": {"type": "int", "default": 3600},
        "reason": {"type": "str"},
    },
    options.WAIT_ARG_SPEC,
    options.BMC_ARG_SPEC,
)


def fence_params(**given):
    """Complete params of a fence run from the options given (canonical names), defaults for the rest."""
    return options.with_defaults(FENCE_ARGUMENT_SPEC, given)


def split_secret_ref(value, option):
    """'namespace/name' -> (namespace, name)."""
    ref = objects.split_key(value)
    if ref is None:
        raise InputError("%s must be namespace/name of a Secret, e.g. "
                         "openshift-workload-availability/fence-agents-credentials-shared (got %r)" % (option, value))
    return ref


def input_errors(params):
    """Problems with the options themselves, found before anything is read or changed."""
    errors = options.minimum_errors(
        params, options.WAIT_MINIMUMS + options.LEASE_MINIMUMS + options.BMC_MINIMUMS)
    for option in ("parameters", "node_parameters"):
        for key in (params.get(option) or {}):
            if not str(key).startswith("-"):
                errors.append("%s key %r is not a fence-agent option: write it as the agent does, e.g. --%s"
                              % (option, key, key))
    for option in ("secret", "node_secret"):
        if params.get(option):
            try:
                split_secret_ref(params[option], option)
            except InputError as error:
                errors.append(error.msg)
    if params["bmc_from"] == "parameters" and not params.get("agent"):
        errors.append("bmc_from=parameters needs agent (for Redfish: agent=fence_redfish)")
    return errors
