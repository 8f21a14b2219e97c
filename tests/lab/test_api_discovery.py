"""Discovery documents as clients read them."""
from kubernetes import config, dynamic


def test_core_group_resources(raw):
    status, body, _ = raw.get("/api/v1")
    assert status == 200 and body["kind"] == "APIResourceList" and body["groupVersion"] == "v1"
    resources = {r["name"]: r for r in body["resources"]}
    assert resources["pods"]["shortNames"] == ["po"] and resources["pods"]["categories"] == ["all"]
    assert resources["pods"]["namespaced"] and not resources["nodes"]["namespaced"]
    assert set(resources["pods"]["verbs"]) == {"create", "delete", "deletecollection", "get", "list", "patch",
                                               "update", "watch"}
    eviction = resources["pods/eviction"]
    assert (eviction["group"], eviction["version"], eviction["kind"], eviction["verbs"]) == \
        ("policy", "v1", "Eviction", ["create"])
    assert resources["pods/binding"]["kind"] == "Binding"
    assert resources["pods/status"]["verbs"] == ["get", "patch", "update"]
    assert "deletecollection" not in resources["namespaces"]["verbs"]
    for name in ("namespaces", "nodes", "services", "endpoints", "configmaps", "secrets", "events",
                 "serviceaccounts", "persistentvolumeclaims", "persistentvolumes"):
        assert name in resources


def test_group_list_and_group_versions(raw):
    _, apis, _ = raw.get("/apis")
    groups = {g["name"]: g for g in apis["groups"]}
    for group in ("apps", "policy", "coordination.k8s.io", "storage.k8s.io", "rbac.authorization.k8s.io",
                  "events.k8s.io", "apiextensions.k8s.io"):
        assert groups[group]["preferredVersion"]["version"] == "v1"
    _, apps, _ = raw.get("/apis/apps/v1")
    by_name = {r["name"]: r for r in apps["resources"]}
    assert by_name["deployments/scale"]["group"] == "autoscaling" and by_name["deployments"]["shortNames"] == ["deploy"]
    _, group, _ = raw.get("/apis/policy")
    assert group["kind"] == "APIGroup" and group["name"] == "policy"
    assert raw.get("/api")[1]["versions"] == ["v1"]
    assert raw.get("/apis/nothing.example.com/v1")[0] == 404


def test_dynamic_client_finds_kinds(api_lab):
    dyn = dynamic.DynamicClient(config.new_client_from_config(config_file=api_lab.kubeconfig_path))
    for api_version, kind in (("v1", "Node"), ("v1", "Pod"), ("apps/v1", "Deployment"), ("policy/v1",
                              "PodDisruptionBudget"), ("coordination.k8s.io/v1", "Lease")):
        assert dyn.resources.get(api_version=api_version, kind=kind).kind == kind


def test_aggregated_api_is_served_through_its_handler(raw, api_lab):
    from lab.apiserver.resources import ResourceType
    seen = []

    def handler(request):
        seen.append(request.path)
        return 200, {"kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": []}

    api_lab.server.register_aggregated("metrics.k8s.io", "v1beta1", [
        ResourceType("metrics.k8s.io", "v1beta1", "nodes", "NodeMetrics", False, verbs=("get", "list"))], handler)
    _, discovery, _ = raw.get("/apis/metrics.k8s.io/v1beta1")
    assert discovery["resources"][0]["kind"] == "NodeMetrics"
    assert "metrics.k8s.io" in {g["name"] for g in raw.get("/apis")[1]["groups"]}
    status, body, _ = raw.get("/apis/metrics.k8s.io/v1beta1/nodes")
    assert status == 200 and body["kind"] == "NodeMetricsList" and seen == ["/apis/metrics.k8s.io/v1beta1/nodes"]


def test_table_output_for_builtins(raw, api_lab):
    api_lab.store.create("nodes", {"metadata": {"name": "tbl-node"}, "spec": {},
                                   "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
    _, table, _ = raw.get("/api/v1/nodes", headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert [c["name"] for c in table["columnDefinitions"]][:2] == ["Name", "Status"]
    assert table["metadata"]["resourceVersion"]
    assert any(row["cells"][:2] == ["tbl-node", "Ready"] for row in table["rows"])
