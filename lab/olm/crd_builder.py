"""Builds apiextensions.k8s.io/v1 CustomResourceDefinition bodies and installs them into a lab."""

from __future__ import annotations

CRD_KEY = "customresourcedefinitions.apiextensions.k8s.io"

CONDITIONS = {"type": "array", "items": {
    "type": "object", "required": ["type", "status"],
    "properties": {"type": {"type": "string"}, "status": {"type": "string", "enum": ["True", "False", "Unknown"]},
                   "reason": {"type": "string"}, "message": {"type": "string"},
                   "observedGeneration": {"type": "integer", "format": "int64"},
                   "lastTransitionTime": {"type": "string", "format": "date-time"}}}}
OPEN = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
INT_OR_STRING = {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]}
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
LABEL_SELECTOR = {"type": "object", "x-kubernetes-map-type": "atomic", "properties": {
    "matchLabels": STRING_MAP,
    "matchExpressions": {"type": "array", "items": {
        "type": "object", "required": ["key", "operator"],
        "properties": {"key": {"type": "string"}, "operator": {"type": "string"},
                       "values": {"type": "array", "items": {"type": "string"}}}}}}}
OBJECT_REFERENCE = {"type": "object", "x-kubernetes-map-type": "atomic", "properties": {
    "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "name": {"type": "string"},
    "namespace": {"type": "string"}, "uid": {"type": "string"}, "resourceVersion": {"type": "string"},
    "fieldPath": {"type": "string"}}}


def root_schema(spec: dict | None, status: dict | None = None, spec_required: bool = False) -> dict:
    properties = {"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"}}
    if spec is not None:
        properties["spec"] = spec
    properties["status"] = status if status is not None else OPEN
    schema = {"type": "object", "properties": properties}
    if spec_required:
        schema["required"] = ["spec"]
    return schema


def crd(group: str, kind: str, plural: str, scope: str, versions: list[dict], short_names=(), categories=(),
        singular: str | None = None, labels: dict | None = None) -> dict:
    """versions: [{"name", "schema", "served"?, "storage"?, "columns"?, "status"?: bool}] (first one stored)."""
    rendered = []
    for index, version in enumerate(versions):
        entry = {"name": version["name"], "served": version.get("served", True),
                 "storage": version.get("storage", index == 0),
                 "schema": {"openAPIV3Schema": version["schema"]}}
        if version.get("status", True):
            entry["subresources"] = {"status": {}}
        if version.get("columns"):
            entry["additionalPrinterColumns"] = version["columns"]
        rendered.append(entry)
    names = {"kind": kind, "listKind": kind + "List", "plural": plural, "singular": singular or kind.lower()}
    if short_names:
        names["shortNames"] = list(short_names)
    if categories:
        names["categories"] = list(categories)
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.{group}", "labels": dict(labels or {})},
            "spec": {"group": group, "names": names, "scope": scope, "versions": rendered}}


def column(name: str, json_path: str, type_: str = "string", priority: int = 0) -> dict:
    result = {"name": name, "jsonPath": json_path, "type": type_}
    if priority:
        result["priority"] = priority
    return result


def install(lab, definition: dict) -> None:
    """Register a CRD through the lab (idempotent); the API server then serves its types."""
    name = definition["metadata"]["name"]
    if hasattr(lab, "install_crd"):
        lab.install_crd(definition)
        return
    try:
        lab.store.get(CRD_KEY, None, name)
    except Exception:  # noqa: BLE001 - ApiError 404 from the store
        lab.store.create(CRD_KEY, definition)


def create_defaulted(lab, key: str, obj: dict) -> dict:
    """Create an object the way the API server would (defaults from the schema applied); 409 when it exists."""
    server = getattr(lab, "server", None)
    if server is not None and hasattr(server, "prepare_create"):
        obj = server.prepare_create(lab.registry.get(key), obj)
    return lab.store.create(key, obj)
