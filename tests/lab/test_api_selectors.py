"""Label and field selectors: the parser itself and their use on lists."""
import pytest

from lab.apiserver.errors import ApiError
from lab.apiserver.selectors import label_selector_from_dict, parse_field_selector, parse_label_selector

LABELS = {"app": "web", "tier": "front", "env": "prod"}


@pytest.mark.parametrize("text, expected", [
    ("app=web", True), ("app==web", True), ("app!=web", False), ("app!=db", True),
    ("app in (web,db)", True), ("app notin (web,db)", False), ("missing notin (x)", True),
    ("tier", True), ("!tier", False), ("!missing", True), ("app=web,tier=back", False),
    ("app=web, env in (prod)", True), ("", True), ("missing", False), ("app in (db)", False),
])
def test_label_selector_operators(text, expected):
    assert parse_label_selector(text)(LABELS) is expected


@pytest.mark.parametrize("text", ["app=", "=web", "app in web", "app in (web", "a b", "app=(x)"])
def test_label_selector_syntax_errors_are_400(text):
    if text == "app=":   # an empty value is valid Kubernetes syntax
        assert parse_label_selector(text)({"app": ""})
        return
    with pytest.raises(ApiError) as caught:
        parse_label_selector(text)
    assert caught.value.code == 400


def test_label_selector_from_dict():
    selector = label_selector_from_dict({"matchLabels": {"app": "web"},
                                         "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod"]},
                                                              {"key": "gone", "operator": "DoesNotExist"}]})
    assert selector(LABELS) and not selector({"app": "web", "env": "dev"})
    assert label_selector_from_dict({})(LABELS)
    assert not label_selector_from_dict(None)(LABELS)


def test_field_selectors():
    pod = {"metadata": {"name": "p", "namespace": "ns"}, "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}}
    assert parse_field_selector("pods", "spec.nodeName=n1,status.phase!=Failed")(pod)
    assert not parse_field_selector("pods", "spec.nodeName==n2")(pod)
    assert parse_field_selector("nodes", "spec.unschedulable=false")({"metadata": {"name": "n"}, "spec": {}})
    with pytest.raises(ApiError) as caught:
        parse_field_selector("pods", "spec.containers=x")
    assert caught.value.code == 400 and "field label not supported: spec.containers" in caught.value.message


def _pod(name, node, phase, labels):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "i"}]}, "status": {"phase": phase}}


def test_list_with_selectors_over_http(raw, api_lab):
    for pod in (_pod("sel-1", "n1", "Running", {"app": "a"}), _pod("sel-2", "n2", "Running", {"app": "b"}),
                _pod("sel-3", "n1", "Succeeded", {"app": "b"})):
        api_lab.store.create("pods", pod)
    _, body, _ = raw.get("/api/v1/pods?fieldSelector=spec.nodeName%3Dn1")
    assert sorted(i["metadata"]["name"] for i in body["items"]) == ["sel-1", "sel-3"]
    _, body, _ = raw.get("/api/v1/namespaces/default/pods?fieldSelector=spec.nodeName%3Dn1,status.phase!%3DSucceeded")
    assert [i["metadata"]["name"] for i in body["items"]] == ["sel-1"]
    _, body, _ = raw.get("/api/v1/namespaces/default/pods?labelSelector=app%20in%20(b),app!%3Da")
    assert sorted(i["metadata"]["name"] for i in body["items"]) == ["sel-2", "sel-3"]
    status, body, _ = raw.get("/api/v1/pods?fieldSelector=spec.hostname%3Dx")
    assert status == 400 and body["reason"] == "BadRequest"
    status, body, _ = raw.get("/api/v1/pods?labelSelector=app%20in%20b")
    assert status == 400


def test_event_field_selectors(raw, api_lab):
    api_lab.store.create("events", {"metadata": {"name": "ev1", "namespace": "default"}, "reason": "Evicted",
                                    "involvedObject": {"kind": "Pod", "name": "sel-1", "namespace": "default"}})
    _, body, _ = raw.get("/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind%3DPod,"
                         "involvedObject.name%3Dsel-1,reason%3DEvicted")
    assert [i["metadata"]["name"] for i in body["items"]] == ["ev1"]


def test_pagination_with_limit_and_continue(raw, api_lab):
    for index in range(7):
        api_lab.store.create("configmaps", {"metadata": {"name": f"page-{index}", "namespace": "default",
                                                         "labels": {"paged": "yes"}}})
    names, token, pages = [], "", 0
    while True:
        suffix = f"&continue={token}" if token else ""
        status, body, _ = raw.get(f"/api/v1/namespaces/default/configmaps?labelSelector=paged&limit=3{suffix}")
        assert status == 200
        pages += 1
        names += [i["metadata"]["name"] for i in body["items"]]
        token = body["metadata"].get("continue")
        if pages == 1:
            assert body["metadata"]["remainingItemCount"] == 4
        if not token:
            break
    assert pages == 3 and names == [f"page-{i}" for i in range(7)]
    status, _, _ = raw.get("/api/v1/namespaces/default/configmaps?limit=3&continue=%%%")
    assert status == 400


def test_non_numeric_parameters_are_400(raw):
    assert raw.get("/api/v1/namespaces/default/configmaps?limit=ten")[0] == 400
    assert raw.get("/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=soon")[0] == 400
    assert raw.delete("/api/v1/namespaces/default/configmaps/x?gracePeriodSeconds=later")[0] == 400
