"""rebalance_vms on the lab's hotspot scenario (14 busy VMs on worker-0, the rest light on three other workers),
through ansible-playbook, with the lab's Prometheus over HTTP (and its metrics.k8s.io): check mode plans without
writing and reports what the metrics miss; the run executes exactly the check-mode plan, relieves worker-0
(measured again afterwards), reports a migration the lab fails with KubeVirt's reason and cools that VM down; a
rerun moves none of them again. Where the VMs really run comes from the lab's ground truth. The HTML report is
opened in headless Chromium."""
import json
import os

import pytest

from lab.testing import running_lab
from rb_helpers import VMIM_KEY, moved, prometheus, really_on, rebalance, vmis, wait_running

HOT = "worker-0"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with running_lab(tmp_path_factory.mktemp("rebalance-hotspot"), scenario="hotspot", seed=0) as started:
        wait_running(started, 24)
        yield started


def migrations(lab):
    return lab.store.list(VMIM_KEY)[0]


@pytest.fixture(scope="module")
def degraded(lab):
    """A check-mode run on metrics that miss worker-3 (its node-exporter not scraped), have no PSI for worker-2,
    and say that the first VM of worker-0 dirties 2 GiB/s (more than one migration stream carries)."""
    hot_vm = sorted(v["metadata"]["name"] for v in vmis(lab) if v["status"].get("nodeName") == HOT)[0]
    config = prometheus(lab, without_node="worker-3", without_psi="worker-2")
    config["queries"]["vmi_dirty_rate"] = (
        'label_replace(label_replace(vector(2147483648), "namespace", "vms", "", ""), "name", "%s", "", "")' % hot_vm)
    return "vms/" + hot_vm, rebalance(lab, check=True, prometheus=config)


def test_check_mode_plans_without_writing(lab, degraded):
    _hot_vm, result = degraded
    assert result["changed"] is False and not result.get("failed"), result.get("msg")
    assert result["msg"].startswith("check mode: %d VM(s) would move" % len(result["moves"]))
    assert result["moves"] and all(m["from"] == HOT and m["to"] in ("worker-1", "worker-2") for m in result["moves"])
    assert all("status" not in m for m in result["moves"])
    assert migrations(lab) == []
    assert result["api_requests"] <= 10 and result["metrics_requests"] == 7


def test_a_node_missing_from_the_metrics_and_one_without_psi_are_reported(degraded):
    _hot_vm, result = degraded
    assert {"node": "worker-3", "reason": "no node_cpu sample and node_memory sample; left out of balancing"} in \
        result["excluded_nodes"]
    assert "node worker-2: no cpu pressure (PSI) series; its cpu load is utilization only" in result["notes"]


def test_a_vm_whose_dirty_rate_outruns_its_link_is_left_alone(degraded):
    hot_vm, result = degraded
    assert hot_vm not in [m["vm"] for m in result["moves"]]
    reason = [s["reason"] for s in result["skipped"] if s["vm"] == hot_vm][0]
    assert "would not converge (KubeVirt would abort it: not completed after" in reason
    assert "the guest dirties 2560 MiB/s" in reason


def test_metrics_k8s_io_serves_as_the_source_too(lab):
    result = rebalance(lab, check=True, metrics_source="metrics_api", prometheus={})
    assert not result.get("failed"), result.get("msg")
    assert result["metrics_requests"] == 0
    assert "metrics.k8s.io has no pressure (PSI) and no dirty rate: loads are utilization only" in result["notes"]
    assert result["moves"] and all(m["from"] == HOT and m["dirty_rate_assumed"] for m in result["moves"])
    assert all(node["basis"] == "metrics_api" for node in result["nodes"])


@pytest.fixture(scope="module")
def executed(lab, tmp_path_factory):
    """The check-mode plan, then the real run with the lab failing the second planned VM's next migration."""
    reports = tmp_path_factory.mktemp("reports")
    check = rebalance(lab, check=True, report_path=str(reports / "check.html"))
    failing = check["moves"][1]["name"]
    lab.component("kubevirt").faults.fail_next("vms", failing, 1)
    run = rebalance(lab, report_path=str(reports / "run.html"))
    return {"check": check, "run": run, "failing": "vms/" + failing, "report": str(reports / "run.html"),
            "check_report": str(reports / "check.html")}


def test_the_run_executes_the_check_mode_plan(executed):
    check, run = executed["check"], executed["run"]
    assert not run.get("failed"), run.get("msg")
    assert run["changed"] is True
    assert moved(run) == moved(check)
    assert [m["to"] for m in run["moves"]] == [m["node_selector"]["kubernetes.io/hostname"] for m in run["moves"]]


def test_moved_vms_really_run_on_their_planned_node(lab, executed):
    for move in executed["run"]["moves"]:
        name = move["vm"].split("/")[1]
        if move["vm"] == executed["failing"]:
            assert move["status"] == "Failed" and really_on(lab, name) == {HOT}
        else:
            assert move["status"] == "Succeeded", move
            assert really_on(lab, name) == {move["to"]} and move["node"] == move["to"]
    assert lab.component("cluster").truth.counters()["split_brain"] == 0


