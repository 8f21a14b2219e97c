# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fence-agent parameters built the way Fence Agents Remediation (FAR) builds them.

Pure functions over plain data. FAR merges, for one node:

1. ``sharedparameters`` with ``{{.NodeName}}`` rendered (Go template syntax);
2. ``nodeparameters[param][node]``, overriding shared values;
3. every key of the shared Secret (rendered) and of the node's Secret (not rendered, overrides the shared Secret) as
   a parameter name; a Secret key that repeats a CR parameter is an error.

FAR accepts only ``reboot`` and ``off`` as ``--action``. A parameter set that cannot tell one node from another is
refused: FAR refuses it when there are no node parameters and nothing uses ``{{.NodeName}}``. We are stricter in one
place: node parameters that do not name this node do not identify it (FAR would run the agent with the shared
values only, which fences whatever machine those point at).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.workload.availability.plugins.module_utils.core.errors import InputError

DUPLICATE_PARAMETER = "invalid multiple definition of FAR parameter, parameter name: %s"
MISSING_PARAMETERS = "invalid spec: mandatory parameters are missing"
UNSUPPORTED_ACTION = "FAR doesn't support any other action than `reboot` or `off`"
ACTION_PARAMETER = "--action"
FAR_ACTIONS = ("reboot", "off")

# Values of these parameters are credentials: kept out of results, logs and the process list.
_SENSITIVE_NAME = re.compile(r"pass|secret|token|key|community", re.IGNORECASE)
_SENSITIVE_EXACT = ("-p", "-P")

# Short getopt names of the common fence-agent options, for stdin (which knows only the long names).
_LONG_NAMES = {"-a": "ip", "-u": "ipport", "-l": "username", "-p": "password", "-S": "password-script",
               "-o": "action", "-n": "plug", "-z": "ssl", "-P": "lanplus", "-L": "privlvl", "-4": "inet4-only",
               "-6": "inet6-only"}

_TEMPLATE_ACTION = re.compile(r"\{\{(-?)\s*(.*?)\s*(-?)\}\}", re.DOTALL)


class FenceParamsError(InputError):
    """The parameter set is unusable; the message says why (FAR's wording where FAR has one)."""


class FenceParameters(object):
    """The merged parameters of one node and where each came from (``shared``, ``node``, ``shared_secret``,
    ``node_secret``)."""

    def __init__(self, values, sources):
        self.values = values
        self.sources = sources

    def get(self, name, default=None):
        return self.values.get(name, default)

    def sensitive_values(self):
        """Values that must never appear anywhere in output: those of credential parameters. (Other values read
        from a Secret are hidden in ``redacted()`` but not scrubbed from all text: an address is no secret.)"""
        return [value for name, value in self.values.items() if value and is_sensitive_name(name)]

    def redacted(self):
        """name -> value for showing, credentials and Secret values replaced by a marker."""
        shown = {}
        for name, value in self.values.items():
            source = self.sources.get(name, "")
            if source.endswith("secret"):
                shown[name] = "<from %s>" % source
            elif is_sensitive_name(name):
                shown[name] = "<hidden>"
            else:
                shown[name] = value
        return shown


def is_sensitive_name(name):
    return name in _SENSITIVE_EXACT or bool(_SENSITIVE_NAME.search(name.lstrip("-")))


def render_node_template(value, node_name):
    """Render ``{{.NodeName}}`` (also ``{{ .NodeName }}`` and the ``{{-``/``-}}`` trim markers) as Go's
    text/template does for FAR. Anything else inside ``{{ }}`` is refused, as FAR's template data has no other
    field."""
    if not node_name:
        raise FenceParamsError("nodeName cannot be empty")
    if not isinstance(value, str):
        return value
    output = []
    position = 0
    for match in _TEMPLATE_ACTION.finditer(value):
        before = value[position:match.start()]
        if match.group(1):
            before = before.rstrip()
        output.append(before)
        expression = match.group(2)
        if expression != ".NodeName":
            if expression.startswith("."):
                raise FenceParamsError(
                    "failed to execute template: can't evaluate field %s (only {{.NodeName}} is available)"
                    % expression[1:])
            raise FenceParamsError(
                "failed to parse template %r: only {{.NodeName}} is supported" % value)
        output.append(node_name)
        position = match.end()
        if match.group(3):
            rest = value[position:]
            position += len(rest) - len(rest.lstrip())
    rest = value[position:]
    if "{{" in rest:
        raise FenceParamsError("failed to parse template %r: unclosed action" % value)
    output.append(rest)
    return "".join(output)


