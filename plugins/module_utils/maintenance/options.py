# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of a maintenance run (pure): node_maintenance's argument spec, the checks made before anything is
read, what the workflow derives from them (drain options, requester), and ``maintenance_params(**given)`` for
callers that run the workflow in-process."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import getpass
import socket

from ansible_collections.workload.availability.plugins.module_utils.core import labels
from ansible_collections.workload.availability.plugins.module_utils.core import options

MAINTENANCE_ARGUMENT_SPEC = options.merged(
    {
        "name": {"type": "str", "required": True, "aliases": ["node"]},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "reason": {"type": "str"},
        "requested_by": {"type": "str"},
        "mode": {"type": "str", "choices": ["auto", "native", "operator"], "default": "auto"},
        "timeout": {"type": "int", "default": 600},
        "placement": {"type": "str", "choices": ["scheduler", "balanced"], "default": "scheduler"},
        "lease_duration": {"type": "int", "default": 3600},
    },
    options.DRAIN_ARG_SPEC,
)
TIMEOUT_MINIMUMS = (("timeout", 1, "second"),)


def default_requester():
    try:
        user = getpass.getuser()
    except Exception:  # pylint: disable=broad-except
        user = "unknown"
    return "%s@%s (ansible workload.availability.node_maintenance)" % (user, socket.gethostname())


def requester(params):
    """Who asked: requested_by, else <user>@<host> of this process."""
    return params.get("requested_by") or default_requester()


def drain_options(params):
    """The drain planner's options from the module's (delete_options, pod_selectors, non_migratable)."""
    found = dict(params.get("delete_options") or {})
    found["pod_selectors"] = params.get("pod_selectors") or []
    found["non_migratable"] = params.get("non_migratable") or "fail"
    return found


def maintenance_params(**given):
    """Complete params of a maintenance run from the options given (canonical names), defaults for the rest."""
    return options.with_defaults(MAINTENANCE_ARGUMENT_SPEC, given)


def input_errors(params):
    """Problems with the options, each naming the option and the fix (empty when fine)."""
    problems = []
    if not (params.get("name") or "").strip():
        problems.append("name must be a node name (kubectl get nodes lists them)")
    problems += options.minimum_errors(params, TIMEOUT_MINIMUMS + options.LEASE_MINIMUMS + options.DRAIN_MINIMUMS)
    for text in params.get("pod_selectors") or []:
        try:
            labels.parse_selector(text)
        except ValueError as exc:
            problems.append("pod_selectors: %s; use kubectl label selector syntax such as app=web" % exc)
    return problems
