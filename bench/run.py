#!/usr/bin/env python
"""Run every benchmark bench/<name>.py, then summarise bench/results/*.json into bench/results/SUMMARY.md.

Each benchmark prints a table of our figures beside its peer's and writes bench/results/<name>.json; the summary
keeps each benchmark's printed table and the figures of its JSON (flattened to dotted keys).

Usage: run.py [NAME ...] [--summary-only]
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
TABLE_LINES = 40


def benchmarks():
    return sorted(name[:-3] for name in os.listdir(HERE)
                  if name.endswith(".py") and name != "run.py" and not name.startswith("_"))


def flatten(value, prefix=""):
    """[(dotted.key, scalar)] for every scalar in a JSON document (pure)."""
    if isinstance(value, dict):
        rows = []
        for key in sorted(value):
            rows += flatten(value[key], "%s.%s" % (prefix, key) if prefix else str(key))
        return rows
    if isinstance(value, list):
        if all(not isinstance(item, (dict, list)) for item in value):
            return [(prefix, ", ".join(str(item) for item in value))]
        rows = []
        for index, item in enumerate(value):
            rows += flatten(item, "%s[%d]" % (prefix, index))
        return rows
    return [(prefix, value)]


def run_one(name):
    started = time.monotonic()
    process = subprocess.run([sys.executable, os.path.join(HERE, name + ".py")], cwd=TOP, check=False,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    sys.stdout.write(process.stdout)
    return {"name": name, "code": process.returncode, "seconds": time.monotonic() - started,
            "output": process.stdout}


def summary(runs, names):
    lines = ["# Benchmark summary", "",
             "Generated %s by `make bench` (bench/run.py)." % datetime.datetime.now(datetime.timezone.utc).strftime(
                 "%Y-%m-%d %H:%M UTC"), ""]
    by_name = dict((run["name"], run) for run in runs)
    for name in names:
        lines += ["## %s" % name, ""]
        run = by_name.get(name)
        if run is not None:
            status = "passed" if run["code"] == 0 else "FAILED (exit %d)" % run["code"]
            lines += ["Run: %s in %.1f s." % (status, run["seconds"]), "", "```"]
            lines += run["output"].rstrip("\n").splitlines()[-TABLE_LINES:] + ["```", ""]
        path = os.path.join(RESULTS, name + ".json")
        if not os.path.exists(path):
            lines += ["No results (bench/results/%s.json missing)." % name, ""]
            continue
        with open(path) as handle:
            document = json.load(handle)
        lines += ["| figure | value |", "|---|---|"]
        lines += ["| %s | %s |" % (key, value) for key, value in flatten(document)]
        lines.append("")
    return "\n".join(lines)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--summary-only", action="store_true", help="do not run; summarise existing results")
    args = parser.parse_args(argv)
    names = args.names or benchmarks()
    unknown = sorted(set(names) - set(benchmarks()))
    if unknown:
        raise SystemExit("unknown benchmark(s): %s" % ", ".join(unknown))
    os.makedirs(RESULTS, exist_ok=True)
    runs = [] if args.summary_only else [run_one(name) for name in names]
    with open(os.path.join(RESULTS, "SUMMARY.md"), "w") as handle:
        handle.write(summary(runs, names))
    failed = [run["name"] for run in runs if run["code"] != 0]
    print("bench: %d run, %d failed%s; summary in bench/results/SUMMARY.md" % (
        len(runs), len(failed), (" (" + ", ".join(failed) + ")") if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