def validate_action(name, value):
    if name in (ACTION_PARAMETER, "action") and value not in ("",) + FAR_ACTIONS:
        raise FenceParamsError(UNSUPPORTED_ACTION)


def build(node_name, shared=None, node_parameters=None, shared_secret=None, node_secret=None):
    """Merge the parameter sources for ``node_name`` like FAR.

    ``shared``: {param: value}; ``node_parameters``: {param: {node: value}}; ``shared_secret`` / ``node_secret``:
    decoded Secret data {key: value} or None. Returns FenceParameters; raises FenceParamsError."""
    shared = shared or {}
    node_parameters = node_parameters or {}
    values = {}
    sources = {}
    identified = False

    for name, raw in shared.items():
        value = _as_text(raw)
        validate_action(name, value)
        rendered = render_node_template(value, node_name)
        identified = identified or rendered != value
        values[name] = rendered
        sources[name] = "shared"

    for name, per_node in node_parameters.items():
        if not isinstance(per_node, dict):
            raise FenceParamsError(
                "node_parameters[%r] must map node names to values, e.g. {%r: {%r: '...'}}"
                % (name, name, node_name))
        if node_name in per_node:
            value = _as_text(per_node[node_name])
            validate_action(name, value)
            values[name] = value
            sources[name] = "node"
            identified = True

    secret_values = {}
    secret_sources = {}
    for name, raw in (shared_secret or {}).items():
        value = _as_text(raw)
        rendered = render_node_template(value, node_name)
        identified = identified or rendered != value
        secret_values[name] = rendered
        secret_sources[name] = "shared_secret"
    for name, raw in (node_secret or {}).items():
        secret_values[name] = _as_text(raw)
        secret_sources[name] = "node_secret"
        identified = True
    for name, value in secret_values.items():
        validate_action(name, value)
        if name in values:
            raise FenceParamsError(DUPLICATE_PARAMETER % name)
        values[name] = value
        sources[name] = secret_sources[name]

    if not values:
        raise FenceParamsError(MISSING_PARAMETERS)
    if not identified:
        raise FenceParamsError(
            "%s: nothing in the parameters identifies node %s - use {{.NodeName}} in a shared parameter or the "
            "shared Secret, give node_parameters for %s, or a node_secret" % (MISSING_PARAMETERS, node_name,
                                                                              node_name))
    return FenceParameters(values, sources)


def with_action(parameters, action):
    """The parameter dict with ``--action`` set (FAR adds ``--action=reboot`` when none is given)."""
    merged = dict(parameters)
    merged[ACTION_PARAMETER] = action or merged.get(ACTION_PARAMETER) or "reboot"
    return merged


def agent_argv(agent, parameters):
    """argv as FAR builds it: the agent, then ``name=value`` (``name`` alone for an empty value)."""
    argv = [agent]
    for name, value in parameters.items():
        argv.append(name if value == "" else "%s=%s" % (name, value))
    return argv


def agent_stdin(parameters):
    """The same parameters as fence-agent stdin lines (``ip=...``). Agents read stdin only when argv is empty,
    which keeps the password out of the process list."""
    lines = []
    for name, value in parameters.items():
        key = _LONG_NAMES.get(name) or name.lstrip("-")
        if not key or "\n" in value or "\n" in key:
            raise FenceParamsError("parameter %r cannot be passed to a fence agent (empty name or newline)" % name)
        lines.append("%s=%s" % (key, "1" if value == "" else value))
    return "\n".join(lines) + "\n"


def _as_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
