# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Prometheus queries the I/O layer runs for the ``prometheus`` metrics source, and their results as numbers.

Every query is an instant query (``/api/v1/query``) whose result is an instant vector:
``[{"metric": {labels}, "value": [timestamp, "text"]}, ...]``.

Node series carry the node name in ``instance`` (as node-exporter is relabelled on OpenShift and as the
descheduler's Prometheus contract expects); VMI series carry ``namespace`` and ``name`` (KubeVirt's
``kubevirt_vmi_*`` series from virt-handler).

- ``node_cpu``: CPU busy share of the whole machine over one minute, 0..1 (the descheduler recording rule
  ``descheduler:nodeutilization:cpu:avg1m`` computes the same).
- ``node_memory``: memory in use (1 - MemAvailable/MemTotal) averaged over one minute, 0..1.
- ``node_cpu_pressure``, ``node_memory_pressure``: PSI "some" share of time stalled on CPU or memory, 0..1, raw.
  The 0.7 utilization gating of the descheduler's ``descheduler:nodepressure:*`` rules is applied in ``load`` so
  a node without PSI (no series: kernel without ``psi=1``) stays distinguishable from a gated zero.
- ``vmi_cpu``: CPU cores a VMI uses (vCPUs and hypervisor threads), over one minute.
- ``vmi_memory``: memory the guest uses, bytes (``kubevirt_vmi_memory_used_bytes``): what its node's MemAvailable
  loses to it, and the working set a migration sends and the guest dirties.
- ``vmi_dirty_rate``: guest memory dirty rate, bytes/s (``kubevirt_vmi_dirty_rate_bytes_per_second``, KubeVirt
  1.6 and later; absent before).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

NODE_LABEL = "instance"

DEFAULT_QUERIES = {
    "node_cpu": "avg by (instance) (1 - rate(node_cpu_seconds_total{mode=\"idle\"}[1m]))",
    "node_memory": ("avg by (instance) (1 - avg_over_time(node_memory_MemAvailable_bytes[1m])"
                    " / node_memory_MemTotal_bytes)"),
    "node_cpu_pressure": "avg by (instance) (rate(node_pressure_cpu_waiting_seconds_total[1m]))",
    "node_memory_pressure": "avg by (instance) (rate(node_pressure_memory_waiting_seconds_total[1m]))",
    "vmi_cpu": "sum by (namespace, name) (rate(kubevirt_vmi_cpu_usage_seconds_total[1m]))",
    "vmi_memory": "sum by (namespace, name) (kubevirt_vmi_memory_used_bytes)",
    "vmi_dirty_rate": "max by (namespace, name) (kubevirt_vmi_dirty_rate_bytes_per_second)",
}
NODE_QUERIES = ("node_cpu", "node_memory", "node_cpu_pressure", "node_memory_pressure")


def query_set(overrides=None):
    """The queries to run: the defaults with the user's replacements (same names)."""
    queries = dict(DEFAULT_QUERIES)
    queries.update(dict((name, text) for name, text in (overrides or {}).items() if text))
    return queries


def _number(text):
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def node_key(labels, node_names):
    """The node a series is about: its ``instance`` label, or the host part of ``host:port`` when that is a node."""
    instance = labels.get(NODE_LABEL) or ""
    if instance in node_names:
        return instance
    host = instance.rsplit(":", 1)[0]
    return host if host in node_names else None


def vmi_key(labels, _names=None):
    if labels.get("namespace") and labels.get("name"):
        return "%s/%s" % (labels["namespace"], labels["name"])
    return None


def parse_vector(name, result, key_of, names):
    """({key: value}, [problems]) from an instant vector; ``key_of(labels, names)`` names each series' subject.

    A sample that is not a finite number, or names no known subject, is reported, never read as zero. Two series
    for one subject keep the larger (a double scrape must not halve a load)."""
    values, problems = {}, []
    for sample in result or []:
        labels = sample.get("metric") or {}
        key = key_of(labels, names)
        if key is None:
            continue
        raw = (sample.get("value") or [None, None])[1]
        value = _number(raw)
        if value is None:
            problems.append("%s: sample %r for %s is not a finite number" % (name, raw, key))
            continue
        values[key] = max(value, values.get(key, value))
    return values, problems
