"""Fault injection switched at runtime through /lab/v1/faults, reproducible with a seed."""
import time

import pytest
import urllib3
from kubernetes import client, config


@pytest.fixture(autouse=True)
def no_faults(raw):
    raw.delete("/lab/v1/faults")
    yield
    raw.delete("/lab/v1/faults")


def _set(raw, *rules, seed=None):
    body = {"rules": list(rules)}
    if seed is not None:
        body["seed"] = seed
    status, described, _ = raw.put("/lab/v1/faults", body)
    assert status == 200, described
    return described


def test_429_with_retry_after_on_one_verb_and_resource(raw):
    _set(raw, {"verb": "list", "resource": "pods", "error": 429, "retry_after": 3})
    status, body, headers = raw.get("/api/v1/namespaces/default/pods")
    assert status == 429 and headers["Retry-After"] == "3" and body["details"]["retryAfterSeconds"] == 3
    assert raw.get("/api/v1/namespaces/default/configmaps")[0] == 200
    assert raw.get("/api/v1/namespaces/default/pods/x")[0] == 404   # get is another verb


def test_500_503_and_409(raw):
    raw.post("/api/v1/namespaces/default/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                       "metadata": {"name": "f409"}})
    for code, reason in ((500, "InternalError"), (503, "ServiceUnavailable"), (409, "Conflict")):
        _set(raw, {"verb": "patch", "resource": "configmaps", "error": code})
        status, body, _ = raw.patch("/api/v1/namespaces/default/configmaps/f409", {"data": {"a": "b"}})
        assert (status, body["reason"]) == (code, reason)


def test_seeded_rate_is_reproducible(raw):
    def outcomes():
        _set(raw, {"verb": "get", "resource": "namespaces", "rate": 0.5, "error": 503}, seed=42)
        return [raw.get("/api/v1/namespaces/default")[0] for _ in range(40)]

    first, second = outcomes(), outcomes()
    assert first == second and set(first) == {200, 503}


def test_count_limits_the_faults(raw):
    described = _set(raw, {"verb": "get", "resource": "namespaces", "error": 500, "count": 2})
    assert described["rules"][0]["fired"] == 0
    assert [raw.get("/api/v1/namespaces/default")[0] for _ in range(4)] == [500, 500, 200, 200]
    assert raw.get("/lab/v1/faults")[1]["rules"][0]["fired"] == 2


def test_latency(raw):
    _set(raw, {"verb": "get", "resource": "namespaces", "latency": 0.3})
    started = time.monotonic()
    assert raw.get("/api/v1/namespaces/default")[0] == 200
    assert time.monotonic() - started >= 0.3


def test_dropped_connection(raw):
    _set(raw, {"verb": "list", "resource": "nodes", "drop": True})
    with pytest.raises(urllib3.exceptions.HTTPError):
        raw.get("/api/v1/nodes")


def test_watch_cut_mid_way(raw):
    for index in range(5):
        raw.post("/api/v1/namespaces/default/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                           "metadata": {"name": f"cut-{index}"}})
    _set(raw, {"verb": "watch", "resource": "configmaps", "watch_cut_after": 2})
    response = raw.get("/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=5", preload=False)
    lines = []
    with pytest.raises(urllib3.exceptions.ProtocolError):
        for line in response.stream(1024):
            lines.append(line)
    assert b"".join(lines).count(b'"type":"ADDED"') == 2


def test_python_client_sees_the_injected_status(api_lab, raw):
    _set(raw, {"verb": "list", "resource": "nodes", "error": 429, "retry_after": 1})
    api = client.CoreV1Api(config.new_client_from_config(config_file=api_lab.kubeconfig_path))
    with pytest.raises(client.ApiException) as caught:
        api.list_node()
    assert caught.value.status == 429 and caught.value.headers["Retry-After"] == "1"


def test_bad_rules_are_400(raw):
    assert raw.put("/lab/v1/faults", {"rules": [{"error": 418}]})[0] == 400
    assert raw.put("/lab/v1/faults", {"rules": [{"rate": 2}]})[0] == 400
    assert raw.put("/lab/v1/faults", {"rules": [{"colour": "red"}]})[0] == 400


def test_rule_for_a_subresource(raw, api_lab):
    api_lab.store.create("pods", {"metadata": {"name": "f-evict", "namespace": "default"},
                                  "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "i"}]},
                                  "status": {"phase": "Running"}})
    _set(raw, {"verb": "create", "resource": "pods/eviction", "error": 429, "retry_after": 5})
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "f-evict", "namespace": "default"}}
    status, _, headers = raw.post("/api/v1/namespaces/default/pods/f-evict/eviction", eviction)
    assert status == 429 and headers["Retry-After"] == "5"
    assert raw.get("/api/v1/namespaces/default/pods/f-evict")[0] == 200
    assert raw.post("/api/v1/namespaces/default/pods", {"apiVersion": "v1", "kind": "Pod",
                                                        "metadata": {"name": "f-other"},
                                                        "spec": {"containers": [{"name": "c", "image": "i"}]}})[0] == 201


def test_aggregated_apis_get_faults_too(raw, api_lab):
    from lab.apiserver.resources import ResourceType
    api_lab.server.register_aggregated("metrics.k8s.io", "v1beta1", [
        ResourceType("metrics.k8s.io", "v1beta1", "nodes", "NodeMetrics", False, verbs=("get", "list"))],
        lambda request: (200, {"kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "items": []}))
    _set(raw, {"verb": "list", "resource": "nodes.metrics.k8s.io", "error": 503})
    assert raw.get("/apis/metrics.k8s.io/v1beta1/nodes")[0] == 503
    assert raw.get("/api/v1/nodes")[0] == 200
