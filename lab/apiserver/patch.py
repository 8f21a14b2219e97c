"""The four patch mechanisms of the API server (contract entry points).

Every function returns a new object and leaves its inputs untouched; failures are errors.ApiError with
the code kube-apiserver gives them (see patch_json, patch_strategic and patch_apply for the details).
"""
from lab.apiserver import patch_apply, patch_json, patch_strategic
from lab.apiserver.errors import ApiError
from lab.apiserver.patch_strategies import root_schema

_ACCEPTED_FOR_CUSTOM = ("application/json-patch+json, application/merge-patch+json, "
                        "application/apply-patch+yaml")


def json_patch(obj: dict, ops: list) -> dict:
    """RFC 6902; a failed `test` or a path that does not resolve is 422, a malformed body 400."""
    return patch_json.json_patch(obj, ops)


def merge_patch(obj: dict, patch: dict) -> dict:
    """RFC 7386 JSON merge patch."""
    return patch_json.merge_patch(obj, patch)


def strategic_merge_patch(obj: dict, patch: dict, key: str) -> dict:
    """Strategic merge patch for a built-in resource key; 415 for custom resources, as Kubernetes does."""
    schema = root_schema(key)
    if schema is None:
        raise ApiError(415, "UnsupportedMediaType",
                       "the body of the request was in an unknown format - accepted media types include: "
                       + _ACCEPTED_FOR_CUSTOM)
    return patch_strategic.strategic_merge(obj, patch, schema)


def apply_patch(live: dict | None, applied: dict, key: str, field_manager: str, force: bool) -> dict:
    """Server-side apply without conflict tracking; see patch_apply for what is and is not reproduced."""
    return patch_apply.apply_patch(live, applied, key, field_manager, force)
