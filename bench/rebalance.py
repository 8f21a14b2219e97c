"""Benchmark: rebalance_vms against the descheduler's KubeVirtRelieveAndMigrate algorithm, on the same simulated
clusters from one run, with the lab's realistic timings and migration model (bench/_rebalance_sim.py).

Scenarios (the lab's scenario data, seed 0), 20 cycles of 60 s each (the profile's documented descheduling
interval; ours runs as often), after a minute of metrics:

- hotspot: 14 busy VMs on worker-0 of four workers;
- mixed-sizes: 144 VMs of 1 core / 1 GiB and one of 16 cores / 64 GiB on four workers (48 cores, 256 GiB), placed
  by the scheduler;
- post-maintenance: 40 VMs (2 cores, 4 GiB) spread over three workers while worker-0 was drained, worker-0 back
  and empty;
- balanced-noisy: 36 VMs spread evenly, all noisy around the same mean (a good rebalancer leaves it alone).

Figures per scenario, ours and the baseline's side by side with the ratio ours/baseline: final coefficient of
variation and max - min of node CPU utilization and of the combined load (rebalance_vms's score), migrations
started and failed, GiB sent, VMs moved more than once, A -> B -> A returns, the last cycle that moved anything,
and the CPU coefficient of variation removed per migration.
Then the time one planning pass takes on the lab's large scenario (500 nodes, 10,000 VMs), both algorithms on the
same cluster. The goals of the issue are checked at the end.

Prints the tables and writes bench/results/rebalance.json.
Usage: .venv/bin/python bench/rebalance.py [--cycles 20] [--seed 0] [--skip-large] [--set OPTION=VALUE ...]
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, TOP)

from _measure import print_targets, write_result  # noqa: E402
from _rebalance_sim import GIB, MODEL, Cluster, measures  # noqa: E402
from _rebalancers import Descheduler, Ours, snapshot  # noqa: E402

from ansible_collections.workload.availability.plugins.module_utils.balance import load as load_model  # noqa: E402
from ansible_collections.workload.availability.plugins.module_utils.balance import options  # noqa: E402
from ansible_collections.workload.availability.plugins.module_utils.balance import planner  # noqa: E402

CYCLE_SECONDS = 60.0
PLAN_TARGET_SECONDS = 2.0


def mixed_sizes_entries():
    small = [{"name": "vm-%03d" % (i + 1), "cpu": 1, "memory_bytes": GIB} for i in range(144)]
    return small + [{"name": "vm-big", "cpu": 16, "memory_bytes": 64 * GIB, "load_profile": "steady"}]


def post_maintenance_entries():
    workers = ["worker-1", "worker-2", "worker-3"]
    return [{"name": "vm-%02d" % (i + 1), "cpu": 2, "memory_bytes": 4 * GIB, "node": workers[i % 3],
             "load_profile": ("steady", "diurnal")[i % 2]} for i in range(40)]


SCENARIOS = (
    ("hotspot", lambda seed: Cluster("hotspot", seed)),
    ("mixed-sizes", lambda seed: Cluster("mixed-sizes", seed, entries=mixed_sizes_entries())),
    ("post-maintenance", lambda seed: Cluster("hotspot", seed, entries=post_maintenance_entries())),
    ("balanced-noisy", lambda seed: Cluster("balanced-noisy", seed)),
)


def settings(overrides=None):
    """rebalance_vms's settings: its defaults, or with ``overrides`` ({option: value}) to weigh other defaults."""
    return options.settings_from_params(options.rebalance_params(prometheus={"url": "http://prometheus.invalid"},
                                                                 **(overrides or {})))


def option(text):
    name, _sep, value = text.partition("=")
    try:
        return name, float(value) if "." in value else int(value)
    except ValueError:
        return name, value


def imbalance(cluster):
    loads = dict((name, load) for name, load in cluster.node_loads().items() if cluster.nodes[name].worker)
    cpu = measures([load["cpu"] for load in loads.values()])
    combined = measures([load_model.node_loads({
        "util": {"cpu": load["cpu"], "memory": load["memory"]},
        "pressure": {"cpu": load["cpu_psi"], "memory": load["memory_psi"]}})["combined"] for load in loads.values()])
    return {"cpu_cv": round(cpu["cv"], 4), "cpu_spread": round(cpu["spread"], 4),
            "combined_cv": round(combined["cv"], 4), "combined_spread": round(combined["spread"], 4)}


def run(make, rebalancer, seed, cycles):
    cluster = make(seed)
    cluster.advance(CYCLE_SECONDS)
    start = imbalance(cluster)
    last_active = 0
    for number in range(1, cycles + 1):
        before = len(cluster.history) + len(cluster.active)
        rebalancer.cycle(cluster)
        if len(cluster.history) + len(cluster.active) > before:
            last_active = number
        cluster.advance(CYCLE_SECONDS)
    cluster.settle()
    figures = dict(cluster.counts(), **imbalance(cluster))
    removed = start["cpu_cv"] - figures["cpu_cv"]
    figures.update(start={"cpu_cv": start["cpu_cv"], "combined_cv": start["combined_cv"]},
                   last_cycle_with_a_move=last_active,
                   cv_removed_per_migration=round(removed / figures["started"], 4) if figures["started"] else 0.0)
    return figures


