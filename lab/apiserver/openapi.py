"""A minimal OpenAPI v3 index: per group-version, the PATCH operations and their query parameters.

kubectl reads it to learn that the server validates fields itself (fieldValidation); schemas are not
published, so kubectl falls back to its compiled-in patch strategies for built-in kinds.
"""

PATCH_PARAMETERS = ("dryRun", "fieldManager", "fieldValidation", "force", "pretty")


def _prefix(group, version) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def index(registry, extra_types=()) -> dict:
    paths = {}
    for rt in list(registry.all()) + list(extra_types):
        for version in rt.versions():
            prefix = _prefix(rt.group, version)
            paths[prefix] = {"serverRelativeURL": f"/openapi/v3/{prefix}?hash={registry.generation:016X}"}
    return {"paths": paths}


def group_version_document(registry, group, version, extra_types=()) -> dict | None:
    types = [rt for rt in list(registry.all()) + list(extra_types)
             if rt.group == group and version in rt.versions()]
    if not types:
        return None
    paths = {}
    for rt in types:
        scope = "/namespaces/{namespace}" if rt.namespaced else ""
        path = f"/{_prefix(group, version)}{scope}/{rt.resource}/{{name}}"
        paths[path] = {"patch": {
            "operationId": f"patch{rt.kind}",
            "parameters": [{"name": name, "in": "query", "schema": {"type": "string"}} for name in PATCH_PARAMETERS],
            "responses": {"200": {"description": "OK"}},
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": {"group": group, "version": version, "kind": rt.kind},
        }}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes (lab)", "version": "v1.32.0-lab"},
            "paths": paths, "components": {"schemas": {}}}
