# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The result of a rebalance run (pure): the plan, what happened to each move, and the load measured afterwards.

``new_result(plan)`` -> the check-mode result; ``record_outcomes(result, outcomes)`` adds each move's ``status``
(Succeeded, Failed, Skipped, Unfinished), ``reason``, ``seconds`` and ``node`` (where the VM runs now);
``record_observed(result, observed)`` adds ``after`` per node and to ``imbalance`` and the prediction error;
``summary(result, check_mode)`` is the one-line msg.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import math

PLAN_KEYS = ("skipped", "excluded_nodes", "thresholds", "settings", "limits", "migration_config", "stop_reason",
             "notes")


def new_result(plan):
    result = dict((key, copy.deepcopy(plan[key])) for key in PLAN_KEYS)
    result["moves"] = [dict(move) for move in plan["moves"]]
    result["imbalance"] = {"before": plan["imbalance"]["before"], "predicted": plan["imbalance"]["predicted"],
                           "after": None}
    result["nodes"] = [dict(node, after=None) for node in plan["nodes"]]
    return result


def record_outcomes(result, outcomes):
    """``outcomes``: {VM key: {"status", "reason", "seconds", "node"}}; a move without one did not run."""
    for move in result["moves"]:
        move.update(outcomes.get(move["vm"]) or {"status": "Skipped", "reason": "not started", "seconds": None,
                                                 "node": move["from"]})
    return result


def record_observed(result, observed):
    """``observed``: planner.observe's answer, or {"error": text} when the metrics could not be read again."""
    if observed.get("error"):
        result["notes"].append("the load after the moves could not be measured: %s" % observed["error"])
        return result
    result["imbalance"]["after"] = observed["imbalance"]
    errors = []
    for node in result["nodes"]:
        node["after"] = observed["nodes"].get(node["name"])
        if node["after"] is not None:
            errors.append(abs(node["after"]["combined"] - node["predicted"]["combined"]))
    result["prediction_error"] = {
        "nodes": len(errors),
        "mean_abs_combined": round(math.fsum(errors) / len(errors), 4) if errors else None,
        "max_abs_combined": round(max(errors), 4) if errors else None}
    result["notes"].extend(observed.get("notes") or [])
    return result


def observed_view(result):
    """The load read again, as report_html.render takes it (None before execution)."""
    if result["imbalance"].get("after") is None:
        return None
    return {"nodes": dict((node["name"], node["after"]) for node in result["nodes"] if node.get("after")),
            "imbalance": result["imbalance"]["after"]}


def counts(result):
    found = {}
    for move in result["moves"]:
        status = move.get("status") or "Planned"
        found[status] = found.get(status, 0) + 1
    return found


def summary(result, check_mode):
    stddev = result["imbalance"]["before"]["combined"]["stddev"]
    predicted = result["imbalance"]["predicted"]["combined"]["stddev"]
    if not result["moves"]:
        return "no VM to move: %s" % result["stop_reason"]
    if check_mode:
        return "check mode: %d VM(s) would move, imbalance (stddev of combined load) %.3f -> %.3f predicted" % (
            len(result["moves"]), stddev, predicted)
    done = counts(result)
    text = "%d of %d planned migration(s) succeeded" % (done.get("Succeeded", 0), len(result["moves"]))
    others = ", ".join("%d %s" % (done[status], status.lower()) for status in ("Failed", "Unfinished", "Skipped")
                       if done.get(status))
    if others:
        text += " (%s)" % others
    after = (result["imbalance"].get("after") or {}).get("combined") or {}
    text += "; imbalance %.3f -> %.3f predicted" % (stddev, predicted)
    if after.get("stddev") is not None:
        text += " -> %.3f measured" % after["stddev"]
    return text
