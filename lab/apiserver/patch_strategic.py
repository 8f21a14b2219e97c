"""Kubernetes strategic merge patch, applied the way kube-apiserver applies it.

Semantics reproduced (learnt from k8s.io/apimachinery's strategicpatch, written anew here):
- objects merge key by key; `null` deletes a key; a value of another type replaces;
- lists whose field declares the merge strategy merge: by merge key for lists of objects, as a set for
  lists of scalars; every other list is replaced whole;
- `$patch: replace` (object or list item) replaces, `$patch: delete` empties an object or removes the
  list item carrying that merge key; `$patch: merge` is refused (a 500 "unknown patch type" in an object,
  "merging lists cannot yet be specified in the patch" in a list) exactly as Kubernetes refuses it;
  `$retainKeys` drops the keys it does not list (the directive, not the field's declared retainKeys
  strategy, drives this on the server, so the table does not record that strategy);
  `$setElementOrder/<list>` fixes the order of a merge list; `$deleteFromPrimitiveList/<list>` removes
  scalars from a merge list of scalars;
- merged lists keep the relative order of the patch items and of the server-only items, patch items
  that are new coming first (the order a real server produces).
Errors carry the codes kube-apiserver gives them: malformed directives 400, lists of lists and retainKeys
mismatches 422, the rest (e.g. a list item without its merge key) 500 with the library's message.
"""
import copy

from lab.apiserver.errors import ApiError, bad_request
from lab.apiserver.patch_strategies import Schema

DIRECTIVE = "$patch"
RETAIN_KEYS = "$retainKeys"
SET_ORDER_PREFIX = "$setElementOrder"
DELETE_PRIMITIVE_PREFIX = "$deleteFromPrimitiveList"


def go_format(value) -> str:
    """Render a decoded JSON value as Go's %v prints it, for messages that quote patch content."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_format(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_format(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _internal(message: str) -> ApiError:
    # kube-apiserver answers errors it does not classify with 500 and an empty (Unknown) reason.
    return ApiError(500, "", message)


def _unprocessable(message: str) -> ApiError:
    return ApiError(422, "Invalid", message)


def _no_merge_key(item, key: str) -> ApiError:
    return _internal(f"map: {go_format(item)} does not contain declared merge key: {key}")


def _kind(value) -> str:
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "slice"
    return type(value).__name__


def _without_directives(value):
    """(value with directive-bearing objects dropped, whether the value itself is kept)."""
    if isinstance(value, dict):
        if DIRECTIVE in value:
            return None, False
        kept = {}
        for k, v in value.items():
            cleaned, keep = _without_directives(v)
            if keep:
                kept[k] = cleaned
        return kept, True
    if isinstance(value, list):
        kept_items = []
        for v in value:
            cleaned, keep = _without_directives(v)
            if keep:
                kept_items.append(cleaned)
        return kept_items, True
    return value, True


def _discard_nulls(value):
    if isinstance(value, dict):
        for k in [k for k, v in value.items() if v is None]:
            del value[k]
        for v in value.values():
            _discard_nulls(v)
    elif isinstance(value, list):
        for v in value:
            _discard_nulls(v)
    return value


def _strip_directive_keys(value):
    """Drop leftover `$...` keys, as decoding the result into the typed object does on a real server."""
    if isinstance(value, dict):
        return {k: _strip_directive_keys(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip_directive_keys(v) for v in value]
    return value


def _suffix(key: str, prefix: str) -> str:
    head, sep, tail = key.partition("/")
    if not sep or head != prefix:
        if prefix == DELETE_PRIMITIVE_PREFIX:
            raise bad_request("invalid patch format of primitive list")
        raise bad_request("invalid patch format of setElementOrder list")
    return tail


def _element_kind(*lists) -> str | None:
    kind = None
    for items in lists:
        for item in items:
            current = _kind(item)
            if kind is None:
                if current == "slice":
                    raise _unprocessable("lists of lists are not supported")
                kind = current
            elif current != kind:
                raise _internal(f"list element types are not identical: {go_format(list(lists))}")
    return kind


def _identity(item, merge_key: str):
    return item.get(merge_key) if merge_key and isinstance(item, dict) else item


def same_value(left, right) -> bool:
    """JSON equality: unlike Python's, true is not 1."""
    return left == right and isinstance(left, bool) == isinstance(right, bool)


