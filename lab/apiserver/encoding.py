"""Encoding stored objects for responses: served-version rewrite, lists, tables."""
import json


def dumps(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def served_api_version(rt, version) -> str:
    return f"{rt.group}/{version}" if rt.group else version


def object_bytes(entry, rt, version) -> bytes:
    """An entry's JSON as the requested version (CRD versions are served without conversion)."""
    if version == rt.version:
        return entry.json()
    return dumps(dict(entry.obj, apiVersion=served_api_version(rt, version)))


def object_dict(obj, rt, version) -> dict:
    if version != rt.version:
        obj = dict(obj, apiVersion=served_api_version(rt, version))
    return obj


def list_bytes(rt, version, entries, resource_version, continue_token=None, remaining=None) -> bytes:
    metadata = {"resourceVersion": resource_version}
    if continue_token:
        metadata["continue"] = continue_token
    if remaining:
        metadata["remainingItemCount"] = remaining
    head = dumps({"kind": rt.list_kind, "apiVersion": served_api_version(rt, version), "metadata": metadata})
    items = b",".join(object_bytes(entry, rt, version) for entry in entries)
    return head[:-1] + b',"items":[' + items + b"]}"


def table(registry, rt, objects, include_object="Metadata", resource_version=None, continue_token=None) -> dict:
    from . import tables   # LAB-API-LIBS's library; imported when first needed
    body = tables.to_table(rt, objects, registry.printer_columns(rt.key), include_object)
    metadata = body.setdefault("metadata", {})
    if resource_version:
        metadata["resourceVersion"] = resource_version
    if continue_token:
        metadata["continue"] = continue_token
    return body
