"""CRUD semantics against the typed kubernetes client and plain HTTP."""
import pytest
from kubernetes import client, config


@pytest.fixture(scope="module")
def core(api_lab):
    return client.CoreV1Api(config.new_client_from_config(config_file=api_lab.kubeconfig_path))


def _cm(name, **data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def test_create_answers_201_with_server_filled_metadata(raw):
    status, body, _ = raw.post("/api/v1/namespaces/default/configmaps", _cm("crud-a", k="v"))
    assert status == 201
    meta = body["metadata"]
    assert meta["uid"] and meta["creationTimestamp"].endswith("Z")
    assert int(meta["resourceVersion"]) > 0
    assert "generation" not in meta   # as on a real server: ConfigMaps do not track generation
    assert (body["kind"], body["apiVersion"], meta["namespace"]) == ("ConfigMap", "v1", "default")


def test_resource_version_is_one_global_counter(raw):
    _, first, _ = raw.post("/api/v1/namespaces/default/configmaps", _cm("crud-rv1"))
    _, second, _ = raw.post("/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "crud-rv"}})
    assert int(second["metadata"]["resourceVersion"]) == int(first["metadata"]["resourceVersion"]) + 1
    _, listing, _ = raw.get("/api/v1/namespaces/default/configmaps")
    assert int(listing["metadata"]["resourceVersion"]) >= int(second["metadata"]["resourceVersion"])
    assert (listing["kind"], listing["apiVersion"]) == ("ConfigMapList", "v1")


def test_duplicate_create_is_409_already_exists(raw):
    raw.post("/api/v1/namespaces/default/configmaps", _cm("crud-dup"))
    status, body, _ = raw.post("/api/v1/namespaces/default/configmaps", _cm("crud-dup"))
    assert status == 409
    assert body["reason"] == "AlreadyExists"
    assert body["message"] == 'configmaps "crud-dup" already exists'
    assert body["details"] == {"name": "crud-dup", "kind": "configmaps"}


def test_get_missing_is_404_not_found_status(raw):
    status, body, _ = raw.get("/api/v1/namespaces/default/pods/nope")
    assert status == 404
    assert body["kind"] == "Status" and body["status"] == "Failure" and body["reason"] == "NotFound"
    assert body["message"] == 'pods "nope" not found'


def test_stale_resource_version_update_is_409_conflict(core):
    created = core.create_namespaced_config_map("default", _cm("crud-stale", a="1"))
    fresh = core.read_namespaced_config_map("crud-stale", "default")
    fresh.data = {"a": "2"}
    core.replace_namespaced_config_map("crud-stale", "default", fresh)
    created.data = {"a": "3"}
    with pytest.raises(client.ApiException) as caught:
        core.replace_namespaced_config_map("crud-stale", "default", created)
    assert caught.value.status == 409
    assert "the object has been modified" in caught.value.body
    assert core.read_namespaced_config_map("crud-stale", "default").data == {"a": "2"}


def test_update_without_resource_version_is_unconditional(raw):
    raw.post("/api/v1/namespaces/default/configmaps", _cm("crud-uncond", a="1"))
    status, body, _ = raw.put("/api/v1/namespaces/default/configmaps/crud-uncond", _cm("crud-uncond", a="9"))
    assert status == 200 and body["data"] == {"a": "9"}


def test_noop_update_keeps_resource_version(raw):
    _, created, _ = raw.post("/api/v1/namespaces/default/configmaps", _cm("crud-noop", a="1"))
    _, updated, _ = raw.put("/api/v1/namespaces/default/configmaps/crud-noop", created)
    assert updated["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


def test_generation_bumps_on_spec_change_only(raw):
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "crud-gen"},
                  "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "g"}},
                           "template": {"metadata": {"labels": {"app": "g"}},
                                        "spec": {"containers": [{"name": "c", "image": "i"}]}}}}
    status, created, _ = raw.post("/apis/apps/v1/namespaces/default/deployments", deployment)
    assert status == 201, created
    path = "/apis/apps/v1/namespaces/default/deployments/crud-gen"
    _, labelled, _ = raw.patch(path, {"metadata": {"labels": {"x": "y"}}})
    assert labelled["metadata"]["generation"] == 1
    _, scaled, _ = raw.patch(path, {"spec": {"replicas": 3}})
    assert scaled["metadata"]["generation"] == 2
    assert created["metadata"]["generation"] == 1


def test_status_subresource_separates_spec_and_status(raw):
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "crud-status"}, "spec": {}}
    raw.post("/api/v1/nodes", node)
    _, with_status, _ = raw.patch("/api/v1/nodes/crud-status/status",
                                  {"status": {"capacity": {"cpu": "4"}}, "spec": {"unschedulable": True}})
    assert with_status["status"]["capacity"] == {"cpu": "4"}
    assert not with_status["spec"].get("unschedulable")
    _, main, _ = raw.patch("/api/v1/nodes/crud-status", {"status": {"capacity": {"cpu": "99"}},
                                                          "spec": {"unschedulable": True}})
    assert main["spec"]["unschedulable"] is True and main["status"]["capacity"] == {"cpu": "4"}


def test_generate_name(raw):
    status, body, _ = raw.post("/api/v1/namespaces/default/configmaps",
                               {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "gen-"}})
    assert status == 201
    assert body["metadata"]["name"].startswith("gen-") and len(body["metadata"]["name"]) == 9


def test_create_in_missing_namespace_is_404(raw):
    status, body, _ = raw.post("/api/v1/namespaces/ghost/configmaps", _cm("x"))
    assert status == 404 and body["message"] == 'namespaces "ghost" not found'


