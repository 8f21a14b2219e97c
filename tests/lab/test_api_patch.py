"""Patch content types as a client sends them: json, merge, strategic (with Kubernetes' list strategies), apply."""
import pytest

JSON = "application/json-patch+json"
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"


@pytest.fixture(scope="module")
def node(raw):
    raw.post("/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "patch-node"},
                               "spec": {"taints": [{"key": "a", "effect": "NoSchedule"},
                                                   {"key": "b", "effect": "NoExecute"}]}})
    raw.patch("/api/v1/nodes/patch-node/status", {"status": {"conditions": [
        {"type": "Ready", "status": "True"}, {"type": "MemoryPressure", "status": "False"}]}})
    return "/api/v1/nodes/patch-node"


def test_strategic_merge_merges_conditions_by_type(raw, node):
    status, body, _ = raw.patch(node + "/status", {"status": {"conditions": [{"type": "Ready", "status": "False"}]}},
                                STRATEGIC)
    assert status == 200
    conditions = {c["type"]: c["status"] for c in body["status"]["conditions"]}
    assert conditions == {"Ready": "False", "MemoryPressure": "False"}


def test_strategic_merge_replaces_taints_whole(raw, node):
    _, body, _ = raw.patch(node, {"spec": {"taints": [{"key": "c", "effect": "NoSchedule"}]}}, STRATEGIC)
    assert [t["key"] for t in body["spec"]["taints"]] == ["c"]


def test_merge_patch_replaces_lists_and_deletes_with_null(raw, node):
    _, body, _ = raw.patch(node, {"metadata": {"labels": {"x": "1", "y": "2"}}}, MERGE)
    _, body, _ = raw.patch(node, {"metadata": {"labels": {"x": None}}}, MERGE)
    assert body["metadata"]["labels"] == {"y": "2"}


def test_json_patch_with_failing_test_is_422(raw, node):
    _, current, _ = raw.get(node)
    status, body, _ = raw.patch(node, [{"op": "test", "path": "/spec/unschedulable", "value": True},
                                       {"op": "replace", "path": "/spec/unschedulable", "value": False}], JSON)
    assert status == 422
    status, body, _ = raw.patch(node, [{"op": "add", "path": "/spec/unschedulable", "value": True}], JSON)
    assert status == 200 and body["spec"]["unschedulable"] is True
    assert int(body["metadata"]["resourceVersion"]) > int(current["metadata"]["resourceVersion"])


def test_patch_with_stale_resource_version_is_409(raw, node):
    status, body, _ = raw.patch(node, {"metadata": {"resourceVersion": "1", "labels": {"z": "1"}}}, MERGE)
    assert status == 409 and body["reason"] == "Conflict"


def test_patch_missing_object_is_404_and_bad_type_is_415(raw):
    assert raw.patch("/api/v1/nodes/ghost", {"metadata": {"labels": {"a": "b"}}}, MERGE)[0] == 404
    assert raw.patch("/api/v1/nodes/patch-node", {"metadata": {}}, "text/plain")[0] == 415


def test_strategic_merge_of_pod_containers_by_name(raw):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "patch-pod"},
           "spec": {"containers": [{"name": "a", "image": "one"}, {"name": "b", "image": "two"}]}}
    raw.post("/api/v1/namespaces/default/pods", pod)
    _, body, _ = raw.patch("/api/v1/namespaces/default/pods/patch-pod",
                           {"spec": {"containers": [{"name": "b", "image": "three"}]}}, STRATEGIC)
    assert [(c["name"], c["image"]) for c in body["spec"]["containers"]] == [("a", "one"), ("b", "three")]


def test_server_side_apply_creates_then_updates(raw):
    path = "/api/v1/namespaces/default/configmaps/applied?fieldManager=lab-test"
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: '1'\n"
    status, body, _ = raw.patch(path, manifest, APPLY)
    assert status == 201 and body["data"] == {"a": "1"}
    assert any(m.get("manager") == "lab-test" for m in body["metadata"].get("managedFields", []))
    status, body, _ = raw.patch(path + "&force=true", manifest.replace("'1'", "'2'"), APPLY)
    assert status == 200 and body["data"] == {"a": "2"}
    status, _, _ = raw.patch("/api/v1/namespaces/default/configmaps/applied", manifest, APPLY)
    assert status == 400   # fieldManager is required for apply


def test_patch_retries_internal_conflicts(raw, api_lab):
    """A patch without a resourceVersion precondition never answers 409 because of a concurrent writer."""
    import threading
    raw.post("/api/v1/namespaces/default/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                       "metadata": {"name": "busy"}, "data": {}})
    stop = threading.Event()

    def writer():
        n = 0
        while not stop.is_set():
            n += 1
            api_lab.store.mutate("configmaps", "default", "busy",
                                 lambda o, n=n: {**o, "metadata": {**o["metadata"], "labels": {"n": str(n)}}})

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        statuses = {raw.patch("/api/v1/namespaces/default/configmaps/busy", {"data": {str(i): "x"}})[0]
                    for i in range(30)}
    finally:
        stop.set()
        thread.join()
    assert statuses == {200}
