"""Patch mechanisms of the lab API server: JSON patch, merge patch, strategic merge patch, apply."""
import copy

import pytest

from lab.apiserver.errors import ApiError
from lab.apiserver.patch import apply_patch, json_patch, merge_patch, strategic_merge_patch


def _node():
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "worker-0", "uid": "u-1", "labels": {"role": "worker"}, "finalizers": ["a", "b"]},
        "spec": {"taints": [{"key": "drain", "effect": "NoSchedule"},
                            {"key": "node.kubernetes.io/out-of-service", "effect": "NoExecute"}]},
        "status": {"conditions": [{"type": "Ready", "status": "True"},
                                  {"type": "MemoryPressure", "status": "False"}],
                   "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}]},
    }


def _pod():
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default",
                     "ownerReferences": [{"uid": "rs-1", "kind": "ReplicaSet", "name": "rs"}]},
        "spec": {
            "containers": [
                {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}],
                 "ports": [{"containerPort": 80}], "volumeMounts": [{"name": "data", "mountPath": "/data"}]},
                {"name": "sidecar", "image": "side:1"},
            ],
            "volumes": [{"name": "data", "emptyDir": {}}],
            "tolerations": [{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "Exists"}],
        },
    }


# --- RFC 6902 -----------------------------------------------------------------------------------------

def test_json_patch_applies_every_operation_in_order():
    doc = {"a": {"b~c": 1, "d/e": 2}, "list": [1, 2, 3]}
    result = json_patch(doc, [
        {"op": "add", "path": "/list/-", "value": 4},
        {"op": "add", "path": "/list/0", "value": 0},
        {"op": "remove", "path": "/list/1"},
        {"op": "replace", "path": "/a/b~0c", "value": 10},
        {"op": "copy", "from": "/a/d~1e", "path": "/copied"},
        {"op": "move", "from": "/a/d~1e", "path": "/moved"},
        {"op": "test", "path": "/moved", "value": 2},
    ])
    assert result == {"a": {"b~c": 10}, "list": [0, 2, 3, 4], "copied": 2, "moved": 2}
    assert doc == {"a": {"b~c": 1, "d/e": 2}, "list": [1, 2, 3]}, "input must not be mutated"


def test_json_patch_failed_test_is_422_and_nothing_applies():
    doc = {"metadata": {"resourceVersion": "5"}, "spec": {"unschedulable": False}}
    with pytest.raises(ApiError) as err:
        json_patch(doc, [{"op": "replace", "path": "/spec/unschedulable", "value": True},
                         {"op": "test", "path": "/metadata/resourceVersion", "value": "4"}])
    assert err.value.code == 422
    assert err.value.reason == "Invalid"
    assert err.value.message == "the server rejected our request due to an error in our request"
    assert "testing value /metadata/resourceVersion failed" in err.value.detail
    assert doc["spec"]["unschedulable"] is False


def test_json_patch_test_of_null_passes_on_a_missing_member_of_an_existing_object():
    node = {"metadata": {"name": "n"}, "spec": {}}
    guarded = json_patch(node, [{"op": "test", "path": "/spec/taints", "value": None},
                                {"op": "add", "path": "/spec/taints", "value": [{"key": "k", "effect": "NoSchedule"}]}])
    assert guarded["spec"]["taints"] == [{"key": "k", "effect": "NoSchedule"}]
    for ops in ([{"op": "test", "path": "/spec/taints", "value": []}],
                [{"op": "test", "path": "/status/conditions", "value": None}]):
        with pytest.raises(ApiError) as err:
            json_patch(node, ops)
        assert err.value.code == 422


def test_json_patch_test_distinguishes_true_from_one():
    with pytest.raises(ApiError) as err:
        json_patch({"x": 1}, [{"op": "test", "path": "/x", "value": True}])
    assert err.value.code == 422


@pytest.mark.parametrize("ops", [
    [{"op": "replace", "path": "/missing", "value": 1}],
    [{"op": "remove", "path": "/list/7"}],
    [{"op": "add", "path": "/nope/deeper", "value": 1}],
    [{"op": "add", "path": "/list/9", "value": 1}],
])
def test_json_patch_unresolvable_paths_are_422(ops):
    with pytest.raises(ApiError) as err:
        json_patch({"list": [1]}, ops)
    assert err.value.code == 422


@pytest.mark.parametrize("body", [{"op": "add"}, [{"op": "frobnicate", "path": "/x"}], [{"op": "add", "path": "/x"}]])
def test_json_patch_malformed_body_is_400(body):
    with pytest.raises(ApiError) as err:
        json_patch({}, body if isinstance(body, list) else body)
    assert err.value.code == 400


