"""Field errors (status causes) worded as k8s.io/apimachinery's field package words them."""
from lab.apiserver.schema_validate import go_value

FIELD_IMMUTABLE = "field is immutable"
NEGATIVE = "must be greater than or equal to 0"


def _cause(reason: str, path: str, message: str) -> dict:
    return {"reason": reason, "message": message, "field": path}


def _with_detail(body: str, detail: str) -> str:
    return f"{body}: {detail}" if detail else body


def required(path: str, detail: str = "") -> dict:
    return _cause("FieldValueRequired", path, _with_detail("Required value", detail))


def invalid(path: str, value, detail: str = "") -> dict:
    return _cause("FieldValueInvalid", path, _with_detail(f"Invalid value: {go_value(value)}", detail))


def not_supported(path: str, value, supported) -> dict:
    listed = ", ".join(go_value(str(v)) for v in supported)
    detail = f"supported values: {listed}" if listed else ""
    return _cause("FieldValueNotSupported", path, _with_detail(f"Unsupported value: {go_value(value)}", detail))


def duplicate(path: str, value) -> dict:
    return _cause("FieldValueDuplicate", path, f"Duplicate value: {go_value(value)}")


def forbidden(path: str, detail: str) -> dict:
    return _cause("FieldValueForbidden", path, _with_detail("Forbidden", detail))


def too_long(path: str, max_length: int) -> dict:
    unit = "byte" if max_length == 1 else "bytes"
    return _cause("FieldValueTooLong", path, f"Too long: may not be more than {max_length} {unit}")


def immutable(path: str, value) -> dict:
    return invalid(path, value, FIELD_IMMUTABLE)


def non_negative(path: str, value) -> list[dict]:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return [invalid(path, value, NEGATIVE)]
    return []


def child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def index(path: str, i: int) -> str:
    return f"{path}[{i}]"
