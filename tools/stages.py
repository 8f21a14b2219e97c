#!/usr/bin/env python3
"""Run test stages in order, stop at the first failing one, and end with one line per stage.

Usage: stages.py NAME=COMMAND [NAME=COMMAND ...]

Each command runs through the shell with its output shown as it comes; the output is also scanned for the
counts the tool prints (pytest's summary, ansible-test's sanity tests, ansible-lint's totals, or a line
`STAGE-COUNTS: ...` that our own runners print), so the summary can say what each stage checked.
pytest's exit status 5 ("no tests collected") is reported as an empty stage, not as a pass in disguise.
"""

import re
import subprocess
import sys
import time

PYTEST_SUMMARY = re.compile(r"^=+ (.*\d+ (?:passed|failed|error|errors|skipped|deselected|xfailed|xpassed)"
                            r"[^=]*?)(?: in [\d.]+s.*)? =+$")
PYTEST_QUIET_SUMMARY = re.compile(r"^(\d+ (?:passed|failed|error|errors|skipped)[^=]*?) in [\d.]+s")
SANITY_TEST = re.compile(r'^Running sanity test "([^"]+)"')
LINT_TOTALS = re.compile(r"^(Passed|Failed): (\d+) failure\(s\), (\d+) warning\(s\)(?: in| on) (\d+) files")
OWN_COUNTS = re.compile(r"^STAGE-COUNTS: (.*)$")
NO_TESTS_COLLECTED = 5


class Stage:
    def __init__(self, name, command):
        self.name = name
        self.command = command
        self.status = "not run"
        self.seconds = 0.0
        self.counts = ""


def describe_counts(lines):
    """The best description of what a stage checked, from its output lines (pure)."""
    own = pytest = lint = None
    sanity = []
    for line in lines:
        line = line.rstrip("\n")
        match = OWN_COUNTS.match(line)
        if match:
            own = match.group(1)
        match = PYTEST_SUMMARY.match(line) or PYTEST_QUIET_SUMMARY.match(line)
        if match:
            pytest = match.group(1).strip()
        match = SANITY_TEST.match(line)
        if match:
            sanity.append(match.group(1))
        match = LINT_TOTALS.match(line)
        if match:
            lint = "%s failure(s), %s warning(s), %s files" % match.group(2, 3, 4)
    if own:
        return own
    if pytest:
        return pytest
    if lint:
        return lint
    if sanity:
        return "%d sanity tests" % len(sanity)
    return ""


def _no_tests_collected(code, lines):
    """pytest's exit 5, seen directly or through make (which turns any failure into 2)."""
    tail = "".join(lines[-5:])
    return code in (NO_TESTS_COLLECTED, 2) and "no tests ran" in tail and "Error" not in tail.replace(
        "Error 5", "")


def run(stage):
    started = time.monotonic()
    print("==> stage %s: %s" % (stage.name, stage.command), flush=True)
    process = subprocess.Popen(stage.command, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True, bufsize=1)
    lines = []
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        lines.append(line)
    code = process.wait()
    stage.seconds = time.monotonic() - started
    stage.counts = describe_counts(lines)
    if code == 0:
        stage.status = "passed"
    elif code != 0 and _no_tests_collected(code, lines):
        stage.status = "empty"
        stage.counts = stage.counts or "no tests collected"
    else:
        stage.status = "FAILED (exit %d)" % code
    return code == 0 or stage.status == "empty"


def summary(stages):
    width = max(len(stage.name) for stage in stages)
    lines = ["", "stage summary:"]
    for stage in stages:
        lines.append("  %-*s  %-16s %7.1fs  %s" % (width, stage.name, stage.status, stage.seconds, stage.counts))
    lines.append("  %-*s  %-16s %7.1fs" % (width, "total", "", sum(stage.seconds for stage in stages)))
    return "\n".join(lines)


def parse(argv):
    stages = []
    for argument in argv:
        name, separator, command = argument.partition("=")
        if not separator or not name or not command:
            raise SystemExit("stage must be NAME=COMMAND, got %r" % argument)
        stages.append(Stage(name, command))
    if not stages:
        raise SystemExit(__doc__)
    return stages


def main(argv):
    stages = parse(argv)
    ok = True
    for stage in stages:
        if not run(stage):
            ok = False
            break
    print(summary(stages))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
