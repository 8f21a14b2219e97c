"""events.k8s.io/v1 Events served from the core/v1 Events store, converted field by field as Kubernetes does.

Both APIs are views of one stored resource: an Event written through either is read through both.
"""
import json
import time
from dataclasses import replace

from . import errors, handlers_write
from .encoding import dumps, table
from .handlers_read import paginate
from .request import Response
from .selectors import parse_field_selector, parse_label_selector

KEY = "events.events.k8s.io"
API_VERSION = "events.k8s.io/v1"
_SAME = ("eventTime", "action", "reason", "related", "type", "reportingInstance")


def to_new(core: dict) -> dict:
    new = {"apiVersion": API_VERSION, "kind": "Event", "metadata": core.get("metadata", {})}
    for field in _SAME:
        if core.get(field) is not None:
            new[field] = core[field]
    source = core.get("source") or {}
    controller = core.get("reportingComponent") or source.get("component")
    if controller:
        new["reportingController"] = controller
    if not new.get("reportingInstance") and source.get("host"):
        new["reportingInstance"] = source["host"]
    for core_field, new_field in (("involvedObject", "regarding"), ("message", "note"), ("source", "deprecatedSource"),
                                  ("firstTimestamp", "deprecatedFirstTimestamp"),
                                  ("lastTimestamp", "deprecatedLastTimestamp"), ("count", "deprecatedCount")):
        if core.get(core_field) not in (None, {}, ""):
            new[new_field] = core[core_field]
    if core.get("series"):
        new["series"] = {k: v for k, v in core["series"].items() if k in ("count", "lastObservedTime")}
    return new


def to_core(new: dict) -> dict:
    core = {"apiVersion": "v1", "kind": "Event", "metadata": new.get("metadata", {})}
    for field in _SAME:
        if new.get(field) is not None:
            core[field] = new[field]
    for new_field, core_field in (("regarding", "involvedObject"), ("note", "message"),
                                  ("reportingController", "reportingComponent"),
                                  ("deprecatedFirstTimestamp", "firstTimestamp"),
                                  ("deprecatedLastTimestamp", "lastTimestamp"), ("deprecatedCount", "count")):
        if new.get(new_field) is not None:
            core[core_field] = new[new_field]
    source = new.get("deprecatedSource") or {}
    if not source and (new.get("reportingController") or new.get("reportingInstance")):
        source = {k: v for k, v in (("component", new.get("reportingController")),
                                    ("host", new.get("reportingInstance"))) if v}
    if source:
        core["source"] = source
    if new.get("series"):
        core["series"] = dict(new["series"])
    core.setdefault("involvedObject", {})
    return core


class _Converted:
    """Lets paginate() walk converted objects like store entries."""
    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj


def _converted_response(response: Response) -> Response:
    body = response.body
    parsed = json.loads(body) if isinstance(body, (bytes, bytearray)) else body
    if isinstance(parsed, dict) and parsed.get("kind") == "Event":
        parsed = to_new(parsed)
    elif isinstance(parsed, dict) and parsed.get("kind") == "EventList":
        parsed = dict(parsed, apiVersion=API_VERSION, items=[to_new(item) for item in parsed.get("items", [])])
    return replace(response, body=dumps(parsed))


def handle(server, req, rt, route, verb) -> Response:
    core_rt = server.registry.get("events")
    core_route = replace(route, group="", version="v1", resource="events")
    store = server.store
    if verb == "get":
        return Response(200, dumps(to_new(store.get("events", route.namespace, route.name))))
    if verb in ("list", "watch"):
        label_predicate = parse_label_selector(req.query.get("labelSelector"))
        field_predicate = parse_field_selector(KEY, req.query.get("fieldSelector"))
        if verb == "watch":
            return _watch(server, req, rt, route, field_predicate)
        entries, resource_version = store.snapshot("events", route.namespace, label_predicate)
        objects = [_Converted(obj) for obj in (to_new(e.obj) for e in entries) if field_predicate(obj)]
        page, token, remaining = paginate(req, objects, resource_version)
        items = [c.obj for c in page]
        if req.wants_table():
            return Response(200, table(server.registry, rt, items, req.query.get("includeObject", "Metadata"),
                                       resource_version, token))
        metadata = {"resourceVersion": resource_version, **({"continue": token} if token else {}),
                    **({"remainingItemCount": remaining} if remaining else {})}
        return Response(200, {"kind": "EventList", "apiVersion": API_VERSION, "metadata": metadata, "items": items})
    if verb == "create":
        body = handlers_write.object_from_body(req.body, rt, route)
        core = to_core(body)
        if core["metadata"].get("namespace") not in (None, route.namespace):
            raise errors.bad_request("the namespace of the provided object does not match the namespace sent on "
                                     "the request")
        core["metadata"]["namespace"] = route.namespace
        return _converted_response(handlers_write._create(server, req, core_rt, core_route, core))
    if verb == "update":
        body = handlers_write.object_from_body(req.body, rt, route)
        old = store.get("events", route.namespace, route.name)
        core = to_core(body)
        core["metadata"]["namespace"] = route.namespace
        return _converted_response(handlers_write._update(server, req, core_rt, core_route, core, old))
    if verb == "patch":
        return _converted_response(_patch(server, req, rt, core_rt, route, core_route))
    if verb == "delete":
        return _converted_response(handlers_write.delete(server, req, core_rt, core_route))
    if verb == "deletecollection":
        return _converted_response(handlers_write.delete_collection(server, req, core_rt, core_route))
    raise errors.method_not_allowed("the server does not allow this method on the requested resource")


def _patch(server, req, rt, core_rt, route, core_route) -> Response:
    from . import patch as patches
    old = server.store.get("events", route.namespace, route.name)
    live = to_new(old)
    if req.content_type == "application/json-patch+json":
        new = patches.json_patch(live, req.body)
    elif req.content_type in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
        new = patches.merge_patch(live, req.body)   # no list in an Event has a merge key
    elif req.content_type == "application/apply-patch+yaml":
        new = patches.apply_patch(live, req.body, KEY, req.query.get("fieldManager") or "", req.flag("force"))
    else:
        raise errors.unsupported_media_type(f"unsupported patch type {req.content_type}")
    core = to_core(new)
    core["metadata"]["namespace"] = route.namespace
    return handlers_write._update(server, req, core_rt, core_route, core, old)


def _watch(server, req, rt, route, field_predicate) -> Response:
    timeout = req.number("timeoutSeconds", kind=float) or 1800.0
    watcher = server.store.watch("events", route.namespace, req.query.get("resourceVersion"),
                                 req.query.get("labelSelector"), None, name=route.name)

    def stream(out):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not watcher.closed:
            event = watcher.next(min(0.5, max(deadline - time.monotonic(), 0)))
            if event is None:
                if out.client_gone():
                    return
                continue
            if event["type"] == "ERROR":
                out.write(dumps(event) + b"\n")
                return
            obj = to_new(event["object"])
            if field_predicate(obj):
                out.write(dumps({"type": event["type"], "object": obj}) + b"\n")

    return Response(200, stream=stream, cleanup=watcher.close)
