"""CustomResourceDefinitions: served types, schema validation/defaulting/pruning, subresources, columns."""
import pytest
from kubernetes import config, dynamic

GROUP = "lab.example.com"
CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": f"widgets.{GROUP}"},
    "spec": {
        "group": GROUP, "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wg"],
                  "categories": ["all"]},
        "versions": [{
            "name": "v1", "served": True, "storage": True,
            "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
                                                     "statusReplicasPath": ".status.replicas"}},
            "additionalPrinterColumns": [{"name": "Size", "type": "string", "jsonPath": ".spec.size"},
                                         {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"}],
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                "spec": {"type": "object", "required": ["size"], "properties": {
                    "size": {"type": "string", "enum": ["small", "large"]},
                    "replicas": {"type": "integer", "minimum": 0, "default": 1},
                    "port": {"x-kubernetes-int-or-string": True},
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}},
                "status": {"type": "object", "properties": {"replicas": {"type": "integer"}}}}}},
        }, {"name": "v1beta1", "served": True, "storage": False,
            "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}],
    },
}
BASE = f"/apis/{GROUP}/v1/namespaces/default/widgets"


@pytest.fixture(scope="module")
def crd(raw):
    status, body, _ = raw.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD)
    assert status == 201, body
    return body


def _widget(name, **spec):
    return {"apiVersion": f"{GROUP}/v1", "kind": "Widget", "metadata": {"name": name}, "spec": spec}


def test_crd_is_established_and_discoverable(raw, crd):
    assert {c["type"]: c["status"] for c in crd["status"]["conditions"]}["Established"] == "True"
    _, resources, _ = raw.get(f"/apis/{GROUP}/v1")
    names = {r["name"]: r for r in resources["resources"]}
    assert names["widgets"]["kind"] == "Widget" and names["widgets"]["shortNames"] == ["wg"]
    assert names["widgets"]["namespaced"] is True and "widgets/status" in names and "widgets/scale" in names
    _, groups, _ = raw.get("/apis")
    group = next(g for g in groups["groups"] if g["name"] == GROUP)
    assert group["preferredVersion"]["version"] == "v1"
    assert [v["version"] for v in group["versions"]] == ["v1", "v1beta1"]


def test_schema_validation_names_the_field(raw, crd):
    status, body, _ = raw.post(BASE, _widget("bad", size="huge", replicas=-1))
    assert status == 422 and body["reason"] == "Invalid"
    fields = {cause["field"] for cause in body["details"]["causes"]}
    assert {"spec.size", "spec.replicas"} <= fields
    status, body, _ = raw.post(BASE, _widget("missing"))
    assert status == 422 and "spec.size" in {c["field"] for c in body["details"]["causes"]}


def test_defaulting_pruning_and_int_or_string(raw, crd):
    widget = _widget("good", size="small", port="http", free={"anything": [1, 2]})
    widget["spec"]["unknown"] = "dropped"
    status, body, _ = raw.post(BASE, widget)
    assert status == 201, body
    assert body["spec"]["replicas"] == 1 and "unknown" not in body["spec"]
    assert body["spec"]["port"] == "http" and body["spec"]["free"] == {"anything": [1, 2]}


def test_status_and_scale_subresources(raw, crd):
    raw.post(BASE, _widget("scaled", size="large"))
    _, body, _ = raw.patch(f"{BASE}/scaled/status", {"status": {"replicas": 2}, "spec": {"size": "small"}})
    assert body["status"]["replicas"] == 2 and body["spec"]["size"] == "large"
    _, scale, _ = raw.get(f"{BASE}/scaled/scale")
    assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == 1 and scale["status"]["replicas"] == 2
    status, scale, _ = raw.patch(f"{BASE}/scaled/scale", {"spec": {"replicas": 5}})
    assert status == 200 and scale["spec"]["replicas"] == 5
    assert raw.get(f"{BASE}/scaled")[1]["spec"]["replicas"] == 5


