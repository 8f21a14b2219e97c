# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.workload.availability.plugins.module_utils.core.options import BMC_SUBOPTIONS
from ansible_collections.workload.availability.plugins.module_utils.fencing.options import input_errors


def params(**overrides):
    base = {"name": "w1", "action": None, "force": False, "remediation": "out_of_service_taint", "wait_timeout": 300,
            "lease_duration": 3600, "bmc": None, "bmc_from": "auto", "agent": None, "parameters": None,
            "node_parameters": None, "secret": None, "node_secret": None}
    base.update(overrides)
    return base


def test_valid_options_have_no_problems():
    assert input_errors(params(
        agent="fence_redfish", parameters={"--ip": "{{.NodeName}}.bmc"}, secret="ns/creds",
        bmc={"timeout": 5, "retries": 0, "retry_interval": 0.5, "power_timeout": 30})) == []


@pytest.mark.parametrize("overrides, fragment", [
    ({"wait_timeout": 0}, "wait_timeout must be at least 1"),
    ({"lease_duration": 59}, "lease_duration must be at least 60 seconds"),
    ({"bmc": {"timeout": 0}}, "bmc.timeout must be at least 1"),
    ({"bmc": {"retries": -1}}, "bmc.retries must be at least 0"),
    ({"bmc": {"power_timeout": 0}}, "bmc.power_timeout must be at least 1"),
    ({"bmc": {"retry_interval": -1.0}}, "bmc.retry_interval must not be negative"),
    ({"agent": "fence_redfish", "parameters": {"ip": "x"}}, "e.g. --ip"),
    ({"agent": "fence_redfish", "node_parameters": {"ip": {"w1": "x"}}}, "node_parameters key 'ip'"),
    ({"secret": "creds"}, "secret must be namespace/name"),
    ({"node_secret": "a/b/c"}, "node_secret must be namespace/name"),
    ({"bmc_from": "parameters"}, "bmc_from=parameters needs agent"),
])
def test_bad_input_names_the_option_and_the_fix(overrides, fragment):
    problems = input_errors(params(**overrides))
    assert len(problems) == 1 and fragment in problems[0]


def test_password_option_is_no_log_with_an_environment_fallback():
    password = BMC_SUBOPTIONS["password"]
    assert password["no_log"] is True
    assert password["fallback"][1] == ["BMC_PASSWORD"]
    assert BMC_SUBOPTIONS["username"]["fallback"][1] == ["BMC_USERNAME"]