def _position(items: list, item, merge_key: str) -> int:
    wanted = _identity(item, merge_key)
    for i, candidate in enumerate(items):
        if same_value(_identity(candidate, merge_key), wanted):
            return i
    return -1


def _sorted_by(items: list, order: list, merge_key: str) -> list:
    return sorted(items, key=lambda item: _position(order, item, merge_key))


def _interleave(server_only: list, patch_items: list, server_order: list, merge_key: str) -> list:
    """Merge two ordered lists, taking a server item first only when the live order puts it first."""
    result, i, j = [], 0, 0
    while i < len(server_only) or j < len(patch_items):
        if i >= len(server_only):
            result.append(patch_items[j])
            j += 1
        elif j >= len(patch_items):
            result.append(server_only[i])
            i += 1
        else:
            left = _position(server_order, server_only[i], merge_key)
            right = _position(server_order, patch_items[j], merge_key)
            if left >= 0 and right >= 0 and left < right:
                result.append(server_only[i])
                i += 1
            else:
                result.append(patch_items[j])
                j += 1
    return result


def _partition(merged: list, reference: list, merge_key: str) -> tuple[list, list]:
    in_reference, elsewhere = [], []
    for item in merged:
        if merge_key:
            if not isinstance(item, dict) or merge_key not in item:
                raise _no_merge_key(item, merge_key)
        (in_reference if _position(reference, item, merge_key) >= 0 else elsewhere).append(item)
    return in_reference, elsewhere


def _ordered(merged: list, patch_order: list, server_order: list, merge_key: str) -> list:
    patch_items, server_only = _partition(merged, patch_order, merge_key)
    return _interleave(_sorted_by(server_only, server_order, merge_key),
                       _sorted_by(patch_items, patch_order, merge_key), server_order, merge_key)


def _merge_map_directive(patch: dict) -> dict:
    directive = patch[DIRECTIVE]
    if directive == "replace":
        return {k: v for k, v in patch.items() if k != DIRECTIVE}
    if directive == "delete":
        return {}
    raise _internal(f"unknown patch type: {go_format(directive)} in map: {go_format(patch)}")


def _apply_retain_keys(original: dict, patch: dict):
    if RETAIN_KEYS not in patch:
        return
    retained = patch.pop(RETAIN_KEYS)
    if not isinstance(retained, list):
        raise bad_request("invalid patch format of retainKeys")
    allowed = set(k for k in retained if isinstance(k, str))
    for key, value in patch.items():
        if value is None or key.startswith(DELETE_PRIMITIVE_PREFIX) or key.startswith(SET_ORDER_PREFIX):
            continue
        if key not in allowed:
            raise bad_request("invalid patch format of retainKeys")
    for key in [k for k in original if k not in allowed]:
        del original[key]


def _check_order_list(patch_list: list, order: list, merge_key: str):
    """Every non-deleted patch item must appear in the order list, in the same relative order."""
    items = [v for v in patch_list if not (isinstance(v, dict) and v.get(DIRECTIVE) == "delete")] \
        if merge_key else patch_list
    p = s = 0
    while p < len(items) and s < len(order):
        if isinstance(items[p], dict) and DIRECTIVE in items[p]:
            p += 1
            continue
        if merge_key and (not isinstance(items[p], dict) or merge_key not in items[p]):
            raise _no_merge_key(items[p], merge_key)
        if same_value(_identity(items[p], merge_key), _identity(order[s], merge_key)):
            p += 1
        s += 1
    if p < len(items):
        raise _internal(f"The order in patch list:\n{go_format(patch_list)}\n doesn't match "
                        f"{SET_ORDER_PREFIX} list:\n{go_format(order)}\n")


