# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""When a node counts as over- or underutilized: the descheduler's LowNodeUtilization thresholds and presets.

Thresholds are percent pairs ``low:high`` applied per dimension (cpu, memory) to the node loads of ``load``:

- static: a node is underutilized when every dimension is at or below ``low``, overutilized when any dimension is
  above ``high``;
- deviation (the descheduler's ``useDeviationThresholds``): the same against ``mean - low`` and ``mean + high``,
  the mean taken per dimension over the balanced nodes, both clamped to [0, 100] %.

Presets carry the names of the descheduler operator's ``profileCustomizations``: static Low 10:30, Medium 20:50,
High 40:70 (``devLowNodeUtilizationThresholds``); deviation Low 10:10, Medium 20:20, High 30:30, AsymmetricLow
0:10, AsymmetricMedium 0:20, AsymmetricHigh 0:30 (``devDeviationThresholds``). The KubeVirtRelieveAndMigrate
profile's default is deviation AsymmetricLow, and so is ours.

``resolve(preset, low, high, deviation)`` -> ``{"name", "low", "high", "deviation"}`` (fractions) or raises
``ValueError`` naming the option; ``bounds(spec, loads)`` -> ``{dim: (low, high)}``; ``classify(loads, bounds)`` ->
``{node: "over" | "under" | "normal"}``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

STATIC_PRESETS = {"Low": (10, 30), "Medium": (20, 50), "High": (40, 70)}
DEVIATION_PRESETS = {"Low": (10, 10), "Medium": (20, 20), "High": (30, 30),
                     "AsymmetricLow": (0, 10), "AsymmetricMedium": (0, 20), "AsymmetricHigh": (0, 30)}
PRESET_NAMES = ("Low", "Medium", "High", "AsymmetricLow", "AsymmetricMedium", "AsymmetricHigh")
DEFAULT_PRESET = "AsymmetricLow"
DIMENSIONS = ("cpu", "memory")


def resolve(preset=None, low=None, high=None, deviation=True):
    if preset is not None and (low is not None or high is not None):
        raise ValueError("thresholds and low_threshold/high_threshold are mutually exclusive: give a preset name or "
                         "both percentages")
    if preset is None and (low is None) != (high is None):
        raise ValueError("low_threshold and high_threshold go together: give both percentages (e.g. 20 and 50)")
    if low is not None:
        for option, value in (("low_threshold", low), ("high_threshold", high)):
            if not 0 <= value <= 100:
                raise ValueError("%s must be a percentage from 0 to 100, got %s" % (option, value))
        if not deviation and low > high:
            raise ValueError("low_threshold (%s) must not exceed high_threshold (%s) for static thresholds"
                             % (low, high))
        return {"name": "custom", "low": low / 100.0, "high": high / 100.0, "deviation": bool(deviation)}
    name = preset or DEFAULT_PRESET
    presets = DEVIATION_PRESETS if deviation else STATIC_PRESETS
    if name not in presets:
        raise ValueError("thresholds %s is not a %s preset; choose one of %s%s"
                         % (name, "deviation" if deviation else "static", ", ".join(sorted(presets)),
                            "" if deviation else " (Asymmetric presets need deviation_thresholds=true)"))
    low_pct, high_pct = presets[name]
    return {"name": name, "low": low_pct / 100.0, "high": high_pct / 100.0, "deviation": bool(deviation)}


def _clamp(value):
    return min(1.0, max(0.0, value))


def bounds(spec, loads):
    """{dim: (low, high)} for ``loads`` = {node: {"cpu", "memory", ...}}."""
    result = {}
    for dim in DIMENSIONS:
        if spec["deviation"]:
            values = sorted(load[dim] for load in loads.values())
            mean = math.fsum(values) / len(values) if values else 0.0
            result[dim] = (_clamp(mean - spec["low"]), _clamp(mean + spec["high"]))
        else:
            result[dim] = (spec["low"], spec["high"])
    return result


def node_class(load, node_bounds):
    if any(load[dim] > node_bounds[dim][1] for dim in DIMENSIONS):
        return "over"
    if all(load[dim] <= node_bounds[dim][0] for dim in DIMENSIONS):
        return "under"
    return "normal"


def classify(loads, node_bounds):
    return dict((name, node_class(load, node_bounds)) for name, load in loads.items())
