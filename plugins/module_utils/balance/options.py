# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rebalance_vms options (pure): ``ARGUMENT_SPEC`` (AvailabilityModule adds the cluster auth and API options),
``rebalance_params(**given)`` (complete params for callers without a module), ``input_errors(params)`` and
``settings_from_params(params)``, which checks every value before anything is read or changed and returns the
settings the planner takes, or raises ``ValueError`` whose message names the option and the fix.

Settings: ``{"metrics_source", "prometheus", "on_missing", "thresholds" (thresholds.resolve), "target_imbalance"
(None: off), "min_gain", "max_migrations", "weights", "cooldown": {"base", "max", "window"}, "exclude_namespaces"
(protected ones included), "label_selectors" and "node_selector" ((text, requirements) of core.labels.parse_selector),
"vm_query" (compiled or None),
"link_bandwidth", "node_link_bandwidth", "stream_bandwidth", "assumed_dirty_rate" (bytes/s), "dirty_rate_margin",
"report_path", "wait_timeout", "settle_time"}``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

from ansible_collections.workload.availability.plugins.module_utils.balance import eligibility
from ansible_collections.workload.availability.plugins.module_utils.balance import thresholds
from ansible_collections.workload.availability.plugins.module_utils.balance import vm_query
from ansible_collections.workload.availability.plugins.module_utils.core import labels
from ansible_collections.workload.availability.plugins.module_utils.core import options
from ansible_collections.workload.availability.plugins.module_utils.core import quantity

METRICS_SOURCES = ("prometheus", "metrics_api", "requests")

ARGUMENT_SPEC = {
    "metrics_source": {"type": "str", "choices": list(METRICS_SOURCES), "default": "prometheus"},
    "prometheus": {"type": "dict", "apply_defaults": True, "options": {
        "url": {"type": "str", "fallback": (env_fallback, ["PROMETHEUS_URL"])},
        "token": {"type": "str", "no_log": True, "fallback": (env_fallback, ["PROMETHEUS_TOKEN"])},
        "token_file": {"type": "path", "fallback": (env_fallback, ["PROMETHEUS_TOKEN_FILE"])},
        "ca_file": {"type": "path", "fallback": (env_fallback, ["PROMETHEUS_CA_FILE"])},
        "validate_certs": {"type": "bool", "default": True},
        "timeout": {"type": "int", "default": 30},
        "queries": {"type": "dict", "default": {}},
    }},
    "on_missing_metrics": {"type": "str", "choices": ["exclude", "requests"], "default": "exclude"},
    "thresholds": {"type": "str", "choices": list(thresholds.PRESET_NAMES)},
    "low_threshold": {"type": "float"},
    "high_threshold": {"type": "float"},
    "deviation_thresholds": {"type": "bool", "default": True},
    "target_imbalance": {"type": "float", "default": 0.03},
    "min_gain": {"type": "float", "default": 0.1},
    "weights": {"type": "dict", "apply_defaults": True, "options": {
        "cpu": {"type": "float", "default": 1.0},
        "memory": {"type": "float", "default": 1.0},
    }},
    "max_migrations": {"type": "int", "default": 5},
    "cooldown": {"type": "int", "default": 1800},
    "cooldown_max": {"type": "int", "default": 21600},
    "cooldown_window": {"type": "int", "default": 172800},
    "exclude_namespaces": {"type": "list", "elements": "str", "default": []},
    "label_selectors": {"type": "list", "elements": "str", "default": []},
    "vm_query": {"type": "str"},
    "node_selector": {"type": "str", "default": eligibility.DEFAULT_NODE_SELECTOR},
    "link_bandwidth": {"type": "str", "default": "1250M"},
    "node_link_bandwidth": {"type": "dict", "default": {}},
    "stream_bandwidth": {"type": "str", "default": "1G"},
    "assumed_dirty_rate": {"type": "str", "default": "16Mi"},
    "dirty_rate_margin": {"type": "float", "default": 0.25},
    "report_path": {"type": "path"},
    "wait_timeout": {"type": "int", "default": 1800},
    "settle_time": {"type": "int", "default": 60},
}


def _rate(name, text, allow_zero=False):
    try:
        value = quantity.parse(text)
    except (TypeError, ValueError):
        raise ValueError("%s must be a quantity in bytes per second such as 1250M or 64Mi, got %r" % (name, text))
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError("%s must be %s, got %r" % (name, "zero or positive" if allow_zero else "positive", text))
    return value


