"""Pruning and defaulting of custom resources against a structural openAPIV3Schema.

Both follow the apiextensions-apiserver order of work on a write: unknown fields are pruned, nulls
that the schema does not allow (nullable false) are dropped unless a default replaces them, then
defaults are set wherever the parent object exists, and the defaults of nested properties apply
inside defaulted values too.
"""
import copy

from lab.apiserver.schema_walk import additional, embedded, items, preserves_unknown, properties

# Fields of every object that an embedded resource or the root may carry whatever the schema says.
_RESOURCE_FIELDS = ("apiVersion", "kind", "metadata")


def prune(schema: dict, obj, root: bool = True):
    """A copy of `obj` without the fields the schema does not know."""
    return _prune(schema or {}, copy.deepcopy(obj), root)


def _prune(schema: dict, value, keep_resource_fields: bool):
    if isinstance(value, dict):
        known = properties(schema)
        extra = additional(schema)
        keeps_all = preserves_unknown(schema) or schema.get("additionalProperties") is True
        keep_resource = keep_resource_fields or embedded(schema)
        for key in list(value):
            if keep_resource and key in _RESOURCE_FIELDS:
                continue
            if key in known:
                value[key] = _prune(known[key], value[key], False)
            elif extra is not None:
                value[key] = _prune(extra, value[key], False)
            elif not keeps_all:
                del value[key]
    elif isinstance(value, list):
        item_schema = items(schema)
        if item_schema is not None:
            return [_prune(item_schema, item, False) for item in value]
    return value


def apply_defaults(schema: dict, obj):
    """A copy of `obj` with schema defaults applied and disallowed nulls removed."""
    return _default(schema or {}, copy.deepcopy(obj))


def _default(schema: dict, value):
    if isinstance(value, dict):
        known = properties(schema)
        for key, prop in known.items():
            if key in value and value[key] is None and not prop.get("nullable"):
                if "default" in prop:
                    value[key] = copy.deepcopy(prop["default"])
                else:
                    del value[key]
            elif key not in value and "default" in prop:
                value[key] = copy.deepcopy(prop["default"])
        extra = additional(schema)
        for key in list(value):
            prop = known.get(key, extra)
            if prop is not None:
                value[key] = _default(prop, value[key])
    elif isinstance(value, list):
        item_schema = items(schema)
        if item_schema is not None:
            return [_default(item_schema, item) for item in value]
    return value
