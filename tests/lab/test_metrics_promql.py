"""The lab's PromQL subset evaluated over known series (pure: a series store filled by the test)."""

import math

import pytest

from lab.metrics.promql_eval import Evaluator
from lab.metrics.promql_parser import PromQLError, parse
from lab.metrics.series_store import SeriesStore

T0 = 1_000_000.0


@pytest.fixture
def store():
    store = SeriesStore()
    for step in range(61):
        t = T0 + step
        for node, busy in (("n1", 0.25), ("n2", 0.75)):
            for cpu in ("0", "1"):
                store.add("node_cpu_seconds_total", {"instance": node, "cpu": cpu, "mode": "idle"}, t,
                          (1 - busy) * step)
                store.add("node_cpu_seconds_total", {"instance": node, "cpu": cpu, "mode": "user"}, t, busy * step)
            store.add("node_memory_MemAvailable_bytes", {"instance": node}, t, 1000.0 + step)
        store.add("kube_node_status_allocatable", {"node": "n1", "resource": "memory"}, t, 4000.0)
        store.add("kube_node_status_allocatable", {"node": "n2", "resource": "memory"}, t, 2000.0)
        store.add("kube_node_role", {"node": "n2", "role": "worker"}, t, 1.0)
    return store


def query(store, text, t=T0 + 60):
    return {tuple(sorted(labels.items())): value for labels, value in Evaluator(store).eval(parse(text), t)}


def test_rate_and_avg_by_give_node_utilization(store):
    result = query(store, "avg by (instance) (1 - rate(node_cpu_seconds_total{mode='idle'}[1m]))")
    assert result == pytest.approx({(("instance", "n1"),): 0.25, (("instance", "n2"),): 0.75})


def test_label_matchers(store):
    assert len(query(store, 'node_cpu_seconds_total{instance="n1"}')) == 4
    assert len(query(store, 'node_cpu_seconds_total{instance!="n1",mode="idle"}')) == 2
    assert len(query(store, 'node_cpu_seconds_total{instance=~"n[12]",cpu!~"1"}')) == 4
    assert query(store, '{__name__="kube_node_role"}') == {(("__name__", "kube_node_role"), ("node", "n2"),
                                                           ("role", "worker")): 1.0}


def test_sum_by_and_without(store):
    by_mode = query(store, "sum by (mode) (rate(node_cpu_seconds_total[1m]))")
    assert by_mode == pytest.approx({(("mode", "idle"),): 2.0, (("mode", "user"),): 2.0})
    without = query(store, "sum without (cpu, mode) (rate(node_cpu_seconds_total[30s]))")
    assert without == pytest.approx({(("instance", "n1"),): 2.0, (("instance", "n2"),): 2.0})


def test_memory_rule_with_on_and_label_replace(store):
    result = query(store, '1 - avg_over_time(node_memory_MemAvailable_bytes[1m]) / on(instance) '
                          'label_replace(kube_node_status_allocatable{resource="memory"}, "instance", "$1", "node", '
                          '"(.+)")')
    # samples within the last minute: steps 1..60, average 1030.5
    assert result == pytest.approx({(("instance", "n1"),): 1 - 1030.5 / 4000, (("instance", "n2"),): 1 - 1030.5 / 2000})


def test_group_left_and_comparison_filter(store):
    workers = query(store, 'avg by (instance) (1 - rate(node_cpu_seconds_total{mode="idle"}[1m])) * on(instance) '
                           'group_left(role) label_replace(kube_node_role, "instance", "$1", "node", "(.+)")')
    assert workers == pytest.approx({(("instance", "n2"), ("role", "worker")): 0.75})
    hot = query(store, 'avg by (instance) (1 - rate(node_cpu_seconds_total{mode="idle"}[1m])) > 0.5')
    assert list(hot) == [(("instance", "n2"),)]


def test_arithmetic_clamp_and_scalars(store):
    assert query(store, "clamp_max(3 * avg by (instance) (rate(node_cpu_seconds_total{mode='user'}[1m])), 1)") == \
        pytest.approx({(("instance", "n1"),): 0.75, (("instance", "n2"),): 1.0})
    assert Evaluator(store).eval(parse("2 * (3 + 4) ^ 2 - 1"), T0) == 97.0
    assert Evaluator(store).eval(parse("-1 / 0"), T0) == -math.inf


def test_counter_reset_is_not_a_negative_rate():
    store = SeriesStore()
    for step, value in enumerate([100, 110, 120, 5, 15]):
        store.add("c_total", {}, T0 + 10 * step, value)
    # 35 counted over 40 s of samples, extrapolated by half a scrape gap towards the window start (Prometheus)
    assert query(store, "increase(c_total[1m])", T0 + 40) == pytest.approx({(): 35 * 45 / 40})


def test_stale_series_disappear_from_instant_queries():
    store = SeriesStore()
    store.add("up", {"instance": "n1"}, T0, 1.0)
    store.add("up", {"instance": "n2"}, T0, 1.0)
    store.mark_stale("up", {"instance": "n1"}, T0 + 1)
    assert list(query(store, "up", T0 + 2)) == [(("__name__", "up"), ("instance", "n2"))]
    assert query(store, "up", T0 + 400) == {}      # beyond the 5 minute lookback


@pytest.mark.parametrize("text, message", [
    ("topk(3, up)", "topk"),
    ("histogram_quantile(0.9, x)", "histogram_quantile"),
    ("rate(up)", "range vector"),
    ("up[5m]", "range vector"),
    ("up offset 5m", "offset"),
    ('up{instance=n1}', "quoted"),
    ("sum(up", "')'"),
    ("", "empty"),
])
def test_unsupported_or_malformed_queries_are_clear_errors(store, text, message):
    with pytest.raises(PromQLError) as caught:
        Evaluator(store).eval(parse(text), T0)
    assert message in str(caught.value)