# --- RFC 7386 -----------------------------------------------------------------------------------------

def test_merge_patch_merges_objects_deletes_nulls_and_replaces_lists():
    node = _node()
    result = merge_patch(node, {"metadata": {"labels": {"role": None, "zone": "a"}},
                                "spec": {"taints": [{"key": "x", "effect": "NoSchedule"}]}})
    assert result["metadata"]["labels"] == {"zone": "a"}
    assert result["spec"]["taints"] == [{"key": "x", "effect": "NoSchedule"}]
    assert node == _node()


def test_merge_patch_body_must_be_an_object():
    with pytest.raises(ApiError) as err:
        merge_patch({}, [1])
    assert err.value.code == 400


# --- strategic merge patch -----------------------------------------------------------------------------

def test_strategic_patch_of_one_taint_replaces_the_whole_taint_list():
    result = strategic_merge_patch(_node(), {"spec": {"taints": [{"key": "new", "effect": "NoSchedule"}]}}, "nodes")
    assert result["spec"]["taints"] == [{"key": "new", "effect": "NoSchedule"}]


def test_strategic_patch_of_pod_tolerations_is_atomic():
    result = strategic_merge_patch(_pod(), {"spec": {"tolerations": [{"key": "c", "operator": "Exists"}]}}, "pods")
    assert result["spec"]["tolerations"] == [{"key": "c", "operator": "Exists"}]


def test_strategic_patch_merges_node_conditions_by_type():
    patch = {"status": {"conditions": [{"type": "Ready", "status": "False", "reason": "KubeletStopped"}]}}
    result = strategic_merge_patch(_node(), patch, "nodes")
    assert result["status"]["conditions"] == [
        {"type": "Ready", "status": "False", "reason": "KubeletStopped"},
        {"type": "MemoryPressure", "status": "False"},
    ]
    assert result["status"]["addresses"] == _node()["status"]["addresses"]


def test_strategic_patch_new_items_come_before_server_only_items_unless_ordered():
    patch = {"status": {"conditions": [{"type": "DiskPressure", "status": "False"}]}}
    assert [c["type"] for c in strategic_merge_patch(_node(), patch, "nodes")["status"]["conditions"]] == \
        ["DiskPressure", "Ready", "MemoryPressure"]
    ordered = {"status": {"$setElementOrder/conditions": [{"type": "Ready"}, {"type": "MemoryPressure"},
                                                          {"type": "DiskPressure"}],
                          "conditions": [{"type": "DiskPressure", "status": "False"}]}}
    assert [c["type"] for c in strategic_merge_patch(_node(), ordered, "nodes")["status"]["conditions"]] == \
        ["Ready", "MemoryPressure", "DiskPressure"]


def test_strategic_patch_deletes_a_container_by_name():
    result = strategic_merge_patch(_pod(), {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}, "pods")
    assert [c["name"] for c in result["spec"]["containers"]] == ["app"]


def test_strategic_patch_merges_nested_container_lists_by_their_keys():
    patch = {"spec": {"containers": [{"name": "app", "image": "app:2",
                                      "env": [{"name": "B", "value": "2"}],
                                      "ports": [{"containerPort": 8080}],
                                      "volumeMounts": [{"name": "data", "mountPath": "/data", "readOnly": True}]}]}}
    app = strategic_merge_patch(_pod(), patch, "pods")["spec"]["containers"][0]
    assert app["image"] == "app:2"
    assert {e["name"] for e in app["env"]} == {"A", "B"}
    assert [p["containerPort"] for p in app["ports"]] == [8080, 80]
    assert app["volumeMounts"] == [{"name": "data", "mountPath": "/data", "readOnly": True}]


def test_strategic_patch_list_replace_directive():
    patch = {"spec": {"containers": [{"name": "only", "image": "x"}, {"$patch": "replace"}]}}
    result = strategic_merge_patch(_pod(), patch, "pods")
    assert result["spec"]["containers"] == [{"name": "only", "image": "x"}]


def test_strategic_patch_map_directives_replace_and_delete():
    node = _node()
    replaced = strategic_merge_patch(node, {"metadata": {"labels": {"$patch": "replace", "new": "1"}}}, "nodes")
    assert replaced["metadata"]["labels"] == {"new": "1"}
    emptied = strategic_merge_patch(node, {"metadata": {"labels": {"$patch": "delete"}}}, "nodes")
    assert emptied["metadata"]["labels"] == {}