def _at_least(name, value, minimum):
    if value < minimum:
        raise ValueError("%s must be at least %s, got %s" % (name, minimum, value))
    return value


def _prometheus(params):
    config = dict(params.get("prometheus") or {})
    if params["metrics_source"] != "prometheus":
        return config
    if not config.get("url"):
        raise ValueError("metrics_source=prometheus needs prometheus.url (or PROMETHEUS_URL), e.g. the "
                         "thanos-querier route of openshift-monitoring; or choose metrics_source=metrics_api")
    if config.get("token") and config.get("token_file"):
        raise ValueError("prometheus.token and prometheus.token_file are mutually exclusive: give one")
    _at_least("prometheus.timeout", config.get("timeout") or 30, 1)
    return config


def _weights(params):
    given = params.get("weights") or {}
    weights = dict((dim, float(1.0 if given.get(dim) is None else given[dim])) for dim in ("cpu", "memory"))
    if min(weights.values()) < 0 or sum(weights.values()) <= 0:
        raise ValueError("weights.cpu and weights.memory must be zero or positive and not both zero, got %s"
                         % weights)
    return weights


def _selector(option, text):
    """(text, requirements) of a label selector, the text kept for messages."""
    try:
        return text, labels.parse_selector(text)
    except ValueError as error:
        raise ValueError("%s: %s (use key=value, key!=value, key, !key, key in (a,b) or key notin (a,b))"
                         % (option, error))


def _selectors(params):
    label_selectors = [_selector("label_selectors", text) for text in params.get("label_selectors") or []]
    return label_selectors, _selector("node_selector", params.get("node_selector") or "")


def settings_from_params(params):
    label_selectors, node_selector = _selectors(params)
    query = vm_query.compile_query(params["vm_query"]) if params.get("vm_query") else None
    threshold_spec = thresholds.resolve(params.get("thresholds"), params.get("low_threshold"),
                                        params.get("high_threshold"), params.get("deviation_thresholds", True))
    min_gain = params["min_gain"]
    if not 0 <= min_gain < 1:
        raise ValueError("min_gain is a share from 0 to below 1 (0.1 = a move must remove 10 %% of the imbalance "
                         "of the two nodes it touches), got %s" % min_gain)
    target = _at_least("target_imbalance", params["target_imbalance"], 0)
    base = _at_least("cooldown", params["cooldown"], 0)
    cap = _at_least("cooldown_max", params["cooldown_max"], base)
    window = _at_least("cooldown_window", params["cooldown_window"], 0)
    node_links = dict((node, _rate("node_link_bandwidth.%s" % node, text))
                      for node, text in sorted((params.get("node_link_bandwidth") or {}).items()))
    return {
        "metrics_source": params["metrics_source"],
        "prometheus": _prometheus(params),
        "on_missing": params["on_missing_metrics"],
        "thresholds": threshold_spec,
        "target_imbalance": target or None,
        "min_gain": min_gain,
        "max_migrations": _at_least("max_migrations", params["max_migrations"], 1),
        "weights": _weights(params),
        "cooldown": {"base": base, "max": cap, "window": window},
        "exclude_namespaces": list(eligibility.PROTECTED_NAMESPACES) + list(params.get("exclude_namespaces") or []),
        "label_selectors": label_selectors,
        "vm_query": query,
        "node_selector": node_selector,
        "link_bandwidth": _rate("link_bandwidth", params["link_bandwidth"]),
        "node_link_bandwidth": node_links,
        "stream_bandwidth": _rate("stream_bandwidth", params["stream_bandwidth"], allow_zero=True),
        "assumed_dirty_rate": _rate("assumed_dirty_rate", params["assumed_dirty_rate"], allow_zero=True),
        "dirty_rate_margin": _at_least("dirty_rate_margin", params["dirty_rate_margin"], 0),
        "report_path": params.get("report_path"),
        "wait_timeout": _at_least("wait_timeout", params["wait_timeout"], 1),
        "settle_time": _at_least("settle_time", params["settle_time"], 0),
    }


def rebalance_params(**given):
    """Complete params of a rebalance run from the options given (canonical names), defaults for the rest."""
    return options.with_defaults(ARGUMENT_SPEC, given)


def input_errors(params):
    """Problems with the options, each naming the option and the fix (empty when fine)."""
    try:
        settings_from_params(params)
    except ValueError as error:
        return [str(error)]
    return []
