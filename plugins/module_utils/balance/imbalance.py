# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Imbalance measures of node loads: the figures DRS (standard deviation), Proxmox (coefficient of variation) and
oVirt (spread between the busiest and the idlest node) judge a cluster by.

``measures(values)`` -> ``{"count", "mean", "stddev", "cv", "spread", "max", "min"}`` (population standard
deviation; ``cv`` is stddev/mean, 0 for an idle cluster). ``cluster_imbalance(loads)`` applies it per dimension
to ``{node: {"cpu", "memory", "combined"}}``. Values are summed in sorted order so the figures do not depend on the
order nodes were listed in.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

DIMENSIONS = ("cpu", "memory", "combined")


def measures(values):
    ordered = sorted(values)
    count = len(ordered)
    if not count:
        return {"count": 0, "mean": None, "stddev": None, "cv": None, "spread": None, "max": None, "min": None}
    mean = math.fsum(ordered) / count
    stddev = math.sqrt(max(0.0, math.fsum((v - mean) ** 2 for v in ordered) / count))
    return {"count": count, "mean": mean, "stddev": stddev, "cv": stddev / mean if mean > 0 else 0.0,
            "spread": ordered[-1] - ordered[0], "max": ordered[-1], "min": ordered[0]}


def cluster_imbalance(loads):
    return dict((dim, measures([load[dim] for load in loads.values()])) for dim in DIMENSIONS)


def rounded(figures, digits=4):
    """A copy of nested figures with floats rounded, for results and reports."""
    if isinstance(figures, dict):
        return dict((key, rounded(value, digits)) for key, value in figures.items())
    if isinstance(figures, float):
        return round(figures, digits)
    return figures