def test_strategic_patch_merge_directive_in_a_map_is_rejected_like_kubernetes():
    with pytest.raises(ApiError) as err:
        strategic_merge_patch(_node(), {"metadata": {"labels": {"$patch": "merge"}}}, "nodes")
    assert err.value.code == 500
    assert "unknown patch type: merge" in err.value.message


def test_strategic_patch_finalizers_are_a_set_with_deletion_list():
    node = _node()
    added = strategic_merge_patch(node, {"metadata": {"finalizers": ["b", "c"]}}, "nodes")
    assert added["metadata"]["finalizers"] == ["a", "b", "c"]
    removed = strategic_merge_patch(node, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}, "nodes")
    assert removed["metadata"]["finalizers"] == ["b"]


def test_strategic_patch_owner_references_merge_by_uid():
    patch = {"metadata": {"ownerReferences": [{"uid": "rs-1", "controller": True},
                                              {"uid": "other", "kind": "Node", "name": "n"}]}}
    refs = strategic_merge_patch(_pod(), patch, "pods")["metadata"]["ownerReferences"]
    assert {r["uid"] for r in refs} == {"rs-1", "other"}
    assert next(r for r in refs if r["uid"] == "rs-1") == {"uid": "rs-1", "kind": "ReplicaSet", "name": "rs",
                                                          "controller": True}


def test_strategic_patch_retain_keys_clears_other_volume_sources():
    patch = {"spec": {"volumes": [{"name": "data", "$retainKeys": ["name", "hostPath"], "hostPath": {"path": "/x"}}]}}
    volumes = strategic_merge_patch(_pod(), patch, "pods")["spec"]["volumes"]
    assert volumes == [{"name": "data", "hostPath": {"path": "/x"}}]


def test_strategic_patch_retain_keys_must_cover_the_patch():
    patch = {"spec": {"volumes": [{"name": "data", "$retainKeys": ["name"], "hostPath": {"path": "/x"}}]}}
    with pytest.raises(ApiError) as err:
        strategic_merge_patch(_pod(), patch, "pods")
    assert err.value.code == 400


