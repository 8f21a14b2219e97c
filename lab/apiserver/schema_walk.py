"""Navigation helpers shared by the structural-schema passes (defaulting, pruning, validation)."""


def properties(schema: dict) -> dict:
    return schema.get("properties") or {}


def additional(schema: dict) -> dict | None:
    """The schema of additionalProperties values, or None when they are not described by a schema."""
    value = schema.get("additionalProperties")
    return value if isinstance(value, dict) else None


def items(schema: dict) -> dict | None:
    value = schema.get("items")
    return value if isinstance(value, dict) else None


def preserves_unknown(schema: dict) -> bool:
    return schema.get("x-kubernetes-preserve-unknown-fields") is True


def embedded(schema: dict) -> bool:
    return schema.get("x-kubernetes-embedded-resource") is True


def child_path(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def index_path(path: str, index: int) -> str:
    return f"{path}[{index}]"
