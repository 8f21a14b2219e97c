# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.workload.availability.plugins.module_utils.balance import options

from balance_snapshot import settings


def test_defaults():
    got = settings()
    assert got["thresholds"] == {"name": "AsymmetricLow", "low": 0.0, "high": 0.1, "deviation": True}
    assert (got["target_imbalance"], got["min_gain"], got["max_migrations"]) == (0.03, 0.1, 5)
    assert got["cooldown"] == {"base": 1800, "max": 21600, "window": 172800}
    assert got["exclude_namespaces"] == ["openshift-*", "kube-*", "hypershift"]
    assert got["link_bandwidth"] == 1.25e9 and got["stream_bandwidth"] == 1e9
    assert got["assumed_dirty_rate"] == 16 * 2 ** 20
    assert got["node_selector"] == ("kubevirt.io/schedulable=true", [("kubevirt.io/schedulable", "=", ["true"])])
    assert got["weights"] == {"cpu": 1.0, "memory": 1.0}
    assert settings(target_imbalance=0)["target_imbalance"] is None


@pytest.mark.parametrize("overrides, message", [
    ({"min_gain": 1.0}, "min_gain is a share from 0 to below 1"),
    ({"max_migrations": 0}, "max_migrations must be at least 1, got 0"),
    ({"cooldown": 600, "cooldown_max": 300}, "cooldown_max must be at least 600, got 300"),
    ({"link_bandwidth": "fast"}, "link_bandwidth must be a quantity in bytes per second"),
    ({"link_bandwidth": "0"}, "link_bandwidth must be positive"),
    ({"node_link_bandwidth": {"w1": "-1G"}}, "node_link_bandwidth.w1 must be positive"),
    ({"weights": {"cpu": 0, "memory": 0}}, "weights.cpu and weights.memory must be zero or positive and not both"),
    ({"thresholds": "AsymmetricHigh", "deviation_thresholds": False}, "thresholds AsymmetricHigh is not a static"),
    ({"node_selector": "a in"}, "node_selector: invalid label key in selector 'a in'"),
    ({"vm_query": "[?"}, "vm_query '[?' is not a valid JMESPath expression"),
    ({"prometheus": {"url": None}}, "metrics_source=prometheus needs prometheus.url"),
    ({"prometheus": {"url": "https://p", "token": "t", "token_file": "/f", "timeout": 30}},
     "prometheus.token and prometheus.token_file are mutually exclusive"),
])
def test_bad_values_fail_naming_the_option(overrides, message):
    with pytest.raises(ValueError) as error:
        settings(**overrides)
    assert message in str(error.value)


def test_other_sources_need_no_prometheus_url():
    assert settings(metrics_source="metrics_api", prometheus={"url": None})["metrics_source"] == "metrics_api"


def test_secrets_are_marked_no_log():
    assert options.ARGUMENT_SPEC["prometheus"]["options"]["token"]["no_log"] is True


def test_input_errors_name_the_option_and_complete_params_have_every_option():
    params = options.rebalance_params(prometheus={"url": "https://p"}, min_gain=2)
    assert sorted(params) == sorted(options.ARGUMENT_SPEC)
    assert params["prometheus"]["validate_certs"] is True and params["max_migrations"] == 5
    assert options.input_errors(params) == [
        "min_gain is a share from 0 to below 1 (0.1 = a move must remove 10 % of the imbalance of the two nodes it "
        "touches), got 2"]
    assert options.input_errors(options.rebalance_params(prometheus={"url": "https://p"})) == []
