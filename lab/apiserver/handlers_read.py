"""GET of one object and LIST of a collection (selectors, pagination, Table output)."""
import base64
import json

from . import errors
from .encoding import list_bytes, object_bytes, object_dict, table
from .request import Response
from .selectors import parse_field_selector, parse_label_selector


def get_object(server, req, rt, route) -> Response:
    entry = server.store.get_entry(rt.key, route.namespace, route.name)
    if req.wants_table():
        obj = object_dict(entry.obj, rt, route.version)
        return Response(200, table(server.registry, rt, [obj], req.query.get("includeObject", "Metadata")))
    return Response(200, object_bytes(entry, rt, route.version))


def encode_continue(resource_version: str, last: tuple) -> str:
    raw = json.dumps({"rv": resource_version, "start": list(last)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_continue(token: str) -> tuple:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        return tuple(data["start"])
    except (ValueError, KeyError, TypeError):
        raise errors.bad_request("continue key is not valid: incorrect encoded start resourceVersion "
                                 "(version meta.k8s.io/v1)")


def _ident(entry) -> tuple:
    meta = entry.obj["metadata"]
    return (meta.get("namespace", ""), meta["name"])


def select(server, req, rt, route):
    label_predicate = parse_label_selector(req.query.get("labelSelector"))
    field_predicate = parse_field_selector(rt.key, req.query.get("fieldSelector"))
    return server.store.snapshot(rt.key, route.namespace, label_predicate, field_predicate)


def paginate(req, entries, resource_version):
    """(page, continue_token, remaining) for limit/continue."""
    token = req.query.get("continue")
    if token:
        start = decode_continue(token)
        entries = [e for e in entries if _ident(e) > start]
    limit = req.number("limit", 0)
    if limit <= 0 or len(entries) <= limit:
        return entries, None, None
    page = entries[:limit]
    return page, encode_continue(resource_version, _ident(page[-1])), len(entries) - limit


def list_objects(server, req, rt, route) -> Response:
    entries, resource_version = select(server, req, rt, route)
    page, token, remaining = paginate(req, entries, resource_version)
    if req.wants_table():
        objects = [object_dict(e.obj, rt, route.version) for e in page]
        return Response(200, table(server.registry, rt, objects, req.query.get("includeObject", "Metadata"),
                                   resource_version, token))
    return Response(200, list_bytes(rt, route.version, page, resource_version, token, remaining))
