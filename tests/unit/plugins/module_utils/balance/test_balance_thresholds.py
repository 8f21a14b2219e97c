# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.workload.availability.plugins.module_utils.balance import thresholds


@pytest.mark.parametrize("name, low, high", [("Low", 0.10, 0.30), ("Medium", 0.20, 0.50), ("High", 0.40, 0.70)])
def test_static_presets(name, low, high):
    assert thresholds.resolve(name, deviation=False) == {"name": name, "low": low, "high": high,
                                                         "deviation": False}


@pytest.mark.parametrize("name, low, high", [
    ("Low", 0.10, 0.10), ("Medium", 0.20, 0.20), ("High", 0.30, 0.30),
    ("AsymmetricLow", 0.0, 0.10), ("AsymmetricMedium", 0.0, 0.20), ("AsymmetricHigh", 0.0, 0.30)])
def test_deviation_presets(name, low, high):
    spec = thresholds.resolve(name)
    assert (spec["low"], spec["high"], spec["deviation"]) == (low, high, True)


def test_default_is_the_profile_default_asymmetric_low():
    assert thresholds.resolve() == {"name": "AsymmetricLow", "low": 0.0, "high": 0.1, "deviation": True}


def test_explicit_percentages():
    assert thresholds.resolve(low=15, high=45, deviation=False) == {"name": "custom", "low": 0.15, "high": 0.45,
                                                                    "deviation": False}


@pytest.mark.parametrize("kwargs, message", [
    ({"preset": "AsymmetricLow", "deviation": False}, "thresholds AsymmetricLow is not a static preset"),
    ({"preset": "Low", "low": 10, "high": 20}, "mutually exclusive"),
    ({"low": 10}, "low_threshold and high_threshold go together"),
    ({"low": 10, "high": 120}, "high_threshold must be a percentage from 0 to 100"),
    ({"low": 60, "high": 40, "deviation": False}, "low_threshold (60) must not exceed high_threshold (40)"),
])
def test_bad_thresholds_name_the_option(kwargs, message):
    with pytest.raises(ValueError) as error:
        thresholds.resolve(**kwargs)
    assert message in str(error.value)


LOADS = {"a": {"cpu": 0.90, "memory": 0.50}, "b": {"cpu": 0.35, "memory": 0.45}, "c": {"cpu": 0.25, "memory": 0.25}}


def test_deviation_bounds_are_around_the_mean_per_dimension_and_clamped():
    bounds = thresholds.bounds(thresholds.resolve("Low"), LOADS)
    assert bounds["cpu"] == (pytest.approx(0.4), pytest.approx(0.6))       # mean 0.5
    assert bounds["memory"] == (pytest.approx(0.3), pytest.approx(0.5))    # mean 0.4
    clamped = thresholds.bounds(thresholds.resolve(low=90, high=90), LOADS)
    assert clamped["cpu"] == (0.0, 1.0)


def test_classification_over_is_any_dimension_under_is_every_dimension():
    bounds = thresholds.bounds(thresholds.resolve("Low"), LOADS)
    assert thresholds.classify(LOADS, bounds) == {"a": "over", "b": "normal", "c": "under"}
    # b is under on CPU (0.35 <= 0.4) but not on memory (0.45 > 0.3): not underutilized
    static = thresholds.bounds(thresholds.resolve("Medium", deviation=False), LOADS)
    assert thresholds.classify(LOADS, static) == {"a": "over", "b": "normal", "c": "normal"}
    assert thresholds.node_class({"cpu": 0.2, "memory": 0.2}, static) == "under"


def test_asymmetric_low_marks_everything_below_the_mean_underutilized():
    bounds = thresholds.bounds(thresholds.resolve("AsymmetricLow"), LOADS)
    assert thresholds.classify(LOADS, bounds)["c"] == "under"
    assert thresholds.classify(LOADS, bounds)["a"] == "over"    # 0.90 > 0.5 + 0.1
    assert thresholds.classify(LOADS, bounds)["b"] == "normal"  # memory 0.45 above the mean 0.4
