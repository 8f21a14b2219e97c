"""Server-side apply, simplified.

What is reproduced: apply creates the object when it is absent; otherwise the applied configuration is
merged into the live object (strategic-merge semantics for built-in kinds, so keyed lists merge by their
keys; JSON-merge semantics with atomic lists for custom resources); fields this manager applied before
and leaves out now are removed; the manager's `Apply` entry in metadata.managedFields (FieldsV1) is
written with its apiVersion and time.

What is not: ownership shared between managers and conflict detection. A real server answers 409
Conflict when an apply changes a field another manager owns (unless force=true) and keeps a field that
another manager also owns when this one drops it; the lab never reports such conflicts, so `force` has
no effect here, and a dropped field is removed even if another manager set it too.
"""
import copy
import json
from datetime import datetime, timezone

from lab.apiserver.errors import bad_request
from lab.apiserver.patch_json import merge_patch
from lab.apiserver.patch_strategic import strategic_merge
from lab.apiserver.patch_strategies import Schema, root_schema

_IDENTITY_FIELDS = ("apiVersion", "kind")
_SERVER_OWNED_METADATA = ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation",
                          "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink")


def _timestamp(now: datetime | None) -> str:
    return (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _item_key(item, merge_key: str) -> str:
    return "k:" + json.dumps({merge_key: item.get(merge_key)}, separators=(",", ":"), sort_keys=True)


def fields_v1(value, schema: Schema | None) -> dict:
    """The FieldsV1 set of the fields present in an applied configuration."""
    if not isinstance(value, dict):
        return {}
    fields = {}
    for key, child in value.items():
        field = schema.field(key) if schema else None
        child_schema = schema.child(key) if schema else None
        if isinstance(child, dict):
            fields[f"f:{key}"] = fields_v1(child, child_schema)
        elif isinstance(child, list) and field is not None and field.strategy == "merge":
            fields[f"f:{key}"] = _list_fields(child, field.merge_key, child_schema)
        else:
            fields[f"f:{key}"] = {}
    return fields


def _list_fields(items: list, merge_key: str, item_schema: Schema | None) -> dict:
    owned = {}
    for item in items:
        if merge_key and isinstance(item, dict):
            owned[_item_key(item, merge_key)] = {".": {}, **fields_v1(item, item_schema)}
        elif not merge_key:
            owned["v:" + json.dumps(item, separators=(",", ":"))] = {}
    return owned


def _drop_released(live, before: dict, after: dict, schema: Schema | None):
    """Remove from `live` what the previous apply set (`before`) and this one leaves out (`after`).

    A leaf (`{}`) that is no longer applied is removed; an object is only owned through its fields,
    so its released fields are removed and the object goes too if that leaves it empty.
    """
    if not isinstance(live, dict):
        return
    for entry, sub in before.items():
        if not entry.startswith("f:"):
            continue
        name = entry[2:]
        if name not in live:
            continue
        still_applied = after.get(entry)
        if still_applied is None and not sub:
            del live[name]
            continue
        field = schema.field(name) if schema else None
        child_schema = schema.child(name) if schema else None
        value = live[name]
        if isinstance(value, dict):
            _drop_released(value, sub, still_applied or {}, child_schema)
        elif isinstance(value, list) and field is not None and field.strategy == "merge":
            live[name] = _drop_released_items(value, sub, still_applied or {}, field.merge_key, child_schema)
        elif still_applied is None:
            del live[name]
            continue
        if still_applied is None and not live[name] and name != "metadata":
            del live[name]


def _drop_released_items(items: list, before: dict, after: dict, merge_key: str, schema: Schema | None) -> list:
    kept = []
    for item in items:
        entry = _item_key(item, merge_key) if merge_key and isinstance(item, dict) \
            else "v:" + json.dumps(item, separators=(",", ":"))
        if entry in before and entry not in after:
            continue
        if entry in before and isinstance(item, dict):
            _drop_released(item, before[entry], after[entry], schema)
        kept.append(item)
    return kept


def _record(obj: dict, manager: str, api_version: str, owned: dict, now: datetime | None) -> dict:
    metadata = obj.setdefault("metadata", {})
    entries = [e for e in metadata.get("managedFields") or []
               if not (e.get("manager") == manager and e.get("operation") == "Apply")]
    entries.append({"manager": manager, "operation": "Apply", "apiVersion": api_version,
                    "time": _timestamp(now), "fieldsType": "FieldsV1", "fieldsV1": owned})
    metadata["managedFields"] = entries
    return obj


def _previous_apply(live: dict, manager: str) -> dict:
    for entry in (live.get("metadata") or {}).get("managedFields") or []:
        if entry.get("manager") == manager and entry.get("operation") == "Apply":
            return entry.get("fieldsV1") or {}
    return {}


def _intent(applied: dict) -> dict:
    intent = copy.deepcopy(applied)
    metadata = intent.get("metadata")
    if isinstance(metadata, dict):
        for name in _SERVER_OWNED_METADATA:
            metadata.pop(name, None)
    return intent


def _owned_fields(intent: dict, schema: Schema | None) -> dict:
    """What the manager owns: everything it applied except the object's identity (type, name, namespace)."""
    content = {k: v for k, v in intent.items() if k not in _IDENTITY_FIELDS}
    metadata = content.get("metadata")
    if isinstance(metadata, dict):
        content["metadata"] = {k: v for k, v in metadata.items() if k not in ("name", "namespace")}
        if not content["metadata"]:
            del content["metadata"]
    return fields_v1(content, schema)


def apply_patch(live: dict | None, applied: dict, key: str, field_manager: str, force: bool,
                now: datetime | None = None) -> dict:
    if not isinstance(applied, dict):
        raise bad_request("the applied configuration must be an object")
    schema = root_schema(key)
    intent = _intent(applied)
    owned = _owned_fields(intent, schema)
    api_version = applied.get("apiVersion", "")
    if live is None:
        return _record(intent, field_manager, api_version, owned, now)
    merged = strategic_merge(live, intent, schema) if schema is not None else merge_patch(live, intent)
    _drop_released(merged, _previous_apply(live, field_manager), owned, schema)
    return _record(merged, field_manager, api_version, owned, now)
