# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stage runner behind `make test` (tools/stages.py): what it counts and when it stops."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = importlib.util.spec_from_file_location("stages", os.path.join(HERE, "..", "..", "..", "tools", "stages.py"))
stages = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(stages)


@pytest.mark.parametrize("lines, counts", [
    (["....\n", "======= 12 passed, 1 skipped in 3.20s =======\n"], "12 passed, 1 skipped"),
    (["276 passed in 111.30s (0:01:51)\n"], "276 passed"),
    (["1 failed, 443 passed, 1 warning in 204.70s (0:03:24)\n"], "1 failed, 443 passed, 1 warning"),
    (['Running sanity test "pep8"\n', 'Running sanity test "pylint"\n'], "2 sanity tests"),
    (["Passed: 0 failure(s), 1 warning(s) in 94 files processed of 114 encountered.\n"],
     "0 failure(s), 1 warning(s), 94 files"),
    (["STAGE-COUNTS: 4 targets (6 playbooks)\n", "3 passed in 1.0s\n"], "4 targets (6 playbooks)"),
    (["nothing countable\n"], ""),
])
def test_counts(lines, counts):
    assert stages.describe_counts(lines) == counts


def test_stops_at_first_failure_and_reports_every_stage(capsys):
    code = stages.main(["one=echo '3 passed in 0.1s'", "two=exit 3", "three=echo never"])
    out = capsys.readouterr().out
    assert code == 1
    assert "never" not in out.split("stage summary:")[0].split("==> stage two")[1]
    summary = out.split("stage summary:")[1].splitlines()
    assert summary[1].split()[:2] == ["one", "passed"] and summary[1].endswith("3 passed")
    assert summary[2].split()[:3] == ["two", "FAILED", "(exit"]
    assert summary[3].split()[:3] == ["three", "not", "run"]


def test_no_tests_collected_is_reported_as_empty_not_failed(capsys):
    code = stages.main(["lab-tests=echo 'no tests ran in 0.01s'; exit 5", "after=true"])
    summary = capsys.readouterr().out.split("stage summary:")[1]
    assert code == 0
    assert "empty" in summary and "no tests collected" in summary
    assert "after" in summary and "passed" in summary.split("after")[1]


def test_a_real_failure_with_exit_5_is_still_a_failure():
    stage = stages.Stage("x", "echo 'ERROR: collection failed'; exit 5")
    assert stages.run(stage) is False
    assert stage.status.startswith("FAILED")
