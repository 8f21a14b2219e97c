# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared option specs, the one validator of minimums and complete params for in-process workflows."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.workload.availability.plugins.module_utils.core import options
from ansible_collections.workload.availability.plugins.module_utils.fencing import options as fence_options
from ansible_collections.workload.availability.plugins.module_utils.maintenance import options as maintenance_options


@pytest.mark.parametrize("value, expected", [
    ({"wait_timeout": 0}, ["wait_timeout must be at least 1 second, got 0"]),
    ({"lease_duration": 30}, ["lease_duration must be at least 60 seconds, got 30"]),
    ({"bmc": {"retries": -1}}, ["bmc.retries must be at least 0, got -1"]),
    ({"bmc": {"retry_interval": -0.5}}, ["bmc.retry_interval must not be negative, got -0.5"]),
    ({"bmc": None, "wait_timeout": None}, []),
    ({"wait_timeout": 1, "lease_duration": 60, "bmc": {"retries": 0, "retry_interval": 0.0}}, []),
])
def test_minimum_errors_name_the_option_and_the_bound(value, expected):
    minimums = options.WAIT_MINIMUMS + options.LEASE_MINIMUMS + options.BMC_MINIMUMS
    assert options.minimum_errors(value, minimums) == expected


def test_both_lease_holders_refuse_the_same_short_lease():
    fence = fence_options.input_errors(fence_options.fence_params(name="w1", lease_duration=59))
    maintenance = maintenance_options.input_errors(maintenance_options.maintenance_params(name="w1",
                                                                                          lease_duration=59))
    assert fence == maintenance == ["lease_duration must be at least 60 seconds, got 59"]


def test_with_defaults_fills_options_and_suboptions_like_ansible():
    params = fence_options.fence_params(name="w1", bmc={"address": "bmc.example"})
    assert params["remediation"] == "out_of_service_taint" and params["wait_timeout"] == 300
    assert params["bmc"]["address"] == "bmc.example" and params["bmc"]["timeout"] == 10
    assert params["bmc"]["password"] is None and params["agent"] is None
    assert maintenance_options.maintenance_params(name="w1")["delete_options"] == {
        "terminate_grace_period": None, "force": False, "delete_emptydir_data": False}
    with pytest.raises(ValueError):
        fence_options.fence_params(name="w1", bogus=1)


def test_merged_specs_are_copies():
    spec = options.merged(options.WAIT_ARG_SPEC, options.BMC_ARG_SPEC)
    spec["bmc"]["options"]["timeout"]["default"] = 99
    assert options.BMC_SUBOPTIONS["timeout"]["default"] == 10
