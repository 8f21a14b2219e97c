"""RFC 6902 JSON patch and RFC 7386 JSON merge patch over plain JSON data.

Failures are reported the way kube-apiserver reports them: a body that is not a patch document is a
400 BadRequest; a patch that cannot be applied to the object (a failed `test`, a missing path, an
index out of range) is a 422 Invalid whose message is only the generic "the server rejected our
request due to an error in our request", without causes (kubectl prints "The request is invalid: the
server rejected our request due to an error in our request"). The detail stays on the exception's
`detail` attribute for the lab's own logs and tests; it is not sent.
"""
import copy

from lab.apiserver.errors import ApiError, bad_request

_OPERATIONS = ("add", "remove", "replace", "move", "copy", "test")
_REJECTED = "the server rejected our request due to an error in our request"


def unprocessable(detail: str) -> ApiError:
    error = ApiError(422, "Invalid", _REJECTED)
    error.detail = detail
    return error


def parse_pointer(pointer) -> list[str]:
    """Split a JSON pointer into unescaped reference tokens (`~1` is `/`, `~0` is `~`)."""
    if not isinstance(pointer, str):
        raise bad_request(f"path must be a string, got {type(pointer).__name__}")
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise unprocessable(f'JSON pointer "{pointer}" must start with "/"')
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def _array_index(token: str, length: int, pointer: str, allow_end: bool) -> int:
    if allow_end and token == "-":
        return length
    if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
        raise unprocessable(f'invalid array index "{token}" in path "{pointer}"')
    index = int(token)
    limit = length if allow_end else length - 1
    if index > limit:
        raise unprocessable(f"Unable to access invalid index: {index} in path \"{pointer}\"")
    return index


def _parent(doc, tokens: list[str], pointer: str, operation: str):
    """The container holding the last token of `tokens`."""
    node = doc
    for token in tokens[:-1]:
        if isinstance(node, dict):
            if token not in node:
                raise unprocessable(f'{operation} operation does not apply: doc is missing path: "{pointer}"')
            node = node[token]
        elif isinstance(node, list):
            node = node[_array_index(token, len(node), pointer, allow_end=False)]
        else:
            raise unprocessable(f'{operation} operation does not apply: doc is missing path: "{pointer}"')
    if not isinstance(node, (dict, list)):
        raise unprocessable(f'{operation} operation does not apply: doc is missing path: "{pointer}"')
    return node


def _get(doc, pointer: str, operation: str):
    node = doc
    for token in parse_pointer(pointer):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list):
            node = node[_array_index(token, len(node), pointer, allow_end=False)]
        else:
            raise unprocessable(f'{operation} operation does not apply: doc is missing path: "{pointer}"')
    return node


def _member_of_existing_object(doc, pointer: str) -> bool:
    tokens = parse_pointer(pointer)
    if not tokens:
        return False
    try:
        parent = _get(doc, "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens[:-1]), "test")
    except ApiError:
        return False
    return isinstance(parent, dict)


def _add(doc, pointer: str, value):
    tokens = parse_pointer(pointer)
    if not tokens:
        return value
    parent = _parent(doc, tokens, pointer, "add")
    if isinstance(parent, dict):
        parent[tokens[-1]] = value
    else:
        parent.insert(_array_index(tokens[-1], len(parent), pointer, allow_end=True), value)
    return doc


def _remove(doc, pointer: str, operation: str = "remove"):
    tokens = parse_pointer(pointer)
    if not tokens:
        raise unprocessable(f"{operation} operation does not apply: cannot remove the whole document")
    parent = _parent(doc, tokens, pointer, operation)
    if isinstance(parent, dict):
        if tokens[-1] not in parent:
            raise unprocessable(f'{operation} operation does not apply: doc is missing key: "{pointer}"')
        return doc, parent.pop(tokens[-1])
    return doc, parent.pop(_array_index(tokens[-1], len(parent), pointer, allow_end=False))


def _replace(doc, pointer: str, value):
    tokens = parse_pointer(pointer)
    if not tokens:
        return value
    parent = _parent(doc, tokens, pointer, "replace")
    if isinstance(parent, dict):
        if tokens[-1] not in parent:
            raise unprocessable(f'replace operation does not apply: doc is missing key: "{pointer}"')
        parent[tokens[-1]] = value
    else:
        parent[_array_index(tokens[-1], len(parent), pointer, allow_end=False)] = value
    return doc


def _required(op: dict, name: str):
    if name not in op:
        raise bad_request(f'operation "{op.get("op")}" is missing the "{name}" member')
    return op[name]


def _json_equal(left, right) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_json_equal(a, b) for a, b in zip(left, right))
    return left == right


def apply_operation(doc, op: dict):
    if not isinstance(op, dict):
        raise bad_request("a JSON patch operation must be an object")
    kind = op.get("op")
    if kind not in _OPERATIONS:
        raise bad_request(f'Unexpected kind: {kind}')
    path = _required(op, "path")
    if kind == "add":
        return _add(doc, path, copy.deepcopy(_required(op, "value")))
    if kind == "remove":
        return _remove(doc, path)[0]
    if kind == "replace":
        return _replace(doc, path, copy.deepcopy(_required(op, "value")))
    if kind == "test":
        expected = _required(op, "value")
        try:
            actual = _get(doc, path, "test")
        except ApiError:
            # Kubernetes' json-patch reads a missing member of an existing object as null, so a guard written
            # as {"op": "test", "path": "/spec/taints", "value": null} passes on a node without taints.
            if expected is not None or not _member_of_existing_object(doc, path):
                raise unprocessable(f'testing value {path} failed: test failed')
            return doc
        if not _json_equal(actual, expected):
            raise unprocessable(f'testing value {path} failed: test failed')
        return doc
    source = _required(op, "from")
    if kind == "copy":
        return _add(doc, path, copy.deepcopy(_get(doc, source, "copy")))
    if path == source:
        return doc
    if path.startswith(source + "/"):
        raise unprocessable(f'move operation does not apply: "{path}" is a child of "{source}"')
    doc, value = _remove(doc, source, "move")
    return _add(doc, path, value)


def json_patch(obj: dict, ops: list) -> dict:
    """Apply RFC 6902 operations in order; all or nothing, the input is left untouched."""
    if not isinstance(ops, list):
        raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(obj)
    for op in ops:
        doc = apply_operation(doc, op)
    return doc


def merge_patch(obj: dict, patch: dict) -> dict:
    """RFC 7386: objects merge recursively, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        raise bad_request("invalid JSON document: a merge patch must be a JSON object")
    return _merge_value(obj, patch)


def _merge_value(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_value(result.get(key), value)
    return result