def _apply_element_orders(original: dict, patch: dict, schema: Schema):
    for key in [k for k in patch if k.startswith(SET_ORDER_PREFIX)]:
        order = patch.pop(key)
        name = _suffix(key, SET_ORDER_PREFIX)
        if not isinstance(order, list):
            raise _internal(f"expected a []interface {{}}, but received a {type(order).__name__}")
        field = schema.field(name)
        in_original, in_patch = name in original, name in patch
        original_list = original.get(name) if in_original else []
        patch_list = patch.get(name) if in_patch else []
        for value in (original_list, patch_list):
            if not isinstance(value, list):
                raise _internal(f"expected a []interface {{}}, but received a {_kind(value)}")
        _check_order_list(patch_list, order, field.merge_key)
        if in_original and in_patch:
            merged = _merge_list_field(original_list, patch_list, schema.child(name), field, False)
        elif in_patch:
            merged = _without_directives(patch_list)[0]
        elif in_original:
            merged = original_list
        else:
            continue
        original[name] = _ordered(merged, order, original_list, field.merge_key)
        patch.pop(name, None)


def merge_map(original: dict | None, patch: dict, schema: Schema) -> dict:
    """Merge `patch` into `original` (both are consumed; pass copies)."""
    if DIRECTIVE in patch:
        return _merge_map_directive(patch)
    if original is None:
        original = {}
    _apply_retain_keys(original, patch)
    _apply_element_orders(original, patch, schema)
    for key, value in patch.items():
        deletion_list = key.startswith(DELETE_PRIMITIVE_PREFIX)
        if deletion_list:
            key = _suffix(key, DELETE_PRIMITIVE_PREFIX)
        if value is None:
            original.pop(key, None)
            continue
        if key not in original or _kind(original[key]) != _kind(value):
            if not deletion_list:
                kept, keep = _without_directives(_discard_nulls(value))
                if keep:
                    original[key] = kept
                else:
                    original.pop(key, None)
            continue
        current, field = original[key], schema.field(key)
        if isinstance(current, dict):
            if field.strategy == "replace":
                original[key] = value
            else:
                original[key] = merge_map(current, value, schema.child(key))
        elif isinstance(current, list):
            original[key] = _merge_list_field(current, value, schema.child(key), field, deletion_list)
        else:
            kept, keep = _without_directives(value)
            if keep:
                original[key] = kept
            else:
                original.pop(key, None)
    return original


def _merge_list_field(current: list, value: list, item_schema: Schema, field, deletion_list: bool) -> list:
    if field.strategy == "merge" or deletion_list:
        return _merge_list(current, value, item_schema, field.merge_key, deletion_list)
    return value


def _merge_list(original: list, patch: list, item_schema: Schema, merge_key: str, deletion_list: bool) -> list:
    if not original and not patch:
        return original
    kind = _element_kind(original, patch)
    if kind != "map":
        if deletion_list:
            return [v for v in original if _position(patch, v, "") < 0]
        merged = []
        for v in original + patch:
            if _position(merged, v, "") < 0:
                merged.append(v)
    else:
        if not merge_key:
            raise _internal("cannot merge lists without merge key")
        original, patch = _apply_item_directives(original, patch, merge_key)
        merged = _merge_items(original, patch, merge_key, item_schema)
    return _ordered(merged, patch, original, merge_key)


def _apply_item_directives(original: list, patch: list, merge_key: str) -> tuple[list, list]:
    plain, replace = [], False
    for item in patch:
        if DIRECTIVE not in item:
            plain.append(item)
            continue
        directive = item[DIRECTIVE]
        if directive == "delete":
            if merge_key not in item:
                raise _no_merge_key(item, merge_key)
            original = [o for o in original
                        if not (isinstance(o, dict) and same_value(o.get(merge_key), item[merge_key]))]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise _internal("merging lists cannot yet be specified in the patch")
        else:
            raise _internal(f"unknown patch type: {go_format(directive)} in map: {go_format(item)}")
    if replace:
        return plain, []
    return original, plain


def _merge_items(original: list, patch: list, merge_key: str, item_schema: Schema) -> list:
    merged = list(original)
    for item in patch:
        if merge_key not in item:
            raise _no_merge_key(item, merge_key)
        index = _position(merged, item, merge_key)
        if index >= 0:
            merged[index] = merge_map(merged[index], item, item_schema)
        else:
            merged.append(item)
    return merged


def strategic_merge(obj: dict, patch: dict, schema: Schema) -> dict:
    if not isinstance(patch, dict):
        raise bad_request("invalid JSON document")
    merged = merge_map(copy.deepcopy(obj), copy.deepcopy(patch), schema)
    return _strip_directive_keys(merged)