def test_namespace_mismatch_is_400(raw):
    cm = _cm("crud-ns")
    cm["metadata"]["namespace"] = "kube-system"
    status, body, _ = raw.post("/api/v1/namespaces/default/configmaps", cm)
    assert status == 400 and body["reason"] == "BadRequest"


def test_invalid_name_is_422_with_causes(raw):
    status, body, _ = raw.post("/api/v1/namespaces/default/configmaps", _cm("Bad_Name"))
    assert status == 422 and body["reason"] == "Invalid"
    assert any(cause["field"] == "metadata.name" for cause in body["details"]["causes"])


def test_dry_run_validates_and_stores_nothing(raw):
    status, body, _ = raw.post("/api/v1/namespaces/default/configmaps?dryRun=All", _cm("crud-dry"))
    assert status == 201 and body["metadata"]["name"] == "crud-dry"
    assert raw.get("/api/v1/namespaces/default/configmaps/crud-dry")[0] == 404
    raw.post("/api/v1/namespaces/default/configmaps", _cm("crud-dry2", a="1"))
    raw.patch("/api/v1/namespaces/default/configmaps/crud-dry2?dryRun=All", {"data": {"a": "2"}})
    raw.delete("/api/v1/namespaces/default/configmaps/crud-dry2?dryRun=All")
    assert raw.get("/api/v1/namespaces/default/configmaps/crud-dry2")[1]["data"] == {"a": "1"}
    status, body, _ = raw.post("/api/v1/namespaces/default/configmaps?dryRun=Some", _cm("crud-dry3"))
    assert status == 400


def test_pod_defaults_are_applied(core):
    pod = core.create_namespaced_pod("default", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "crud-pod"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]}})
    assert pod.spec.restart_policy == "Always"
    assert pod.spec.termination_grace_period_seconds == 30
    assert pod.spec.scheduler_name == "default-scheduler"
    tolerations = {(t.key, t.effect, t.toleration_seconds) for t in pod.spec.tolerations}
    assert ("node.kubernetes.io/not-ready", "NoExecute", 300) in tolerations
    assert ("node.kubernetes.io/unreachable", "NoExecute", 300) in tolerations
    assert pod.status.phase == "Pending"


def test_namespace_gets_active_phase_and_terminates(raw, api_lab):
    status, created, _ = raw.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                        "metadata": {"name": "crud-ns-life"}})
    assert status == 201 and created["status"]["phase"] == "Active"
    raw.post("/api/v1/namespaces/crud-ns-life/configmaps", _cm("inside"))
    status, deleting, _ = raw.delete("/api/v1/namespaces/crud-ns-life")
    assert status == 200 and deleting["status"]["phase"] == "Terminating"
    api_lab.wait_for(lambda: raw.get("/api/v1/namespaces/crud-ns-life")[0] == 404, timeout=5)
    assert raw.get("/api/v1/namespaces/crud-ns-life/configmaps/inside")[0] == 404


def test_deletecollection_with_selector(raw):
    for name, team in (("dc-1", "a"), ("dc-2", "a"), ("dc-3", "b")):
        cm = _cm(name)
        cm["metadata"]["labels"] = {"team": team}
        raw.post("/api/v1/namespaces/default/configmaps", cm)
    status, body, _ = raw.delete("/api/v1/namespaces/default/configmaps?labelSelector=team%3Da")
    assert status == 200 and sorted(i["metadata"]["name"] for i in body["items"]) == ["dc-1", "dc-2"]
    _, left, _ = raw.get("/api/v1/namespaces/default/configmaps?labelSelector=team")
    assert [i["metadata"]["name"] for i in left["items"]] == ["dc-3"]


def test_unknown_resource_is_404(raw):
    status, body, _ = raw.get("/api/v1/widgets")
    assert status == 404 and body["reason"] == "NotFound"


def test_system_namespaces_may_not_be_deleted(raw):
    status, body, _ = raw.delete("/api/v1/namespaces/kube-system")
    assert status == 403 and body["message"] == 'namespaces "kube-system" is forbidden: this namespace may not be deleted'


def test_resource_version_on_create_is_refused(raw):
    cm = _cm("crud-with-rv")
    cm["metadata"]["resourceVersion"] = "12"
    status, body, _ = raw.post("/api/v1/namespaces/default/configmaps", cm)
    assert status == 500 and "resourceVersion should not be set on objects to be created" in body["message"]


def test_services_get_cluster_ips_and_node_ports(raw):
    def service(name, **spec):
        return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                "spec": {"ports": [{"port": 80}], "selector": {"app": name}, **spec}}

    _, first, _ = raw.post("/api/v1/namespaces/default/services", service("svc-a"))
    _, second, _ = raw.post("/api/v1/namespaces/default/services", service("svc-b", type="NodePort"))
    assert first["spec"]["clusterIP"].startswith("172.30.") and first["spec"]["clusterIPs"] == [first["spec"]["clusterIP"]]
    assert second["spec"]["clusterIP"] != first["spec"]["clusterIP"]
    assert 30000 <= second["spec"]["ports"][0]["nodePort"] <= 32767
    _, headless, _ = raw.post("/api/v1/namespaces/default/services", service("svc-h", clusterIP="None"))
    assert headless["spec"]["clusterIP"] == "None"
    status, body, _ = raw.post("/api/v1/namespaces/default/services",
                               service("svc-c", clusterIP=first["spec"]["clusterIP"]))
    assert status == 422 and "already allocated" in body["message"]
