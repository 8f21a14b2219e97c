"""The BMC part of the lab's control endpoint: /lab/v1/bmc[/faults/<node>]."""

from __future__ import annotations

from lab.bmc.faults import Fault


def _tail(path: str) -> list[str]:
    bare = path.split("?", 1)[0]
    marker = "/bmc"
    rest = bare[bare.index(marker) + len(marker):] if marker in bare else bare
    return [part for part in rest.split("/") if part]


def control_handler(component):
    """GET /lab/v1/bmc -> status; GET|PUT /lab/v1/bmc/faults/<node> {"mode", "seconds"?, "status"?}."""

    def handle(request):
        parts = _tail(request.path)
        if not parts:
            return 200, component.status()
        if parts[0] != "faults" or len(parts) != 2:
            return 404, {"error": f"unknown BMC control path {request.path}"}
        node = parts[1]
        if node not in component.uuid_of:
            return 404, {"error": f"no BMC for node {node!r}"}
        if request.method == "GET":
            return 200, component.proxy.fault(node).to_dict()
        if request.method in ("PUT", "POST"):
            try:
                fault = Fault.from_dict(request.body or {})
            except (ValueError, AttributeError) as exc:
                return 400, {"error": str(exc)}
            component.set_fault(node, fault)
            return 200, fault.to_dict()
        if request.method == "DELETE":
            component.recover(node)
            return 200, {"mode": "none"}
        return 405, {"error": f"method {request.method} not allowed"}

    return handle
