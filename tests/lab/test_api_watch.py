"""Watch streams: order, resourceVersion resume, selector transitions, bookmarks, timeouts, 410 Gone."""
import json
import threading
import time

import pytest
from kubernetes import client, config, watch


def _cm(name, labels=None):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels or {}}}


def _read_events(response, count, timeout=5.0):
    events, buffer, deadline = [], b"", time.monotonic() + timeout
    while len(events) < count and time.monotonic() < deadline:
        chunk = response.read1(65536) if hasattr(response, "read1") else response.read(1)
        if not chunk:
            break
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line.strip():
                events.append(json.loads(line))
    return events


@pytest.fixture
def namespace(raw, request):
    name = "w-" + request.node.name.replace("_", "-")[5:40].strip("-").lower()
    raw.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return name


def test_events_arrive_in_commit_order_from_a_resource_version(raw, namespace):
    _, listing, _ = raw.get(f"/api/v1/namespaces/{namespace}/configmaps")
    start = listing["metadata"]["resourceVersion"]
    raw.post(f"/api/v1/namespaces/{namespace}/configmaps", _cm("a"))
    raw.patch(f"/api/v1/namespaces/{namespace}/configmaps/a", {"data": {"x": "1"}})
    raw.delete(f"/api/v1/namespaces/{namespace}/configmaps/a")
    response = raw.get(f"/api/v1/namespaces/{namespace}/configmaps?watch=true&resourceVersion={start}"
                       "&timeoutSeconds=2", preload=False)
    assert response.status == 200
    events = _read_events(response, 3)
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert versions == sorted(versions) and versions[0] > int(start)


def test_watch_without_version_starts_with_synthetic_added(raw, namespace):
    raw.post(f"/api/v1/namespaces/{namespace}/configmaps", _cm("existing"))
    response = raw.get(f"/api/v1/namespaces/{namespace}/configmaps?watch=1&timeoutSeconds=1", preload=False)
    events = _read_events(response, 1)
    assert events[0]["type"] == "ADDED" and events[0]["object"]["metadata"]["name"] == "existing"


def test_label_selector_transitions_become_added_and_deleted(raw, namespace):
    raw.post(f"/api/v1/namespaces/{namespace}/configmaps", _cm("moving"))
    rv = raw.get(f"/api/v1/namespaces/{namespace}/configmaps")[1]["metadata"]["resourceVersion"]
    path = f"/api/v1/namespaces/{namespace}/configmaps/moving"
    raw.patch(path, {"metadata": {"labels": {"tier": "gold"}}})
    raw.patch(path, {"metadata": {"labels": {"tier": "gold", "other": "x"}}})
    raw.patch(path, {"metadata": {"labels": {"tier": "silver"}}})
    response = raw.get(f"/api/v1/namespaces/{namespace}/configmaps?watch=1&labelSelector=tier%3Dgold"
                       f"&resourceVersion={rv}&timeoutSeconds=2", preload=False)
    events = _read_events(response, 3)
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]


def test_single_object_watch_by_field_selector(raw, namespace):
    raw.post(f"/api/v1/namespaces/{namespace}/configmaps", _cm("one"))
    raw.post(f"/api/v1/namespaces/{namespace}/configmaps", _cm("two"))
    response = raw.get(f"/api/v1/namespaces/{namespace}/configmaps?watch=1&fieldSelector=metadata.name%3Dtwo"
                       "&timeoutSeconds=1", preload=False)
    events = _read_events(response, 5, timeout=2)
    assert [e["object"]["metadata"]["name"] for e in events] == ["two"]


def test_timeout_seconds_ends_the_stream(raw, namespace):
    started = time.monotonic()
    response = raw.get(f"/api/v1/namespaces/{namespace}/configmaps?watch=1&timeoutSeconds=1", preload=False)
    assert _read_events(response, 1, timeout=5) == []
    assert 0.8 < time.monotonic() - started < 3


def test_bookmarks_carry_the_current_resource_version(raw, namespace, monkeypatch):
    from lab.apiserver import handlers_watch
    monkeypatch.setattr(handlers_watch, "BOOKMARK_INTERVAL", 0.3)
    response = raw.get(f"/api/v1/namespaces/{namespace}/configmaps?watch=1&allowWatchBookmarks=true"
                       "&timeoutSeconds=2", preload=False)
    events = _read_events(response, 1, timeout=3)
    assert events[0]["type"] == "BOOKMARK"
    assert events[0]["object"]["kind"] == "ConfigMap"
    assert int(events[0]["object"]["metadata"]["resourceVersion"]) > 0


def test_watch_from_compacted_version_is_410_gone(raw, api_lab, namespace):
    raw.post(f"/api/v1/namespaces/{namespace}/configmaps", _cm("old"))
    old_rv = raw.get(f"/api/v1/namespaces/{namespace}/configmaps")[1]["metadata"]["resourceVersion"]
    raw.post(f"/api/v1/namespaces/{namespace}/configmaps", _cm("newer"))
    api_lab.store.compact()
    status, body, _ = raw.get(f"/api/v1/namespaces/{namespace}/configmaps?watch=1&resourceVersion={old_rv}")
    assert status == 410 and body["reason"] == "Expired"
    assert body["message"].startswith("too old resource version")


def test_python_client_watch_stream(api_lab, namespace):
    core = client.CoreV1Api(config.new_client_from_config(config_file=api_lab.kubeconfig_path))
    seen = []

    def consume():
        for event in watch.Watch().stream(core.list_namespaced_config_map, namespace, timeout_seconds=2):
            seen.append((event["type"], event["object"].metadata.name))

    thread = threading.Thread(target=consume)
    thread.start()
    time.sleep(0.3)
    core.create_namespaced_config_map(namespace, _cm("streamed"))
    core.delete_namespaced_config_map("streamed", namespace)
    thread.join()
    assert seen == [("ADDED", "streamed"), ("DELETED", "streamed")]


def test_store_watcher_and_subscribers_see_commits_in_order(api_lab):
    store = api_lab.store
    calls = []
    token = store.subscribe(lambda kind, key, obj, old: calls.append((kind, key, obj["metadata"]["name"])))
    watcher = store.watch("configmaps", namespace="default", resource_version=store.current_resource_version)
    try:
        store.create("configmaps", _cm("sub-a"))
        assert store.mutate("configmaps", "default", "sub-a", lambda obj: None) is None
        store.mutate("configmaps", "default", "sub-a", lambda obj: {**obj, "data": {"k": "v"}})
        store.delete("configmaps", "default", "sub-a")
        events = [watcher.next(1.0) for _ in range(3)]
    finally:
        store.unsubscribe(token)
        watcher.close()
    assert [(e["type"], e["object"].get("data")) for e in events] == [
        ("ADDED", None), ("MODIFIED", {"k": "v"}), ("DELETED", {"k": "v"})]
    assert [c for c in calls if c[1] == "configmaps"] == [
        ("ADDED", "configmaps", "sub-a"), ("MODIFIED", "configmaps", "sub-a"), ("DELETED", "configmaps", "sub-a")]
