# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AvailabilityModule: the base every module of this collection is built on (shell, the only Ansible-facing part).

It adds the kubernetes.core auth options and our API options to the argument spec, builds the cluster adapter
on first use, keeps the timeline, runs a workflow with a Context (core/workflow.py), and makes every result carry
changed, a one-line msg, timeline and api_requests. Any AvailabilityError becomes fail_json here and only here
(fail_from_exception), with ``changed`` true as soon as the run wrote anything.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.workload.availability.plugins.module_utils.core import options
from ansible_collections.workload.availability.plugins.module_utils.core.cluster import Cluster
from ansible_collections.workload.availability.plugins.module_utils.core.errors import AvailabilityError
from ansible_collections.workload.availability.plugins.module_utils.core.retry import RetryPolicy
from ansible_collections.workload.availability.plugins.module_utils.core.timeline import Timeline
from ansible_collections.workload.availability.plugins.module_utils.core.transport import (
    HAS_KUBERNETES,
    KUBERNETES_IMPORT_ERROR,
)
from ansible_collections.workload.availability.plugins.module_utils.core.workflow import Context


def one_line(text):
    """Results must carry a one-line msg; multi-line causes stay in structured fields."""
    return " ".join(str(text).split())


class AvailabilityModule:
    def __init__(self, argument_spec, supports_check_mode=True, needs_cluster=True, **kwargs):
        spec = options.merged(options.AUTH_ARG_SPEC, options.API_ARG_SPEC) if needs_cluster else {}
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=supports_check_mode, **kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.timeline = Timeline()
        self.name = self.module._name.rpartition(".")[2]
        self._cluster = None
        if needs_cluster and not HAS_KUBERNETES:
            self.module.fail_json(msg=missing_required_lib("kubernetes"), exception=KUBERNETES_IMPORT_ERROR)
        problems = options.minimum_errors(self.params, options.API_MINIMUMS) if needs_cluster else []
        if problems:
            self.module.fail_json(msg=problems[0])

    @property
    def cluster(self):
        if self._cluster is None:
            self._cluster = Cluster(
                self.params, self.name, retry=RetryPolicy(attempts=self.params["api_retries"]),
                check_mode=self.check_mode, request_timeout=self.params["api_timeout"])
        return self._cluster

    @property
    def api_requests(self):
        return self._cluster.requests if self._cluster is not None else 0

    def event(self, what, **details):
        return self.timeline.add(what, **details)

    def context(self, **extra):
        """The workflow Context of this run: our cluster, timeline, check mode, and no_log_values as the secret
        sink."""
        return Context(self.cluster, self.timeline, check_mode=self.check_mode, secrets=self.module.no_log_values,
                       **extra)

    def run(self, workflow, params, **extra):
        """Run ``workflow(ctx, params)`` and exit with its Outcome, or fail with the AvailabilityError it raised."""
        try:
            outcome = workflow(self.context(**extra), params)
        except AvailabilityError as exc:
            self.fail_from_exception(exc)
        self.exit(outcome.changed, outcome.msg, **outcome.result)

    def fail_from_exception(self, exc):
        """Fail with the error's msg and partial result; changed when the workflow says so or anything was
        written to the cluster before it stopped."""
        result = dict(exc.result)
        wrote = self._cluster is not None and self._cluster.writes > 0
        self.fail(exc.msg, changed=bool(result.pop("changed", False)) or wrote, **result)

    def fail_on(self, problems, prefix="", **result):
        """Fail before anything is read or changed when the options have problems (a list of messages)."""
        if problems:
            self.fail(prefix + "; ".join(problems), **result)

    def _result(self, msg, result):
        result = dict(result)
        result["msg"] = one_line(msg)
        result["timeline"] = self.timeline.entries()
        result["api_requests"] = self.api_requests
        return result

    def exit(self, changed, msg, **result):
        result["changed"] = changed
        self.module.exit_json(**self._result(msg, result))

    def fail(self, msg, **result):
        """Fail with whatever was done so far (pass it in result) so the user sees what is left."""
        result.setdefault("changed", False)
        self.module.fail_json(**self._result(msg, result))
