# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AvailabilityModule as a module process sees it: arguments in, one JSON result out."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.workload.availability.plugins.module_utils.core.module import AvailabilityModule, one_line


def run(capsys, args, body):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            body(AvailabilityModule({"name": {"type": "str"}}))
    return json.loads(capsys.readouterr().out)


def test_exit_adds_timeline_requests_and_one_line_msg(capsys):
    def body(module):
        module.event("looked", node="w0")
        module.exit(True, "done\n  with\ttwo lines", detail={"a": 1})

    result = run(capsys, {"name": "x"}, body)
    assert result["changed"] is True
    assert result["msg"] == "done with two lines"
    assert result["detail"] == {"a": 1}
    assert result["api_requests"] == 0
    assert [entry["event"] for entry in result["timeline"]] == ["looked"]
    assert result["timeline"][0]["node"] == "w0"


def test_fail_keeps_partial_results(capsys):
    def body(module):
        module.event("cordoned")
        module.fail("drain stopped: pod p refused", changed=True, done=["cordon"], left=["drain"])

    result = run(capsys, {}, body)
    assert result["failed"] is True and result["changed"] is True
    assert result["done"] == ["cordon"] and result["left"] == ["drain"]
    assert result["timeline"][0]["event"] == "cordoned"


def test_auth_and_api_options_are_accepted(capsys):
    def body(module):
        module.exit(False, "ok", seen=[module.params["host"], module.params["api_retries"], module.params["api_timeout"],
                                       module.params["validate_certs"]])

    result = run(capsys, {"host": "https://api.example:6443", "api_key": "secret-token", "verify_ssl": False,
                          "api_retries": 2}, body)
    assert result["seen"] == ["https://api.example:6443", 2, 30, False]


def test_api_retries_below_one_is_refused(capsys):
    result = run(capsys, {"api_retries": 0}, lambda module: module.exit(False, "not reached"))
    assert result["failed"] is True and "api_retries" in result["msg"]


def test_one_line():
    assert one_line("a\n b\r\n\tc ") == "a b c"
