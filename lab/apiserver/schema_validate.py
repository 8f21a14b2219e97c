"""Validation of custom resources against a structural openAPIV3Schema.

Causes are worded as kube-apiserver words them for CRDs (kube-openapi messages wrapped in
apimachinery field errors): the field path names the offending field ("spec.replicas",
"spec.items[0].name"), and the message is the field error's body, e.g.
`Invalid value: "abc": spec.minHealthy in body should match '^[0-9]+%?$'`,
`Required value`, `Unsupported value: "x": supported values: "a", "b"`.
Formats (date-time, duration, ...) are accepted without checking.
"""
import json
import re

from lab.apiserver.schema_walk import additional, child_path, embedded, index_path, items, properties

def go_value(value) -> str:
    """A bad value as a field error prints it: strings quoted, numbers and booleans bare, else JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float)):
        return go_number(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def go_number(value) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def _cause(reason: str, field: str, message: str) -> dict:
    return {"reason": reason, "message": message, "field": field}


def _invalid(field: str, value, detail: str) -> dict:
    return _cause("FieldValueInvalid", field, f"Invalid value: {go_value(value)}: {detail}")


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _allowed_types(schema: dict) -> list[str]:
    if schema.get("x-kubernetes-int-or-string"):
        return ["integer", "string"]
    declared = schema.get("type")
    return [declared] if declared else []


def _type_matches(allowed: list[str], actual: str, value) -> bool:
    if actual in allowed:
        return True
    if actual == "integer" and "number" in allowed:
        return True
    return actual == "number" and "integer" in allowed and float(value).is_integer()


def _check_type(schema: dict, value, path: str) -> list[dict]:
    allowed = _allowed_types(schema)
    actual = _json_type(value)
    if value is None:
        if not allowed or schema.get("nullable"):
            return []
    elif not allowed or _type_matches(allowed, actual, value):
        return []
    detail = f'{path} in body must be of type {",".join(allowed)}: "{actual}"'
    return [_cause("FieldValueTypeInvalid", path, f'Invalid value: "{actual}": {detail}')]


def _check_enum(schema: dict, value, path: str) -> list[dict]:
    enum = schema.get("enum")
    if not enum or any(value == v and isinstance(value, bool) == isinstance(v, bool) for v in enum):
        return []
    supported = ", ".join(json.dumps(v if isinstance(v, str) else json.dumps(v)) for v in enum)
    return [_cause("FieldValueNotSupported", path,
                   f"Unsupported value: {go_value(value)}: supported values: {supported}")]


def _check_string(schema: dict, value: str, path: str) -> list[dict]:
    causes = []
    max_length, min_length = schema.get("maxLength"), schema.get("minLength")
    if max_length is not None and len(value) > max_length:
        unit = "byte" if max_length == 1 else "bytes"
        causes.append(_cause("FieldValueTooLong", path, f"Too long: may not be more than {max_length} {unit}"))
    if min_length is not None and len(value) < min_length:
        causes.append(_invalid(path, value, f"{path} in body should be at least {min_length} chars long"))
    pattern = schema.get("pattern")
    if pattern is not None and re.search(pattern, value) is None:
        causes.append(_invalid(path, value, f"{path} in body should match '{pattern}'"))
    return causes


def _check_number(schema: dict, value, path: str) -> list[dict]:
    causes = []
    maximum, minimum = schema.get("maximum"), schema.get("minimum")
    if maximum is not None:
        exclusive = bool(schema.get("exclusiveMaximum"))
        if value > maximum or (exclusive and value == maximum):
            relation = "less than" if exclusive else "less than or equal to"
            causes.append(_invalid(path, value, f"{path} in body should be {relation} {go_number(maximum)}"))
    if minimum is not None:
        exclusive = bool(schema.get("exclusiveMinimum"))
        if value < minimum or (exclusive and value == minimum):
            relation = "greater than" if exclusive else "greater than or equal to"
            causes.append(_invalid(path, value, f"{path} in body should be {relation} {go_number(minimum)}"))
    return causes


def _check_array(schema: dict, value: list, path: str) -> list[dict]:
    causes = []
    max_items, min_items = schema.get("maxItems"), schema.get("minItems")
    if max_items is not None and len(value) > max_items:
        unit = "item" if max_items == 1 else "items"
        causes.append(_cause("FieldValueTooMany", path,
                             f"Too many: {len(value)}: must have at most {max_items} {unit}"))
    if min_items is not None and len(value) < min_items:
        causes.append(_invalid(path, len(value), f"{path} in body should have at least {min_items} items"))
    item_schema = items(schema)
    if item_schema is not None:
        for index, item in enumerate(value):
            causes.extend(validate_value(item_schema, item, index_path(path, index)))
    return causes + _check_list_type(schema, value, path)


def _check_list_type(schema: dict, value: list, path: str) -> list[dict]:
    """x-kubernetes-list-type set and map lists may not repeat an item (or an item's keys)."""
    list_type = schema.get("x-kubernetes-list-type")
    if list_type not in ("set", "map"):
        return []
    keys = schema.get("x-kubernetes-list-map-keys") or []
    seen, causes = [], []
    for index, item in enumerate(value):
        if list_type == "map":
            if not isinstance(item, dict):
                continue
            identity = {k: item.get(k) for k in keys if k in item}
        else:
            identity = item
        fingerprint = json.dumps(identity, sort_keys=True)
        if fingerprint in seen:
            causes.append(_cause("FieldValueDuplicate", index_path(path, index),
                                 f"Duplicate value: {go_value(identity)}"))
        else:
            seen.append(fingerprint)
    return causes


def _check_object(schema: dict, value: dict, path: str, root: bool) -> list[dict]:
    causes = []
    for name in schema.get("required") or []:
        if name not in value:
            causes.append(_cause("FieldValueRequired", child_path(path, name), "Required value"))
    known, extra = properties(schema), additional(schema)
    is_resource = root or embedded(schema)
    for name, child in value.items():
        if is_resource and name == "metadata":
            continue  # ObjectMeta is validated as metadata, not against the schema
        child_schema = known.get(name, extra)
        if child_schema is not None:
            causes.extend(validate_value(child_schema, child, child_path(path, name)))
    return causes


def validate_value(schema: dict, value, path: str, root: bool = False) -> list[dict]:
    type_causes = _check_type(schema, value, path)
    if type_causes:
        return type_causes
    if value is None:
        return []
    causes = _check_enum(schema, value, path)
    if isinstance(value, str):
        causes += _check_string(schema, value, path)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        causes += _check_number(schema, value, path)
    elif isinstance(value, list):
        causes += _check_array(schema, value, path)
    elif isinstance(value, dict):
        causes += _check_object(schema, value, path, root)
    return causes
