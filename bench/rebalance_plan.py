# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning time of the rebalancer's pure core on a synthetic cluster (default 500 nodes, 10,000 VMs).

The snapshot (nodes, virt-launcher pods, VMIs, Prometheus samples for every node and VM) is built once; the time
measured is ``planner.plan_rebalance`` from that plain data to the finished plan (eligibility, load model,
cooldown, fit filters, convergence predictions, search), best of ``--rounds``, and then the HTML report of that
plan. The comparison with the descheduler's algorithm on the lab scenarios is bench/rebalance.py's job; this one
holds the planner to its 2 s budget.

Prints a table and writes bench/results/rebalance_plan.json.
Usage: .venv/bin/python bench/rebalance_plan.py [--nodes N] [--vms N] [--rounds N] [--seed N]
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "unit"))
sys.path.insert(0, os.path.join(TOP, "tests", "unit", "plugins", "module_utils", "balance"))

import balance_snapshot  # noqa: E402
from _measure import print_targets, write_result  # noqa: E402

from ansible_collections.workload.availability.plugins.module_utils.balance import planner  # noqa: E402
from ansible_collections.workload.availability.plugins.module_utils.balance import report_html  # noqa: E402

TARGET_SECONDS = 2.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--vms", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    snapshot = balance_snapshot.cluster(balance_snapshot.synthetic_layout(args.nodes, args.vms, seed=args.seed))
    built = time.perf_counter() - started
    settings = balance_snapshot.settings(max_migrations=10)
    timings, plan = [], None
    for _ in range(args.rounds):
        started = time.perf_counter()
        plan = planner.plan_rebalance(snapshot, settings)
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    html = report_html.render(plan)
    report_seconds = time.perf_counter() - started
    best = min(timings)
    print("rebalance planning: %d nodes, %d VMs (snapshot built in %.1f s)" % (args.nodes, args.vms, built))
    print_targets([
        ("plan seconds (best of %d)" % args.rounds, "%.3f" % best, "< %.1f" % TARGET_SECONDS, best < TARGET_SECONDS),
        ("moves planned", str(len(plan["moves"])), "-", True),
        ("combined stddev before", "%.4f" % plan["imbalance"]["before"]["combined"]["stddev"], "-", True),
        ("combined stddev predicted", "%.4f" % plan["imbalance"]["predicted"]["combined"]["stddev"], "-", True),
        ("HTML report seconds", "%.3f" % report_seconds, "-", True),
    ])
    print("stopped: %s" % plan["stop_reason"])
    write_result(os.path.join(HERE, "results", "rebalance_plan.json"), {
        "nodes": args.nodes, "vms": args.vms, "plan_seconds": best, "plan_seconds_all": timings,
        "target_seconds": TARGET_SECONDS, "moves": len(plan["moves"]), "report_seconds": report_seconds,
        "report_bytes": len(html), "imbalance_before": plan["imbalance"]["before"]["combined"],
        "imbalance_predicted": plan["imbalance"]["predicted"]["combined"], "stop_reason": plan["stop_reason"]})
    return 0 if best < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
