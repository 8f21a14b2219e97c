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


def test_watch_from_compacted_version_ends_with_a_410_error_event(raw, api_lab, namespace):
    raw.post(f"/api/v1/namespaces/{namespace}/configmaps", _cm("old"))
    old_rv = raw.get(f"/api/v1/namespaces/{namespace}/configmaps")[1]["metadata"]["resourceVersion"]
    raw.post(f"/api/v1/namespaces/{namespace}/configmaps", _cm("newer"))
    api_lab.store.compact()
    response = raw.get(f"/api/v1/namespaces/{namespace}/configmaps?watch=1&resourceVersion={old_rv}", preload=False)
    assert response.status == 200
    events = _read_events(response, 2, timeout=2)
    assert len(events) == 1 and events[0]["type"] == "ERROR"
    status = events[0]["object"]
    assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
    assert status["message"].startswith(f"too old resource version: {old_rv} (")
    core = client.CoreV1Api(config.new_client_from_config(config_file=api_lab.kubeconfig_path))
    with pytest.raises(client.ApiException) as caught:
        list(watch.Watch().stream(core.list_namespaced_config_map, namespace, resource_version=old_rv,
                                  timeout_seconds=1))
    assert caught.value.status == 410
    with pytest.raises(Exception) as in_process:
        api_lab.store.watch("configmaps", resource_version=old_rv)
    assert in_process.value.code == 410


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


def test_subscribers_see_commit_order_even_when_one_writes_back(api_lab):
    store = api_lab.store
    first_seen, second_seen = [], []

    def writer(event_type, key, obj, old):
        if key == "configmaps" and obj["metadata"]["name"] == "order-a" and event_type == "ADDED":
            store.create("configmaps", _cm("order-b") | {"metadata": {"name": "order-b", "namespace": "default"}})
        if key == "configmaps" and obj["metadata"]["name"].startswith("order-"):
            first_seen.append((event_type, obj["metadata"]["name"]))

    def reader(event_type, key, obj, old):
        if key == "configmaps" and obj["metadata"]["name"].startswith("order-"):
            second_seen.append((event_type, obj["metadata"]["name"]))

    tokens = [store.subscribe(writer), store.subscribe(reader, copy=False)]
    try:
        store.create("configmaps", {"metadata": {"name": "order-a", "namespace": "default"}})
    finally:
        for token in tokens:
            store.unsubscribe(token)
    assert first_seen == second_seen == [("ADDED", "order-a"), ("ADDED", "order-b")]


def test_http_watch_keeps_commit_order_under_concurrent_writers(raw, api_lab, namespace):
    start = raw.get(f"/api/v1/namespaces/{namespace}/configmaps")[1]["metadata"]["resourceVersion"]
    response = raw.get(f"/api/v1/namespaces/{namespace}/configmaps?watch=1&resourceVersion={start}&timeoutSeconds=20",
                       preload=False)

    def writer(index):
        for step in range(25):
            name = f"c-{index}-{step % 5}"
            try:
                api_lab.store.create("configmaps", {"metadata": {"name": name, "namespace": namespace}})
            except Exception:
                api_lab.store.mutate("configmaps", namespace, name, lambda o, s=step: {**o, "data": {"s": str(s)}})

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = _read_events(response, 100, timeout=10)
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert len(events) == 100 and versions == sorted(versions) and len(set(versions)) == 100
    assert sum(1 for e in events if e["type"] == "ADDED") == 20