def ratio(ours, theirs):
    if theirs == 0:
        return "-" if ours == 0 else "inf"
    return "%.2f" % (float(ours) / theirs)


ROWS = (("final CPU CV", "cpu_cv"), ("final CPU max-min", "cpu_spread"), ("final combined CV", "combined_cv"),
        ("final combined max-min", "combined_spread"), ("migrations started", "started"),
        ("migrations failed", "failed"), ("GiB sent", "gib_sent"),
        ("VMs moved more than once", "vms_moved_more_than_once"), ("A->B->A returns", "ping_pong"),
        ("last cycle with a move", "last_cycle_with_a_move"), ("CPU CV removed per migration",
                                                              "cv_removed_per_migration"))


def print_scenario(name, ours, theirs):
    print("\n%s (CPU CV at start %.3f, combined CV %.3f)" % (name, ours["start"]["cpu_cv"],
                                                            ours["start"]["combined_cv"]))
    print("%-26s %14s %14s %8s" % ("figure", "rebalance_vms", "descheduler", "ratio"))
    for label, key in ROWS:
        print("%-26s %14s %14s %8s" % (label, ours[key], theirs[key], ratio(ours[key], theirs[key])))


def planning_time(rounds, overrides):
    """Seconds one planning pass takes on the lab's large scenario: ours from the snapshot, the baseline from the
    same cluster's metrics (both without the reads, which are I/O)."""
    cluster = Cluster("large", 0)
    cluster.advance(CYCLE_SECONDS)
    data = snapshot(cluster)
    config = settings(overrides)
    ours, theirs, moves = [], [], 0
    for _round in range(rounds):
        started = time.perf_counter()
        plan = planner.plan_rebalance(data, config)
        ours.append(time.perf_counter() - started)
        moves = len(plan["moves"])
        trial = Cluster.__new__(Cluster)
        trial.__dict__.update(cluster.__dict__, active=[], history=[])
        started = time.perf_counter()
        Descheduler().cycle(trial)
        theirs.append(time.perf_counter() - started)
    return {"nodes": len(cluster.nodes), "vms": len(cluster.vms), "ours_seconds": round(min(ours), 3),
            "baseline_seconds": round(min(theirs), 3), "moves_planned": moves}


def goals(results, plan_time):
    rows = []
    for name, pair in results.items():
        ours, theirs = pair["ours"], pair["baseline"]
        rows.append(("%s: final CPU CV no worse" % name, "%.3f" % ours["cpu_cv"], "<= %.3f" % theirs["cpu_cv"],
                     ours["cpu_cv"] <= theirs["cpu_cv"] + 1e-9))
        if theirs["started"]:
            rows.append(("%s: at most half the migrations" % name, str(ours["started"]),
                         "<= %d" % (theirs["started"] // 2), ours["started"] <= theirs["started"] / 2.0))
        rows.append(("%s: no failed migration" % name, str(ours["failed"]), "0", ours["failed"] == 0))
    noisy = results["balanced-noisy"]["ours"]
    rows.append(("balanced-noisy: moves", str(noisy["started"]), "0", noisy["started"] == 0))
    mixed = results["mixed-sizes"]["ours"]
    rows.append(("mixed-sizes: settled (no move in the last 5 cycles)", str(mixed["last_cycle_with_a_move"]),
                 "<= 15", mixed["last_cycle_with_a_move"] <= 15))
    rows.append(("planning 500 nodes / 10,000 VMs, s", "%.3f" % plan_time["ours_seconds"],
                 "< %.1f" % PLAN_TARGET_SECONDS, plan_time["ours_seconds"] < PLAN_TARGET_SECONDS))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-large", action="store_true", help="leave out the 500-node planning time")
    parser.add_argument("--set", type=option, action="append", default=[], metavar="OPTION=VALUE",
                        help="a rebalance_vms option other than its default (e.g. min_gain=0.2)")
    args = parser.parse_args()
    overrides = dict(args.set)
    print("migration model: %s" % MODEL)
    results = {}
    for name, make in SCENARIOS:
        started = time.monotonic()
        ours = run(make, Ours(settings(overrides)), args.seed, args.cycles)
        theirs = run(make, Descheduler(), args.seed, args.cycles)
        results[name] = {"ours": ours, "baseline": theirs, "seconds": round(time.monotonic() - started, 1)}
        print_scenario(name, ours, theirs)
    plan_time = None if args.skip_large else planning_time(args.rounds, overrides)
    if plan_time:
        print("\nplanning one pass on %d nodes / %d VMs: rebalance_vms %.3f s, descheduler %.3f s (ratio %s); "
              "%d moves planned" % (plan_time["nodes"], plan_time["vms"], plan_time["ours_seconds"],
                                    plan_time["baseline_seconds"],
                                    ratio(plan_time["ours_seconds"], plan_time["baseline_seconds"]),
                                    plan_time["moves_planned"]))
    rows = goals(results, plan_time or {"ours_seconds": 0.0})
    print("\ngoals")
    print_targets(rows)
    write_result(os.path.join(HERE, "results", "rebalance.json"), {
        "model": MODEL, "options": overrides, "cycles": args.cycles, "cycle_seconds": CYCLE_SECONDS, "seed": args.seed,
        "scenarios": results, "planning": plan_time,
        "goals": [{"goal": r[0], "ours": r[1], "target": r[2], "met": r[3]} for r in rows]})
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
