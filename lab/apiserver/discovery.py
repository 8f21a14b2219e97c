"""Discovery documents: /version, /api, /api/v1, /apis, /apis/<group>/<version>."""
import hashlib

from .resources import GROUP_ORDER, SUBRESOURCE_DISCOVERY

KUBERNETES_VERSION = {
    "major": "1", "minor": "32", "gitVersion": "v1.32.0-lab", "gitCommit": "0" * 40,
    "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23.0",
    "compiler": "gc", "platform": "linux/amd64",
}


def version_document() -> dict:
    return dict(KUBERNETES_VERSION)


def _storage_hash(rt) -> str:
    return hashlib.sha256(f"{rt.key}/{rt.version}".encode()).hexdigest()[:16]


def _resource_entries(rt, version) -> list[dict]:
    entry = {
        "name": rt.resource, "singularName": rt.singular_name, "namespaced": rt.namespaced,
        "kind": rt.kind, "verbs": list(rt.verbs), "storageVersionHash": _storage_hash(rt),
    }
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    entries = [entry]
    for sub in rt.subresources:
        group, sub_version, kind, verbs = SUBRESOURCE_DISCOVERY.get(sub, (None, None, None, ("get",)))
        sub_entry = {"name": f"{rt.resource}/{sub}", "singularName": "", "namespaced": rt.namespaced,
                     "kind": kind or rt.kind, "verbs": list(verbs)}
        if group is not None:
            sub_entry["group"] = group
            sub_entry["version"] = sub_version
        entries.append(sub_entry)
    return entries


def api_versions() -> dict:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}


def resource_list(registry, group, version, extra_types=()) -> dict | None:
    types = [rt for rt in registry.all() if rt.group == group and version in rt.versions()]
    types += [rt for rt in extra_types if rt.group == group and rt.version == version]
    if not types:
        return None
    resources = []
    for rt in sorted(types, key=lambda t: t.resource):
        resources.extend(_resource_entries(rt, version))
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version, "resources": resources}


def group_versions(registry, extra_types=()) -> dict[str, list[str]]:
    """group -> served versions, preferred (storage) version first."""
    groups: dict[str, list[str]] = {}
    for rt in list(registry.all()) + list(extra_types):
        if not rt.group:
            continue
        versions = groups.setdefault(rt.group, [])
        for version in rt.versions():
            if version not in versions:
                versions.append(version)
    return groups


def _group_rank(group):
    return (GROUP_ORDER.index(group), group) if group in GROUP_ORDER else (len(GROUP_ORDER), group)


def group_list(registry, extra_types=()) -> dict:
    groups = []
    for group, versions in sorted(group_versions(registry, extra_types).items(), key=lambda g: _group_rank(g[0])):
        entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        groups.append({"name": group, "versions": entries, "preferredVersion": entries[0]})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def group_document(registry, group, extra_types=()) -> dict | None:
    versions = group_versions(registry, extra_types).get(group)
    if not versions:
        return None
    entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": entries,
            "preferredVersion": entries[0]}
