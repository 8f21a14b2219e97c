"""packages.operators.coreos.com/v1 PackageManifests, served read-only like OLM's package server
(an aggregated API, not a CRD): every namespace sees the global catalogs of openshift-marketplace."""

from __future__ import annotations

from lab.olm import catalog

GROUP, VERSION = "packages.operators.coreos.com", "v1"
COLUMNS = [{"name": "Catalog", "type": "string", "jsonPath": ".status.catalogSourceDisplayName"},
           {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]


def resource_type():
    from lab.apiserver.resources import ResourceType
    return ResourceType(group=GROUP, version=VERSION, resource="packagemanifests", kind="PackageManifest",
                        namespaced=True, singular="packagemanifest", categories=("olm",),
                        verbs=("get", "list"))


def parse_path(path: str) -> tuple[str | None, str | None] | None:
    """(namespace, name) of a packagemanifests path; None when the path is not one."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if "packagemanifests" not in parts:
        return None
    index = parts.index("packagemanifests")
    namespace = parts[parts.index("namespaces") + 1] if "namespaces" in parts[:index] else None
    rest = parts[index + 1:]
    if len(rest) > 1:
        return None
    return namespace, rest[0] if rest else None


def _not_found(name: str) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": f'packagemanifests.packages.operators.coreos.com "{name}" not found', "reason": "NotFound",
            "details": {"name": name, "group": GROUP, "kind": "packagemanifests"}, "code": 404}


def handler(now_fn, label_selector_parser):
    def handle(request):
        if request.method != "GET":
            return 405, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 405,
                         "reason": "MethodNotAllowed", "message": "packagemanifests are read-only"}
        parsed = parse_path(request.path)
        if parsed is None:
            return 404, _not_found(request.path)
        namespace, name = parsed
        manifests = catalog.all_manifests(namespace or catalog.MARKETPLACE, now_fn())
        if name:
            # redhat-operators wins over community-operators for the same package, as catalog priority does
            match = next((m for m in manifests if m["metadata"]["name"] == name), None)
            return (200, match) if match else (404, _not_found(name))
        selector = (request.query or {}).get("labelSelector")
        if isinstance(selector, list):
            selector = selector[0]
        matches = label_selector_parser(selector)
        items = [m for m in manifests if matches(m["metadata"]["labels"])]
        if "as=Table" in (request.headers or {}).get("accept", ""):
            from lab.apiserver.tables import to_table
            return 200, to_table(resource_type(), items, COLUMNS)
        return 200, {"kind": "PackageManifestList", "apiVersion": f"{GROUP}/{VERSION}",
                     "metadata": {"resourceVersion": "1"}, "items": items}
    return handle