def test_a_failed_migration_is_reported_with_kubevirts_reason_and_its_vm_cooled_down(lab, executed):
    failed = [m for m in executed["run"]["moves"] if m["vm"] == executed["failing"]][0]
    assert failed["status"] == "Failed" and "lab-injected" in failed["reason"]
    vmi = [v for v in vmis(lab) if "vms/" + v["metadata"]["name"] == executed["failing"]][0]
    history = json.loads(vmi["metadata"]["annotations"]["workload.availability/migrations"])
    assert [entry["failed"] for entry in history] == [True]
    others = [m for m in executed["run"]["moves"] if m["vm"] != executed["failing"]]
    assert others and all(m["status"] == "Succeeded" for m in others)      # the run went on with the rest
    assert "%d of %d planned migration(s) succeeded (1 failed)" % (len(others), len(others) + 1) in \
        executed["run"]["msg"]


def test_the_hotspot_is_relieved_as_measured_afterwards(executed):
    run = executed["run"]
    nodes = dict((node["name"], node) for node in run["nodes"])
    assert nodes[HOT]["after"]["combined"] < nodes[HOT]["before"]["combined"] - 0.1
    after, before = run["imbalance"]["after"]["combined"], run["imbalance"]["before"]["combined"]
    assert after["stddev"] < 0.75 * before["stddev"] and after["spread"] < before["spread"]
    assert run["prediction_error"]["nodes"] == 4 and run["prediction_error"]["mean_abs_combined"] < 0.1
    assert os.path.getsize(executed["report"]) > 5000


def test_a_rerun_moves_none_of_them_again(lab, executed):
    moved_before = set(m["vm"] for m in executed["run"]["moves"])
    again = rebalance(lab, check=True)
    assert moved_before.isdisjoint(m["vm"] for m in again["moves"])
    reasons = dict((s["vm"], s["reason"]) for s in again["skipped"])
    assert reasons[executed["failing"]].startswith("cooling down until")
    assert "1 failed" in reasons[executed["failing"]]


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed "
                                   "(tools/requirements-dev.txt)")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("%s not found: install Debian's chromium (bindep.txt, .ci/run) to check the report in a "
                    "browser" % CHROMIUM)
    with sync_api.sync_playwright() as playwright:
        started = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield started
        finally:
            started.close()


def rendered(browser, path):
    """The report as a browser renders it, with every request it tried to make (it must make none)."""
    page = browser.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("file://" + path)
    return page, [url for url in requests if not url.startswith("file://")]


def test_the_html_report_renders_its_bars_and_tables_in_a_headless_browser(browser, executed):
    run = executed["run"]
    page, outside = rendered(browser, executed["report"])
    assert outside == []
    node_names = sorted(node["name"] for node in run["nodes"])
    for dimension in ("combined", "cpu", "memory"):
        chart = page.locator('svg.load-chart[data-dimension="%s"]' % dimension)
        assert chart.is_visible()
        for stage in ("before", "predicted", "after"):
            bars = chart.locator("rect.bar.%s" % stage)
            assert sorted(bars.evaluate_all("all => all.map(b => b.dataset.node)")) == node_names
            widths = bars.evaluate_all("all => all.map(b => b.getBBox().width)")
            assert all(width > 0 for width in widths)
        hot = [n for n in run["nodes"] if n["name"] == HOT][0]
        before = chart.locator('rect.bar.before[data-node="%s"]' % HOT).get_attribute("data-value")
        assert float(before) == pytest.approx(hot["before"][dimension], abs=1e-4)
    rows = page.locator("#moves tbody tr")
    assert rows.count() == len(run["moves"])
    texts = rows.all_inner_texts()
    for move, text in zip(run["moves"], texts):
        assert move["vm"] in text and move["status"] in text
    assert "Failed" in page.locator("#moves").inner_text()
    imbalance = page.locator("#imbalance tbody tr")
    assert imbalance.count() == 12
    first = imbalance.first.locator("td").all_inner_texts()
    assert first[:2] == ["combined", "stddev"]
    assert float(first[2]) == pytest.approx(run["imbalance"]["before"]["combined"]["stddev"], abs=1e-3)
    assert float(first[4]) == pytest.approx(run["imbalance"]["after"]["combined"]["stddev"], abs=1e-3)
    if run["skipped"]:
        assert page.locator("#skipped tbody tr").count() == len(run["skipped"])
    else:
        assert page.get_by_text("No VM was skipped.").is_visible()


def test_the_check_mode_report_has_no_after_bars(browser, executed):
    page, outside = rendered(browser, executed["check_report"])
    assert outside == []
    assert page.locator("rect.bar.after").count() == 0
    assert page.locator("rect.bar.predicted").count() == 3 * len(executed["check"]["nodes"])
