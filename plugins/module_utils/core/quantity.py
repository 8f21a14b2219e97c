# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes resource quantities and pod requests, as plain numbers (CPU in cores, memory in bytes)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools

_BINARY = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60}
_DECIMAL = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}


def parse(value):
    """A quantity ("500m", "4Gi", "1.5", 2, "1e3") as a float; None or "" is 0."""
    if value is None or value == "":
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    return _parse_text(str(value))


@functools.lru_cache(maxsize=4096)
def _parse_text(value):
    # the same few quantities recur on thousands of pods: each text is parsed once
    text = value.strip()
    for suffix, factor in _BINARY.items():
        if text.endswith(suffix):
            return float(text[:-2]) * factor
    if text[-1:].isalpha() and text[-1:] in _DECIMAL:
        return float(text[:-1]) * _DECIMAL[text[-1]]
    return float(text)


def _requests(container):
    requests = (container.get("resources") or {}).get("requests") or {}
    return parse(requests.get("cpu")), parse(requests.get("memory"))


def pod_requests(pod):
    """(cpu cores, memory bytes) the scheduler reserves for a pod: containers summed, the largest init container
    if bigger, plus spec.overhead."""
    spec = pod.get("spec") or {}
    cpu = memory = 0.0
    for container in spec.get("containers") or []:
        c, m = _requests(container)
        cpu += c
        memory += m
    for container in spec.get("initContainers") or []:
        c, m = _requests(container)
        cpu = max(cpu, c)
        memory = max(memory, m)
    overhead = spec.get("overhead") or {}
    return cpu + parse(overhead.get("cpu")), memory + parse(overhead.get("memory"))


def node_allocatable(node):
    """(cpu cores, memory bytes, pods) from status.allocatable, falling back to status.capacity."""
    status = node.get("status") or {}
    source = status.get("allocatable") or status.get("capacity") or {}
    return parse(source.get("cpu")), parse(source.get("memory")), int(parse(source.get("pods") or 110))
