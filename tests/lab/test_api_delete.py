"""Graceful deletion, finalizers, propagation policy bookkeeping and preconditions."""


def _pod(name, node="n1", grace=None, finalizers=None):
    spec = {"containers": [{"name": "c", "image": "i"}]}
    if node:
        spec["nodeName"] = node
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    meta = {"name": name}
    if finalizers:
        meta["finalizers"] = finalizers
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def _set_running(api_lab, name):
    api_lab.store.mutate("pods", "default", name, lambda p: {**p, "status": {"phase": "Running"}},
                         subresource="status")


def test_bound_pod_waits_for_its_kubelet(raw, api_lab):
    raw.post("/api/v1/namespaces/default/pods", _pod("del-bound"))
    _set_running(api_lab, "del-bound")
    status, body, _ = raw.delete("/api/v1/namespaces/default/pods/del-bound")
    assert status == 200
    assert body["metadata"]["deletionTimestamp"] and body["metadata"]["deletionGracePeriodSeconds"] == 30
    assert raw.get("/api/v1/namespaces/default/pods/del-bound")[0] == 200
    # the kubelet confirms with grace period 0
    api_lab.store.delete("pods", "default", "del-bound", grace_period_seconds=0)
    assert raw.get("/api/v1/namespaces/default/pods/del-bound")[0] == 404


def test_shorter_grace_period_overrides(raw, api_lab):
    raw.post("/api/v1/namespaces/default/pods", _pod("del-short"))
    _set_running(api_lab, "del-short")
    raw.delete("/api/v1/namespaces/default/pods/del-short", {"gracePeriodSeconds": 20})
    _, body, _ = raw.delete("/api/v1/namespaces/default/pods/del-short?gracePeriodSeconds=5")
    assert body["metadata"]["deletionGracePeriodSeconds"] == 5
    raw.delete("/api/v1/namespaces/default/pods/del-short", {"gracePeriodSeconds": 0})
    assert raw.get("/api/v1/namespaces/default/pods/del-short")[0] == 404


def test_unbound_pod_is_deleted_at_once(raw):
    raw.post("/api/v1/namespaces/default/pods", _pod("del-unbound", node=None))
    status, body, _ = raw.delete("/api/v1/namespaces/default/pods/del-unbound")
    assert status == 200 and body["kind"] == "Pod"
    assert raw.get("/api/v1/namespaces/default/pods/del-unbound")[0] == 404


def test_finalizers_hold_the_object_until_removed(raw):
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "del-fin", "finalizers": ["lab/keep"]}}
    raw.post("/api/v1/namespaces/default/configmaps", cm)
    _, body, _ = raw.delete("/api/v1/namespaces/default/configmaps/del-fin")
    assert body["metadata"]["deletionTimestamp"] and body["metadata"]["finalizers"] == ["lab/keep"]
    status, body, _ = raw.patch("/api/v1/namespaces/default/configmaps/del-fin",
                                {"metadata": {"finalizers": ["lab/keep", "lab/more"]}})
    assert status == 422
    status, body, _ = raw.patch("/api/v1/namespaces/default/configmaps/del-fin", {"metadata": {"finalizers": None}})
    assert status == 200
    assert raw.get("/api/v1/namespaces/default/configmaps/del-fin")[0] == 404


def test_non_pod_delete_answers_status_success(raw):
    raw.post("/api/v1/namespaces/default/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                       "metadata": {"name": "del-cm"}})
    status, body, _ = raw.delete("/api/v1/namespaces/default/configmaps/del-cm")
    assert status == 200 and body["kind"] == "Status" and body["status"] == "Success"
    assert body["details"]["name"] == "del-cm" and body["details"]["uid"]


def test_propagation_policies_are_recorded_as_finalizers(raw):
    for name, policy, finalizer in (("del-fg", "Foreground", "foregroundDeletion"), ("del-or", "Orphan", "orphan")):
        raw.post("/api/v1/namespaces/default/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                           "metadata": {"name": name}})
        _, body, _ = raw.delete(f"/api/v1/namespaces/default/configmaps/{name}",
                                {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": policy})
        assert body["metadata"]["finalizers"] == [finalizer] and body["metadata"]["deletionTimestamp"]
    raw.post("/api/v1/namespaces/default/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                       "metadata": {"name": "del-bg"}})
    raw.delete("/api/v1/namespaces/default/configmaps/del-bg?propagationPolicy=Background")
    assert raw.get("/api/v1/namespaces/default/configmaps/del-bg")[0] == 404
    status, _, _ = raw.delete("/api/v1/namespaces/default/configmaps/del-fg?propagationPolicy=Sideways")
    assert status == 400


def test_delete_preconditions(raw):
    _, cm, _ = raw.post("/api/v1/namespaces/default/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                                  "metadata": {"name": "del-pre"}})
    status, body, _ = raw.delete("/api/v1/namespaces/default/configmaps/del-pre",
                                 {"preconditions": {"uid": "not-the-uid"}})
    assert status == 409 and "Precondition failed" in body["message"]
    status, _, _ = raw.delete("/api/v1/namespaces/default/configmaps/del-pre",
                              {"preconditions": {"uid": cm["metadata"]["uid"],
                                                 "resourceVersion": cm["metadata"]["resourceVersion"]}})
    assert status == 200


def test_namespace_created_in_process_still_empties_before_going(api_lab, raw):
    api_lab.store.create("namespaces", {"metadata": {"name": "del-ns-store"}})
    api_lab.store.create("configmaps", {"metadata": {"name": "inside", "namespace": "del-ns-store"}})
    api_lab.store.delete("namespaces", None, "del-ns-store")
    api_lab.wait_for(lambda: raw.get("/api/v1/namespaces/del-ns-store")[0] == 404, timeout=5)
    assert api_lab.store.list("configmaps", namespace="del-ns-store")[0] == []
