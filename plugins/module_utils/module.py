# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AvailabilityModule: the base every module of this collection is built on.

It adds the kubernetes.core auth options and our API options to the argument spec, builds the cluster adapter
on first use, keeps the timeline, and makes every result carry changed, a one-line msg, timeline and api_requests.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.workload.availability.plugins.module_utils.cluster import (
    AUTH_ARG_SPEC,
    HAS_KUBERNETES,
    KUBERNETES_IMPORT_ERROR,
    Cluster,
)
from ansible_collections.workload.availability.plugins.module_utils.retry import RetryPolicy
from ansible_collections.workload.availability.plugins.module_utils.timeline import Timeline

# Documented in the workload.availability.cluster doc fragment.
API_ARG_SPEC = {
    "api_retries": {"type": "int", "default": 5},
    "api_timeout": {"type": "int", "default": 30},
}


def one_line(text):
    """Results must carry a one-line msg; multi-line causes stay in structured fields."""
    return " ".join(str(text).split())


class AvailabilityModule:
    def __init__(self, argument_spec, supports_check_mode=True, needs_cluster=True, **kwargs):
        spec = copy.deepcopy(AUTH_ARG_SPEC) if needs_cluster else {}
        if needs_cluster:
            spec.update(copy.deepcopy(API_ARG_SPEC))
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=supports_check_mode, **kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.timeline = Timeline()
        self.name = self.module._name.rpartition(".")[2]
        self._cluster = None
        if needs_cluster and not HAS_KUBERNETES:
            self.module.fail_json(msg=missing_required_lib("kubernetes"), exception=KUBERNETES_IMPORT_ERROR)
        for option in ("api_retries", "api_timeout"):
            if needs_cluster and self.params[option] < 1:
                self.module.fail_json(msg="%s must be at least 1, got %s" % (option, self.params[option]))

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
