"""metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics, as metrics-server serves them, from the latest scrape."""

from __future__ import annotations

import datetime

GROUP, VERSION = "metrics.k8s.io", "v1beta1"
WINDOW = "20.029s"


def resource_types():
    from lab.apiserver.resources import ResourceType
    return [ResourceType(group=GROUP, version=VERSION, resource="nodes", kind="NodeMetrics", namespaced=False,
                         verbs=("get", "list")),
            ResourceType(group=GROUP, version=VERSION, resource="pods", kind="PodMetrics", namespaced=True,
                         verbs=("get", "list"))]


def _stamp(t: float) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def cpu_quantity(cores: float) -> str:
    return f"{max(0, int(round(cores * 1e9)))}n"


def memory_quantity(num_bytes: float) -> str:
    return f"{max(0, int(num_bytes) // 1024)}Ki"


def node_metrics(name: str, cores: float, memory: float, t: float) -> dict:
    return {"kind": "NodeMetrics", "apiVersion": f"{GROUP}/{VERSION}",
            "metadata": {"name": name, "creationTimestamp": _stamp(t), "labels": {}},
            "timestamp": _stamp(t), "window": WINDOW,
            "usage": {"cpu": cpu_quantity(cores), "memory": memory_quantity(memory)}}


def pod_metrics(namespace: str, name: str, containers: list, t: float) -> dict:
    return {"kind": "PodMetrics", "apiVersion": f"{GROUP}/{VERSION}",
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": _stamp(t), "labels": {}},
            "timestamp": _stamp(t), "window": WINDOW,
            "containers": [{"name": c, "usage": {"cpu": cpu_quantity(cores), "memory": memory_quantity(memory)}}
                           for c, cores, memory in containers]}


def parse_path(path: str) -> tuple[str, str | None, str | None] | None:
    """(resource, namespace, name) of a metrics.k8s.io path."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    try:
        parts = parts[parts.index(VERSION) + 1:]
    except ValueError:
        return None
    namespace = None
    if parts[:1] == ["namespaces"] and len(parts) >= 3:
        namespace, parts = parts[1], parts[2:]
    if not parts or parts[0] not in ("nodes", "pods") or len(parts) > 2:
        return None
    return parts[0], namespace, parts[1] if len(parts) == 2 else None


def _status(code: int, reason: str, message: str) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "code": code,
            "reason": reason, "message": message}


def handler(usage_fn, label_selector_parser, node_labels_fn, pod_labels_fn):
    """usage_fn() -> collector.Usage; *_labels_fn give the API labels for label selectors."""
    def handle(request):
        if request.method != "GET":
            return 405, _status(405, "MethodNotAllowed", "metrics are read-only")
        parsed = parse_path(request.path)
        if parsed is None:
            return 404, _status(404, "NotFound", f"the server could not find the requested resource")
        resource, namespace, name = parsed
        usage = usage_fn()
        selector = (request.query or {}).get("labelSelector")
        if isinstance(selector, list):
            selector = selector[0]
        matches = label_selector_parser(selector)
        if resource == "nodes":
            items = [node_metrics(n, c, m, usage.timestamp) for n, (c, m) in sorted(usage.nodes.items())
                     if matches(node_labels_fn(n))]
            kind = "NodeMetricsList"
        else:
            items = [pod_metrics(ns, n, containers, usage.timestamp)
                     for (ns, n), containers in sorted(usage.pods.items())
                     if (namespace is None or ns == namespace) and matches(pod_labels_fn(ns, n))]
            kind = "PodMetricsList"
        if name is not None:
            match = next((i for i in items if i["metadata"]["name"] == name), None)
            if match is None:
                return 404, _status(404, "NotFound", f'{resource}.{GROUP} "{name}" not found')
            return 200, match
        return 200, {"kind": kind, "apiVersion": f"{GROUP}/{VERSION}", "metadata": {}, "items": items}
    return handle
