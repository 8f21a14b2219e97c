# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AvailabilityModule as a module process sees it: arguments in, one JSON result out."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import uuid

import kubernetes
import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.workload.availability.plugins.module_utils.core import kinds
from ansible_collections.workload.availability.plugins.module_utils.core.errors import AvailabilityError
from ansible_collections.workload.availability.plugins.module_utils.core.module import AvailabilityModule, one_line
from ansible_collections.workload.availability.plugins.module_utils.core.workflow import Outcome

from lab.testing import running_lab


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


# -- running a workflow: one place turns every AvailabilityError into fail_json ---------------------------------

@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with running_lab(tmp_path_factory.mktemp("module-base"), bmc=False) as started:
        yield started


def configmap(name):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"},
            "data": {"a": "1"}}


def run_workflow(capsys, lab, workflow, check_mode=False):
    kubernetes.client.Configuration.set_default(None)
    args = {"name": "x", "kubeconfig": lab.kubeconfig_path, "_ansible_check_mode": check_mode}
    return run(capsys, args, lambda module: module.run(workflow, {"name": module.params["name"]}))


def test_a_workflow_outcome_becomes_the_result(capsys, lab):
    def workflow(ctx, params):
        ctx.event("looked", node=params["name"])
        ctx.hide(["s3cret-value"])
        return Outcome(True, "did it", {"detail": "s3cret-value is hidden"})

    result = run_workflow(capsys, lab, workflow)
    assert result["changed"] is True and result["msg"] == "did it"
    assert result["detail"] == "******** is hidden" and "s3cret-value" not in json.dumps(result)
    assert [e["event"] for e in result["timeline"]] == ["looked"]


def test_a_failure_after_a_write_reports_changed_and_the_partial_result(capsys, lab):
    def workflow(ctx, params):
        ctx.cluster.create(kinds.CONFIGMAP, configmap("written-" + uuid.uuid4().hex[:8]))
        raise AvailabilityError("stopped half-way", {"done": ["configmap"]})

    result = run_workflow(capsys, lab, workflow)
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"] == "stopped half-way" and result["done"] == ["configmap"]
    assert result["api_requests"] == 1


def test_a_dry_run_write_is_no_change(capsys, lab):
    def workflow(ctx, params):
        ctx.cluster.create(kinds.CONFIGMAP, configmap("dry-" + uuid.uuid4().hex[:8]))
        raise AvailabilityError("refused")

    result = run_workflow(capsys, lab, workflow, check_mode=True)
    assert result["failed"] is True and result["changed"] is False


def test_a_cluster_error_fails_with_its_details(capsys, lab):
    def workflow(ctx, params):
        ctx.cluster.create(kinds.CONFIGMAP, configmap("Not A Valid Name"))

    result = run_workflow(capsys, lab, workflow)
    assert result["failed"] is True and result["changed"] is False
    assert result["error"]["status"] == 422 and result["error"]["verb"] == "create"
    assert result["msg"].startswith("create ConfigMap default/Not A Valid Name: HTTP 422")


def test_the_workflow_may_say_it_changed_something_the_cluster_did_not_see(capsys, lab):
    def workflow(ctx, params):
        raise AvailabilityError("power-off sent, then the BMC stopped answering", {"changed": True})

    assert run_workflow(capsys, lab, workflow)["changed"] is True
