"""Structural openAPIV3Schema enforcement for custom resources (contract entry points).

The HTTP layer runs them in the apiserver's order on create and update: prune, apply_defaults, validate.
"""
from lab.apiserver import schema_structural, schema_validate


def apply_defaults(schema: dict, obj: dict) -> dict:
    """Defaults set where their parent exists (recursively); nulls the schema forbids are dropped."""
    return schema_structural.apply_defaults(schema, obj)


def prune(schema: dict, obj: dict) -> dict:
    """Drop fields the schema does not describe, unless x-kubernetes-preserve-unknown-fields."""
    return schema_structural.prune(schema, obj)


def validate(schema: dict, obj: dict) -> list[dict]:
    """Causes [{"reason", "message", "field"}] worded like kube-apiserver; empty when valid."""
    if not schema:
        return []
    return schema_validate.validate_value(schema, obj, "", root=True)
