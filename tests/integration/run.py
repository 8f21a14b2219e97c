#!/usr/bin/env python
"""Run the integration targets: real ansible-playbook runs against a fresh lab per target.

Layout: tests/integration/targets/<target>/, one of two kinds:
  playbook targets
    *.yml        playbooks, run in name order with -i <lab>/inventory.yml (hosts: localhost; the inventory gives
                 lab_kubeconfig, lab_api_url, lab_api_token and the components' variables, e.g. the BMCs);
                 tasks/, files/ and other subdirectories are theirs to include
    lab_args     optional: one line of extra `python -m lab up` options (e.g. --scenario small --seed 3)
  pytest targets (a test_*.py file present)
    test_*.py    pytest drivers that start their own labs (lab.testing) and run ansible-playbook through
                 playbook_runner.py (tests/integration/conftest.py makes both importable)
  aliases        optional: a line `disabled` skips the target (reported)

Usage: run.py [TARGET ...] [--jobs N] [--keep-labs]
Each target gets its own lab in .lab/integration/<target>; its output goes to that directory's ansible.log and
is printed when the target fails. The last line is `STAGE-COUNTS: ...` for tools/stages.py.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
TARGETS = os.path.join(HERE, "targets")
WORK = os.path.join(TOP, ".lab", "integration")
BIN = os.path.dirname(sys.executable)
PYTEST_SUMMARY = re.compile(r"\d+ (passed|failed|error)")


class Result:
    def __init__(self, target):
        self.target = target
        self.status = "passed"
        self.playbooks = 0
        self.seconds = 0.0
        self.detail = ""
        self.detail_line = ""
        self.tests = 0


def discover(names):
    """(target, playbooks, lab_args, disabled) for each requested target, or all of them; playbooks is None for a
    pytest target."""
    available = sorted(name for name in os.listdir(TARGETS) if os.path.isdir(os.path.join(TARGETS, name))) \
        if os.path.isdir(TARGETS) else []
    unknown = [name for name in names if name not in available]
    if unknown:
        raise SystemExit("unknown integration target(s): %s (have: %s)" % (", ".join(unknown), ", ".join(available)))
    found = []
    for name in names or available:
        directory = os.path.join(TARGETS, name)
        files = sorted(os.listdir(directory))
        if any(f.startswith("test_") and f.endswith(".py") for f in files):
            playbooks = None
        else:
            playbooks = [os.path.join(directory, f) for f in files if f.endswith((".yml", ".yaml"))]
        lab_args = shlex.split(_read(os.path.join(directory, "lab_args")))
        disabled = "disabled" in _read(os.path.join(directory, "aliases")).split()
        found.append((name, playbooks, lab_args, disabled))
    return found


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""


def _lab(command, workdir, extra=()):
    return subprocess.run([sys.executable, "-m", "lab", command, "--workdir", workdir] + list(extra), cwd=TOP,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)


def run_pytest_target(name):
    result = Result(name)
    started = time.monotonic()
    workdir = os.path.join(WORK, name)
    os.makedirs(workdir, exist_ok=True)
    log_path = os.path.join(workdir, "pytest.log")
    with open(log_path, "w") as log:
        code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                os.path.join(TARGETS, name)], cwd=TOP, stdout=log, stderr=subprocess.STDOUT)
    output = _read(log_path)
    summary = [line for line in output.splitlines() if PYTEST_SUMMARY.search(line)]
    result.detail_line = summary[-1].strip("= ") if summary else ""
    result.tests = sum(int(n) for n in re.findall(r"(\d+) (?:passed|failed|error)", result.detail_line))
    if code != 0:
        result.status, result.detail = "FAILED", "pytest exited %d:\n%s" % (code, output)
    result.seconds = time.monotonic() - started
    return result


def run_target(name, playbooks, lab_args, keep_lab):
    if playbooks is None:
        return run_pytest_target(name)
    result = Result(name)
    started = time.monotonic()
    workdir = os.path.join(WORK, name)
    os.makedirs(workdir, exist_ok=True)
    log_path = os.path.join(workdir, "ansible.log")
    if not playbooks:
        result.status, result.detail = "FAILED", "no playbooks in the target"
        return result
    up = _lab("up", workdir, lab_args)
    try:
        if up.returncode != 0:
            result.status, result.detail = "FAILED", "lab did not start:\n" + up.stdout
            return result
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0",
                   ANSIBLE_LOCAL_TEMP=os.path.join(workdir, "tmp"), PYTHONPATH=TOP)
        with open(log_path, "w") as log:
            for playbook in playbooks:
                log.write("### %s\n" % os.path.relpath(playbook, TOP))
                log.flush()
                code = subprocess.call(
                    [os.path.join(BIN, "ansible-playbook"), "-i", os.path.join(workdir, "inventory.yml"), playbook],
                    cwd=TOP, env=env, stdout=log, stderr=subprocess.STDOUT)
                result.playbooks += 1
                if code != 0:
                    result.status = "FAILED"
                    result.detail = "%s exited %d:\n%s" % (os.path.basename(playbook), code, _read(log_path))
                    break
    finally:
        if not keep_lab:
            _lab("down", workdir)
        result.seconds = time.monotonic() - started
    return result


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("INTEGRATION_JOBS", "2")))
    parser.add_argument("--keep-labs", action="store_true", help="leave each target's lab running")
    args = parser.parse_args(argv)
    targets = discover(args.targets)
    skipped = [name for name, _p, _a, disabled in targets if disabled]
    runnable = [(name, playbooks, lab_args) for name, playbooks, lab_args, disabled in targets if not disabled]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_target, name, playbooks, lab_args, args.keep_labs)
                   for name, playbooks, lab_args in runnable]
        results = []
        for future in futures:
            result = future.result()
            results.append(result)
            what = "%d playbook(s)" % result.playbooks if result.playbooks else "pytest: " + result.detail_line
            print("%-28s %-7s %6.1fs  %s" % (result.target, result.status, result.seconds, what), flush=True)
            if result.detail:
                print(result.detail, flush=True)
    for name in skipped:
        print("%-40s skipped (aliases: disabled)" % name)
    failed = [r for r in results if r.status != "passed"]
    print("STAGE-COUNTS: %d targets (%d playbooks, %d pytest tests), %d failed, %d skipped" % (
        len(results), sum(r.playbooks for r in results), sum(r.tests for r in results), len(failed), len(skipped)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
