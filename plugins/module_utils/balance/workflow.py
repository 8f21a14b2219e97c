# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rebalance workflow (shell): ``rebalance_vms(ctx, params) -> Outcome`` (core/workflow.py's contract).

Read the snapshot (one LIST per kind) and the metrics, plan (balance/planner.py, pure); in check mode, or when
there is nothing to do, return the plan. Otherwise run the moves (balance/executor.py), wait ``settle_time`` for
the metrics' windows to cover the new placement, read the cluster and the metrics again and report the load
measured beside the load predicted. ``report_path`` gets the HTML report (balance/report_html.py) in every mode.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import uuid

from ansible_collections.workload.availability.plugins.module_utils.balance import options
from ansible_collections.workload.availability.plugins.module_utils.balance import planner
from ansible_collections.workload.availability.plugins.module_utils.balance import reads
from ansible_collections.workload.availability.plugins.module_utils.balance import report_html
from ansible_collections.workload.availability.plugins.module_utils.balance import results
from ansible_collections.workload.availability.plugins.module_utils.balance.executor import Executor
from ansible_collections.workload.availability.plugins.module_utils.balance.prometheus import Prometheus
from ansible_collections.workload.availability.plugins.module_utils.core.clock import format_time
from ansible_collections.workload.availability.plugins.module_utils.core.errors import AvailabilityError, ClusterError
from ansible_collections.workload.availability.plugins.module_utils.core.workflow import Outcome
from ansible_collections.workload.availability.plugins.module_utils.migrations import runner


def rebalance_vms(ctx, params):
    """Plan and (unless in check mode) run one rebalance. ``params``: balance/options.py (check them with
    input_errors() first). Raises AvailabilityError, with what was done so far, when the cluster cannot be read."""
    settings = options.settings_from_params(params)
    if settings["report_path"]:
        check_report_path(settings["report_path"])
    prometheus = Prometheus(settings["prometheus"], ctx.hide) if settings["metrics_source"] == "prometheus" \
        else None
    try:
        snapshot = read(ctx, prometheus, settings)
    except ClusterError as exc:
        raise AvailabilityError("rebalance_vms could not read the cluster: %s; nothing was changed" % exc,
                                {"error": exc.to_dict()})
    plan = planner.plan_rebalance(snapshot, settings)
    ctx.event("planned", moves=len(plan["moves"]), stop_reason=plan["stop_reason"],
              imbalance=plan["imbalance"]["before"]["combined"]["stddev"])
    result = results.new_result(plan)
    changed = False
    if plan["moves"] and not ctx.check_mode:
        changed = execute(ctx, prometheus, settings, plan, result)
    result["metrics_requests"] = prometheus.requests if prometheus else 0
    if settings["report_path"]:
        write_report(ctx, settings["report_path"], plan, result)
    return Outcome(changed, results.summary(result, ctx.check_mode), result)


def read(ctx, prometheus, settings):
    snapshot = reads.read_snapshot(ctx.cluster, ctx.now())
    snapshot["metrics"] = reads.read_metrics(ctx.cluster, prometheus, settings)
    return snapshot


def execute(ctx, prometheus, settings, plan, result):
    """Run the moves, then measure; returns whether a migration was started."""
    run_id = uuid.uuid4().hex[:12]
    limits = runner.read_limits(ctx.cluster)
    ctx.event("executing", run=run_id, moves=len(plan["moves"]), limits=limits)
    outcomes = Executor(ctx, limits, run_id).run(plan["moves"], ctx.monotonic() + settings["wait_timeout"])
    results.record_outcomes(result, outcomes)
    result["run_id"] = run_id
    started = any(outcome["status"] in ("Succeeded", "Failed", "Unfinished") for outcome in outcomes.values())
    if started:
        ctx.event("settling", seconds=settings["settle_time"])
        ctx.sleep(settings["settle_time"])
        results.record_observed(result, observe(ctx, prometheus, settings, [node["name"] for node in plan["nodes"]]))
    return started


def observe(ctx, prometheus, settings, names):
    """The load measured again; a failed read is reported, never a failed run (the moves are done)."""
    try:
        return planner.observe(read(ctx, prometheus, settings), settings, names)
    except AvailabilityError as exc:
        return {"error": exc.msg}


def check_report_path(path):
    """Before anything changes: the report's directory exists (or is created) and takes files."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        if not os.path.isdir(directory):
            os.makedirs(directory)
    except (IOError, OSError) as exc:
        raise AvailabilityError("report_path %s: its directory cannot be created: %s" % (path, exc))
    if not os.access(directory, os.W_OK) or os.path.isdir(path):
        raise AvailabilityError("report_path %s cannot be written: give a file in a writable directory" % path)


def write_report(ctx, path, plan, result):
    try:
        with open(path, "w") as handle:
            handle.write(report_html.render(plan, observed=results.observed_view(result),
                                            results=dict((move["vm"], move) for move in result["moves"]
                                                         if move.get("status")),
                                            generated=format_time(ctx.now())))
    except (IOError, OSError) as exc:
        raise AvailabilityError("report_path %s cannot be written: %s" % (path, exc), dict(result))
    result["report_path"] = os.path.abspath(path)
    ctx.event("report written", path=result["report_path"])