def test_strategic_patch_deployment_template_merges_containers():
    deployment = {"metadata": {"name": "d"}, "spec": {"replicas": 1, "template": {"spec": {"containers": [
        {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}}}}
    result = strategic_merge_patch(deployment, {"spec": {"template": {"spec": {"containers": [
        {"name": "b", "image": "b:2"}]}}}}, "deployments.apps")
    assert result["spec"]["template"]["spec"]["containers"] == [{"name": "a", "image": "a:1"},
                                                                {"name": "b", "image": "b:2"}]


def test_strategic_patch_service_ports_merge_by_port():
    service = {"spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}]}}
    result = strategic_merge_patch(service, {"spec": {"ports": [{"port": 443, "targetPort": 8443}]}}, "services")
    assert result["spec"]["ports"] == [{"port": 80, "name": "http"},
                                       {"port": 443, "name": "https", "targetPort": 8443}]


def test_strategic_patch_pdb_selector_is_replaced_whole():
    pdb = {"spec": {"selector": {"matchLabels": {"app": "a", "tier": "db"}}, "minAvailable": 1}}
    result = strategic_merge_patch(pdb, {"spec": {"selector": {"matchLabels": {"app": "b"}}}},
                                   "poddisruptionbudgets.policy")
    assert result["spec"] == {"selector": {"matchLabels": {"app": "b"}}, "minAvailable": 1}


def test_strategic_patch_null_removes_and_missing_merge_key_is_a_server_error():
    result = strategic_merge_patch(_node(), {"metadata": {"labels": {"role": None}}}, "nodes")
    assert result["metadata"]["labels"] == {}
    with pytest.raises(ApiError) as err:
        strategic_merge_patch(_pod(), {"spec": {"containers": [{"image": "x"}]}}, "pods")
    assert err.value.code == 500
    assert err.value.message == "map: map[image:x] does not contain declared merge key: name"


def test_strategic_patch_on_custom_resource_is_415():
    with pytest.raises(ApiError) as err:
        strategic_merge_patch({"spec": {}}, {"spec": {"a": 1}}, "virtualmachines.kubevirt.io")
    assert err.value.code == 415
    assert err.value.reason == "UnsupportedMediaType"


def test_strategic_patch_does_not_mutate_inputs():
    node, patch = _node(), {"status": {"conditions": [{"type": "Ready", "status": "False"}]}}
    before = copy.deepcopy(patch)
    strategic_merge_patch(node, patch, "nodes")
    assert node == _node() and patch == before


# --- server-side apply --------------------------------------------------------------------------------

def _applied_cm(labels, data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ns", "labels": labels},
            "data": data}


def test_apply_creates_when_absent_and_records_the_manager():
    created = apply_patch(None, _applied_cm({"a": "1"}, {"k": "v"}), "configmaps", "kubectl", False)
    assert created["data"] == {"k": "v"}
    [entry] = created["metadata"]["managedFields"]
    assert entry["manager"] == "kubectl" and entry["operation"] == "Apply" and entry["fieldsType"] == "FieldsV1"
    assert entry["apiVersion"] == "v1"
    assert entry["fieldsV1"]["f:metadata"]["f:labels"] == {"f:a": {}}


def test_apply_merges_into_live_and_drops_fields_it_no_longer_applies():
    live = apply_patch(None, _applied_cm({"a": "1", "b": "2"}, {"k": "v"}), "configmaps", "kubectl", False)
    live["metadata"]["uid"] = "uid-1"
    live["metadata"]["labels"]["set-by-someone-else"] = "x"
    updated = apply_patch(live, _applied_cm({"a": "1"}, {"k": "w"}), "configmaps", "kubectl", False)
    assert updated["metadata"]["labels"] == {"a": "1", "set-by-someone-else": "x"}
    assert updated["data"] == {"k": "w"}
    assert updated["metadata"]["uid"] == "uid-1"
    assert len(updated["metadata"]["managedFields"]) == 1


def test_apply_merges_containers_by_name_for_builtins():
    live = _pod()
    applied = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
               "spec": {"containers": [{"name": "app", "image": "app:2"}]}}
    result = apply_patch(live, applied, "pods", "ci", True)
    assert [(c["name"], c["image"]) for c in result["spec"]["containers"]] == [("app", "app:2"),
                                                                              ("sidecar", "side:1")]
    owned = result["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"]["f:containers"]
    assert 'k:{"name":"app"}' in owned


def test_apply_on_custom_resource_replaces_lists():
    live = {"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {"name": "t"}, "spec": {"items": [1, 2], "a": 1}}
    applied = {"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {"name": "t"}, "spec": {"items": [3]}}
    result = apply_patch(live, applied, "things.x.io", "m", False)
    assert result["spec"] == {"items": [3], "a": 1}


def test_apply_that_stops_setting_labels_keeps_metadata_and_other_fields():
    live = apply_patch(None, _applied_cm({"a": "1"}, {"k": "v"}), "configmaps", "kubectl", False)
    live["metadata"]["uid"] = "uid-1"
    applied = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ns"},
               "data": {"k": "v"}}
    updated = apply_patch(live, applied, "configmaps", "kubectl", False)
    assert updated["metadata"]["name"] == "c" and updated["metadata"]["uid"] == "uid-1"
    assert "labels" not in updated["metadata"]
    assert updated["data"] == {"k": "v"}


def test_apply_releases_a_container_it_no_longer_lists():
    applied = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
               "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a"},
                                                             {"name": "b", "image": "b"}]}}}}
    live = apply_patch(None, applied, "deployments.apps", "m", False)
    live["spec"]["replicas"] = 3
    applied["spec"]["template"]["spec"]["containers"] = [{"name": "a", "image": "a2"}]
    updated = apply_patch(live, applied, "deployments.apps", "m", False)
    assert updated["spec"]["template"]["spec"]["containers"] == [{"name": "a", "image": "a2"}]
    assert updated["spec"]["replicas"] == 3


def test_strategic_patch_as_kubectl_apply_writes_it_for_a_primitive_set():
    patch = {"metadata": {"$setElementOrder/finalizers": ["b", "c"], "$deleteFromPrimitiveList/finalizers": ["a"],
                          "finalizers": ["c"]}}
    assert strategic_merge_patch(_node(), patch, "nodes")["metadata"]["finalizers"] == ["b", "c"]


def test_strategic_patch_set_element_order_must_agree_with_the_patch_list():
    patch = {"spec": {"$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}],
                      "containers": [{"name": "app", "image": "a"}, {"name": "sidecar", "image": "s"}]}}
    with pytest.raises(ApiError) as err:
        strategic_merge_patch(_pod(), patch, "pods")
    assert err.value.code == 500
    assert "doesn't match $setElementOrder list" in err.value.message
