#!/usr/bin/env python3
"""`make demo`: start a lab, run playbooks/demo.yml against it, print its report, stop the lab (also on failure);
then the rebalance round on a second lab of the hotspot scenario, ending with the HTML report's path.

Usage: demo.py [--workdir .lab/demo] [--no-rebalance] [lab up options after --, e.g. -- --scenario small --seed 3]
"""

import argparse
import os
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)


def lab(command, workdir, *extra):
    return subprocess.call([sys.executable, "-m", "lab", command, "--workdir", workdir] + list(extra), cwd=TOP)


def play(workdir, lab_args, outputs, *extra_vars):
    """A fresh lab in ``workdir`` (``lab up`` options ``lab_args``), playbooks/demo.yml against it with the extra
    vars, the lab stopped again (also on failure); returns ansible-playbook's exit code (1 when the lab did not
    start). ``outputs``: files the run writes, removed first so a failed run cannot show a stale one."""
    lab("down", workdir)  # a lab left over from an interrupted demo
    if lab("up", workdir, *lab_args) != 0:
        print("demo: the lab did not start (see %s/lab.log)" % workdir, file=sys.stderr)
        return 1
    try:
        for stale in outputs:
            if os.path.exists(stale):
                os.unlink(stale)
        extra = [arg for value in extra_vars for arg in ("-e", value)]
        return subprocess.call(
            [os.path.join(BIN, "ansible-playbook"), "-i", os.path.join(workdir, "inventory.yml"),
             os.path.join(TOP, "playbooks", "demo.yml")] + extra,
            cwd=TOP, env=dict(os.environ, ANSIBLE_RETRY_FILES_ENABLED="0"))
    finally:
        lab("down", workdir)


def show(report):
    print()
    with open(report) as handle:
        print(handle.read())


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default=os.path.join(TOP, ".lab", "demo"))
    parser.add_argument("--venv", help="ignored; the interpreter running this script is the venv's")
    parser.add_argument("--no-rebalance", action="store_true", help="skip the rebalance round")
    parser.add_argument("lab_args", nargs="*")
    args = parser.parse_args(argv)
    workdir = os.path.abspath(args.workdir)
    report = os.path.join(workdir, "demo-report.txt")
    started = time.monotonic()
    code = play(workdir, args.lab_args, [report], "demo_report_path=" + report)
    if code != 0 or not os.path.exists(report):
        print("demo: playbooks/demo.yml failed (exit %d)" % code, file=sys.stderr)
        return code or 1
    show(report)
    print("demo finished in %.1fs; report kept in %s" % (time.monotonic() - started, os.path.relpath(report, TOP)))
    return 0 if args.no_rebalance else rebalance_round(workdir + "-rebalance")


def rebalance_round(workdir):
    """The rebalance round: a hotspot lab, playbooks/demo.yml with only that round, its report and the HTML path."""
    started = time.monotonic()
    report = os.path.join(workdir, "demo-report.txt")
    html = os.path.join(workdir, "rebalance-report.html")
    code = play(workdir, ["--scenario", "hotspot"], [report, html], '{"demo_rounds": ["rebalance"]}',
                "demo_report_path=" + report, "demo_rebalance_report=" + html)
    if code != 0 or not os.path.exists(html):
        print("demo: the rebalance round failed (exit %d)" % code, file=sys.stderr)
        return code or 1
    show(report)
    print("rebalance round finished in %.1fs; open the HTML report: %s" % (time.monotonic() - started, html))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
