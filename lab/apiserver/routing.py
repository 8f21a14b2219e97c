"""Mapping of API paths to what they address."""
from dataclasses import dataclass

NAMESPACE_SUBRESOURCES = ("status", "finalize")


@dataclass
class Route:
    group: str
    version: str
    resource: str | None = None       # None: the group-version discovery document
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None
    watch: bool = False


def parse_resource_path(path: str) -> Route | None:
    """Route for /api/v1/... and /apis/<group>/<version>/...; None for anything else."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    route = Route(group, version)
    if rest and rest[0] == "watch":
        route.watch = True
        rest = rest[1:]
    if not rest:
        return route
    if rest[0] == "namespaces" and len(rest) >= 3 and rest[2] not in NAMESPACE_SUBRESOURCES:
        route.namespace = rest[1]
        rest = rest[2:]
    route.resource = rest[0]
    if len(rest) > 1:
        route.name = rest[1]
    if len(rest) > 2:
        route.subresource = rest[2]
    if len(rest) > 3:
        return None
    return route
