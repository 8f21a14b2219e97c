"""Per-kind preparation of objects before they are stored: status resets, defaults, validation.

Built-in kinds go through builtin.py, custom resources through their CRD schema (schema.py); both
libraries are imported when first needed.
"""
import re

from . import errors
from .resources import builtin_types

BUILTIN_KEYS = frozenset(rt.key for rt in builtin_types())
_STATUS_CLEARED_ON_CREATE = {"deployments.apps", "replicasets.apps", "daemonsets.apps", "statefulsets.apps",
                             "poddisruptionbudgets.policy", "persistentvolumeclaims", "persistentvolumes"}
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def is_builtin(rt) -> bool:
    return rt.key in BUILTIN_KEYS


def prepare_create(registry, rt, obj: dict) -> dict:
    if rt.key == "pods":
        obj["status"] = {"phase": "Pending", **{k: v for k, v in (obj.get("status") or {}).items()
                                                 if k == "qosClass"}}
    elif rt.key in _STATUS_CLEARED_ON_CREATE:
        obj["status"] = {}
    elif not is_builtin(rt) and rt.has_status_subresource:
        obj.pop("status", None)
    return default(registry, rt, obj)


def default(registry, rt, obj: dict) -> dict:
    if is_builtin(rt):
        from . import builtin
        return builtin.apply_defaults(rt.key, obj)
    schema = registry.schema(rt.key)
    if schema:
        from . import schema as schemas
        obj = schemas.prune(schema, obj)
        obj = schemas.apply_defaults(schema, obj)
    return obj


def validate(registry, rt, obj: dict, old: dict | None = None):
    """Raise 422 Invalid with the causes the libraries report."""
    name = (obj.get("metadata") or {}).get("name") or ""
    if is_builtin(rt):
        from . import builtin
        causes = builtin.validate(rt.key, obj, old)
    else:
        causes = []
        if name and (len(name) > 253 or not _DNS_SUBDOMAIN.match(name)):
            causes.append({"reason": "FieldValueInvalid", "field": "metadata.name",
                           "message": f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist '
                                      "of lower case alphanumeric characters, '-' or '.', and must start and "
                                      "end with an alphanumeric character"})
        schema = registry.schema(rt.key)
        if schema:
            from . import schema as schemas
            causes.extend(schemas.validate(schema, obj))
    if causes:
        raise errors.invalid(rt.kind, name, causes)


def unknown_fields(registry, rt, obj: dict) -> list[str]:
    """Paths of fields a custom resource's schema would prune (what fieldValidation reports)."""
    if is_builtin(rt):
        return []
    schema = registry.schema(rt.key)
    if not schema:
        return []
    from . import schema as schemas
    return _dropped(obj, schemas.prune(schema, obj), "")


def _dropped(original, pruned, prefix) -> list[str]:
    if isinstance(original, dict) and isinstance(pruned, dict):
        paths = []
        for key, value in original.items():
            path = f"{prefix}.{key}" if prefix else key
            if key not in pruned:
                paths.append(path)
            else:
                paths.extend(_dropped(value, pruned[key], path))
        return paths
    if isinstance(original, list) and isinstance(pruned, list) and len(original) == len(pruned):
        paths = []
        for index, (before, after) in enumerate(zip(original, pruned)):
            paths.extend(_dropped(before, after, f"{prefix}[{index}]"))
        return paths
    return []


def field_validation(req, registry, rt, obj) -> dict:
    """Apply the request's fieldValidation to unknown fields: 400 when Strict, Warning headers when Warn."""
    directive = req.query.get("fieldValidation", "Warn")
    if directive not in ("Ignore", "Warn", "Strict"):
        raise errors.bad_request(f'fieldValidation: Unsupported value: "{directive}": supported values: '
                                 '"Ignore", "Warn", "Strict"')
    unknown = unknown_fields(registry, rt, obj) if directive != "Ignore" else []
    if not unknown:
        return {}
    described = ", ".join(f'unknown field "{path}"' for path in unknown)
    if directive == "Strict":
        raise errors.bad_request(f"strict decoding error: {described}")
    return {"Warning": ", ".join(f'299 - "unknown field \\"{path}\\""' for path in unknown)}