def test_strategic_merge_on_custom_resource_is_415(raw, crd):
    raw.post(BASE, _widget("smp", size="small"))
    status, body, _ = raw.patch(f"{BASE}/smp", {"spec": {"size": "large"}},
                                "application/strategic-merge-patch+json")
    assert status == 415 and body["reason"] == "UnsupportedMediaType"
    status, body, _ = raw.patch(f"{BASE}/smp", {"spec": {"size": "large"}})
    assert status == 200 and body["spec"]["size"] == "large"


def test_other_served_version_answers_with_its_api_version(raw, crd):
    raw.post(BASE, _widget("versions", size="small"))
    _, body, _ = raw.get(f"/apis/{GROUP}/v1beta1/namespaces/default/widgets/versions")
    assert body["apiVersion"] == f"{GROUP}/v1beta1"


def test_printer_columns_in_table_output(raw, crd):
    raw.post(BASE, _widget("tabled", size="large", replicas=3))
    _, table, _ = raw.get(BASE, headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    assert table["kind"] == "Table"
    columns = [c["name"] for c in table["columnDefinitions"]]
    assert "Size" in columns and "Replicas" in columns
    row = next(r for r in table["rows"] if r["cells"][0] == "tabled")
    assert row["cells"][columns.index("Size")] == "large" and row["cells"][columns.index("Replicas")] == 3


def test_dynamic_client_uses_the_custom_type(api_lab, crd):
    dyn = dynamic.DynamicClient(config.new_client_from_config(config_file=api_lab.kubeconfig_path))
    widgets = dyn.resources.get(api_version=f"{GROUP}/v1", kind="Widget")
    widgets.create(body=_widget("dyn", size="small"), namespace="default")
    assert widgets.get(name="dyn", namespace="default").spec.replicas == 1
    names = [w.metadata.name for w in widgets.get(namespace="default").items]
    assert "dyn" in names


def test_deleting_the_crd_stops_serving_its_type(raw, api_lab):
    crd = {**CRD, "metadata": {"name": f"gadgets.{GROUP}"},
           "spec": {**CRD["spec"], "names": {"plural": "gadgets", "kind": "Gadget"}}}
    raw.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    raw.post(f"/apis/{GROUP}/v1/namespaces/default/gadgets",
             {"apiVersion": f"{GROUP}/v1", "kind": "Gadget", "metadata": {"name": "g"}, "spec": {"size": "small"}})
    raw.delete(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.{GROUP}")
    assert raw.get(f"/apis/{GROUP}/v1/namespaces/default/gadgets")[0] == 404


def test_invalid_crd_is_422(raw):
    bad = {**CRD, "metadata": {"name": "wrong-name"}}
    status, body, _ = raw.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", bad)
    assert status == 422 and "metadata.name" in {c["field"] for c in body["details"]["causes"]}


def test_install_crd_from_python(api_lab):
    crd = {**CRD, "metadata": {"name": f"gizmos.{GROUP}"},
           "spec": {**CRD["spec"], "names": {"plural": "gizmos", "kind": "Gizmo"}}}
    api_lab.install_crd(crd)
    assert api_lab.registry.find(GROUP, "v1", "gizmos").kind == "Gizmo"
    assert api_lab.install_crd(crd)["metadata"]["name"] == f"gizmos.{GROUP}"


def test_field_validation_of_unknown_fields(raw, crd):
    widget = _widget("strict", size="small")
    widget["spec"]["colour"] = "red"
    status, body, _ = raw.post(BASE + "?fieldValidation=Strict", widget)
    assert status == 400 and body["message"] == 'strict decoding error: unknown field "spec.colour"'
    status, body, headers = raw.post(BASE, widget)
    assert status == 201 and "colour" not in body["spec"]
    assert headers["Warning"] == '299 - "unknown field \\"spec.colour\\""'
