# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""LabelSelector dicts and node selector terms (required node affinity)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.workload.availability.plugins.module_utils.core import labels

NODE = {"zone": "a", "gpu": "2", "disk": "ssd"}


def term(*expressions, **fields):
    made = {"matchExpressions": [dict(zip(("key", "operator", "values"), e)) for e in expressions]}
    if fields:
        made["matchFields"] = [{"key": "metadata.name", "operator": "In", "values": fields["names"]}]
    return made


@pytest.mark.parametrize("expression, matches", [
    (("zone", "In", ["a", "b"]), True),
    (("zone", "In", ["b"]), False),
    (("zone", "NotIn", ["b"]), True),
    (("absent", "NotIn", ["b"]), True),
    (("disk", "Exists", []), True),
    (("absent", "DoesNotExist", []), True),
    (("disk", "DoesNotExist", []), False),
    (("gpu", "Gt", ["1"]), True),
    (("gpu", "Lt", ["2"]), False),
    (("disk", "Gt", ["1"]), False),     # not an integer: no match
    (("zone", "Unknown", ["a"]), False),
])
def test_each_operator(expression, matches):
    assert labels.node_selector_terms_match([term(expression)], NODE, "w1") is matches


def test_terms_are_ored_expressions_anded_and_an_empty_term_selects_nothing():
    wrong_zone = term(("zone", "In", ["b"]))
    both = term(("zone", "In", ["a"]), ("disk", "In", ["ssd"]))
    assert labels.node_selector_terms_match([wrong_zone, both], NODE, "w1")
    assert not labels.node_selector_terms_match([term(("zone", "In", ["a"]), ("disk", "In", ["hdd"]))], NODE, "w1")
    assert not labels.node_selector_terms_match([{}], NODE, "w1")
    assert labels.node_selector_terms_match([term(names=["w1"])], {}, "w1")
    assert not labels.node_selector_terms_match([term(names=["w2"])], {}, "w1")


def test_label_selectors():
    assert not labels.label_selector_matches(None, {"app": "db"})
    assert labels.label_selector_matches({}, {"app": "db"})
    selector = {"matchLabels": {"app": "db"},
                "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["test"]}]}
    assert labels.label_selector_matches(selector, {"app": "db"})
    assert not labels.label_selector_matches(selector, {"app": "db", "tier": "test"})
    assert not labels.label_selector_matches(selector, {"app": "web"})
