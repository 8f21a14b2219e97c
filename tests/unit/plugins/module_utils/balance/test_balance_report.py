# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from html.parser import HTMLParser

import pytest

from ansible_collections.workload.availability.plugins.module_utils.balance import planner
from ansible_collections.workload.availability.plugins.module_utils.balance import report_html

from balance_snapshot import cluster, settings, vm


class Page(HTMLParser):
    """What a reader of the report sees: charts and their bars, tables by id with their cell texts, and anything
    that would load from elsewhere or run."""

    def __init__(self, text):
        HTMLParser.__init__(self)
        self.charts, self.bars, self.tables, self.external, self.scripts = [], [], {}, [], 0
        self._table, self._row, self._cell = None, None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href"):
            if attrs.get(name):
                self.external.append(attrs[name])
        if tag == "script":
            self.scripts += 1
        if tag == "svg" and "load-chart" in (attrs.get("class") or ""):
            self.charts.append(attrs["data-dimension"])
        if tag == "rect" and (attrs.get("class") or "").startswith("bar "):
            self.bars.append((self.charts[-1], attrs["class"].split()[1], attrs["data-node"],
                              float(attrs["data-value"])))
        if tag == "table":
            self._table = attrs.get("id")
            self.tables[self._table] = []
        if tag == "tr" and self._table:
            self._row = []
            self.tables[self._table].append(self._row)
        if tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        if tag == "table":
            self._table, self._row = None, None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


@pytest.fixture(scope="module")
def plan():
    layout = {"w1": [vm("hot-%d" % i, cpu_used=2.5) for i in range(10)] + [vm("pinned", migratable=False)],
              "w2": [vm("cool-%d" % i, cpu_used=0.5) for i in range(5)],
              "w3": [vm("calm-%d" % i, cpu_used=0.5) for i in range(5)]}
    return planner.plan_rebalance(cluster(layout), settings(max_migrations=3))


def test_every_node_has_a_bar_per_stage_in_every_chart(plan):
    page = Page(report_html.render(plan))
    assert page.charts == ["combined", "cpu", "memory"]
    for chart in page.charts:
        for node in plan["nodes"]:
            for stage in ("before", "predicted"):
                values = [b[3] for b in page.bars if b[:3] == (chart, stage, node["name"])]
                assert values == [pytest.approx(node[stage][chart], abs=1e-4)]
    assert not [b for b in page.bars if b[1] == "after"]          # nothing observed in check mode


def test_observed_loads_add_after_bars_and_figures(plan):
    observed = {"nodes": dict((n["name"], dict(n["predicted"], combined=n["predicted"]["combined"] + 0.01))
                              for n in plan["nodes"]),
                "imbalance": {"combined": {"stddev": 0.0421, "cv": 0.1, "spread": 0.2, "max": 0.5},
                              "cpu": {}, "memory": {}}}
    page = Page(report_html.render(plan, observed=observed))
    after = dict((b[2], b[3]) for b in page.bars if b[0] == "combined" and b[1] == "after")
    assert after == dict((n, pytest.approx(v["combined"], abs=1e-4)) for n, v in observed["nodes"].items())
    stddev_row = [row for row in page.tables["imbalance"] if row[:2] == ["combined", "stddev"]][0]
    assert stddev_row[4] == "0.042"


def test_the_moves_table_lists_each_move_with_its_prediction_and_result(plan):
    results = {plan["moves"][0]["vm"]: {"status": "Failed", "reason": "Live migration stuck for 150 seconds"}}
    page = Page(report_html.render(plan, results=results))
    rows = page.tables["moves"][1:]
    assert len(rows) == len(plan["moves"]) == 3
    for row, move in zip(rows, plan["moves"]):
        assert row[1] == move["vm"]
        assert row[2] == "%s → %s" % (move["from"], move["to"])
        assert row[5] == "%.0f s" % move["predicted_seconds"]
        assert row[9] == "%.0f %%" % (move["predicted_gain"] * 100)
    assert rows[0][10] == "Failed – Live migration stuck for 150 seconds"


def test_imbalance_table_shows_before_and_predicted(plan):
    page = Page(report_html.render(plan))
    row = [r for r in page.tables["imbalance"] if r[:2] == ["combined", "stddev"]][0]
    assert row[2:4] == ["%.3f" % plan["imbalance"]["before"]["combined"]["stddev"],
                        "%.3f" % plan["imbalance"]["predicted"]["combined"]["stddev"]]


def test_skipped_vms_are_grouped_and_listed_with_their_reasons(plan):
    page = Page(report_html.render(plan))
    listed = dict((row[0], row[2]) for row in page.tables["skipped"][1:])
    assert listed == dict((s["vm"], s["reason"]) for s in plan["skipped"])
    assert listed["vms/pinned"] == "not live-migratable (DisksNotLiveMigratable)"
    summary = dict((row[0], row[1]) for row in page.tables["skipped-summary"][1:])
    assert summary["not live-migratable"] == "1"


def test_the_page_is_self_contained_and_escapes_what_it_shows(plan):
    hostile = dict(plan, notes=["<script>alert(1)</script> & more"],
                   excluded_nodes=[{"node": "w9", "reason": "<img src=x>"}])
    text = report_html.render(hostile, title="Plan <1>")
    page = Page(text)
    assert page.scripts == 0 and page.external == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in text
    assert page.tables["excluded-nodes"][1] == ["w9", "<img src=x>"]
    assert "<title>Plan &lt;1&gt;</title>" in text


def test_a_plan_without_moves_says_why():
    layout = dict(("w%d" % i, [vm("v-%d" % i, cpu_used=1.0)]) for i in range(1, 4))
    quiet = planner.plan_rebalance(cluster(layout), settings())
    page = Page(report_html.render(quiet))
    assert "moves" not in page.tables
    assert "No move: within target" in report_html.render(quiet)
