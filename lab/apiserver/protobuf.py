"""Decoding of the Kubernetes protobuf request bodies that kubectl's typed commands send.

Only the kinds and fields that `kubectl create namespace|configmap|secret|serviceaccount|deployment|
poddisruptionbudget` produce are described. Fields Go always encodes are dropped when they hold their zero value;
any other field the lab does not know makes the request answer 415, so nothing is silently lost.
"""
import base64

from . import errors

MAGIC = b"k8s\x00"

# message -> {field number: (json name, type, flags)}; flags: "repeated", "keep_zero" (Go pointer fields)
_OBJECT_META = {1: ("name", "string"), 2: ("generateName", "string"), 3: ("namespace", "string"),
                4: ("selfLink", "string"), 5: ("uid", "string"), 6: ("resourceVersion", "string"),
                7: ("generation", "int"), 8: ("creationTimestamp", "Time"), 11: ("labels", "map"),
                12: ("annotations", "map"), 13: ("ownerReferences", "OwnerReference", "repeated"),
                14: ("finalizers", "string", "repeated")}
_LABEL_SELECTOR = {1: ("matchLabels", "map"), 2: ("matchExpressions", "LabelSelectorRequirement", "repeated")}
SCHEMAS = {
    "Unknown": {1: ("typeMeta", "TypeMeta"), 2: ("raw", "bytes"), 3: ("contentEncoding", "string"),
                4: ("contentType", "string")},
    "TypeMeta": {1: ("apiVersion", "string"), 2: ("kind", "string")},
    "ObjectMeta": _OBJECT_META,
    "Time": {1: ("seconds", "int"), 2: ("nanos", "int")},
    "OwnerReference": {1: ("kind", "string"), 3: ("name", "string"), 4: ("uid", "string"),
                       5: ("apiVersion", "string"), 6: ("controller", "bool", "keep_zero"),
                       7: ("blockOwnerDeletion", "bool", "keep_zero")},
    "Namespace": {1: ("metadata", "ObjectMeta"), 2: ("spec", "NamespaceSpec"), 3: ("status", "ignore")},
    "NamespaceSpec": {1: ("finalizers", "string", "repeated")},
    "ConfigMap": {1: ("metadata", "ObjectMeta"), 2: ("data", "map"), 3: ("binaryData", "bytesmap"),
                  4: ("immutable", "bool", "keep_zero")},
    "Secret": {1: ("metadata", "ObjectMeta"), 2: ("data", "bytesmap"), 3: ("type", "string"),
               4: ("stringData", "map"), 5: ("immutable", "bool", "keep_zero")},
    "ServiceAccount": {1: ("metadata", "ObjectMeta"), 4: ("automountServiceAccountToken", "bool", "keep_zero")},
    "Deployment": {1: ("metadata", "ObjectMeta"), 2: ("spec", "DeploymentSpec"), 3: ("status", "ignore")},
    "DeploymentSpec": {1: ("replicas", "int", "keep_zero"), 2: ("selector", "LabelSelector"),
                       3: ("template", "PodTemplateSpec"), 4: ("strategy", "DeploymentStrategy"),
                       5: ("minReadySeconds", "int"), 6: ("revisionHistoryLimit", "int", "keep_zero"),
                       7: ("paused", "bool"), 9: ("progressDeadlineSeconds", "int", "keep_zero")},
    "DeploymentStrategy": {1: ("type", "string")},
    "LabelSelector": _LABEL_SELECTOR,
    "LabelSelectorRequirement": {1: ("key", "string"), 2: ("operator", "string"), 3: ("values", "string", "repeated")},
    "PodTemplateSpec": {1: ("metadata", "ObjectMeta"), 2: ("spec", "PodSpec")},
    "PodSpec": {2: ("containers", "Container", "repeated"), 3: ("restartPolicy", "string"),
                4: ("terminationGracePeriodSeconds", "int", "keep_zero"), 6: ("dnsPolicy", "string"),
                7: ("nodeSelector", "map"), 8: ("serviceAccountName", "string"), 9: ("serviceAccount", "string"),
                10: ("nodeName", "string"), 11: ("hostNetwork", "bool"), 12: ("hostPID", "bool"),
                13: ("hostIPC", "bool"), 16: ("hostname", "string"), 17: ("subdomain", "string"),
                19: ("schedulerName", "string"), 24: ("priorityClassName", "string")},
    "Container": {1: ("name", "string"), 2: ("image", "string"), 3: ("command", "string", "repeated"),
                  4: ("args", "string", "repeated"), 5: ("workingDir", "string"),
                  6: ("ports", "ContainerPort", "repeated"), 7: ("env", "EnvVar", "repeated"),
                  8: ("resources", "ResourceRequirements"), 13: ("terminationMessagePath", "string"),
                  14: ("imagePullPolicy", "string"), 16: ("stdin", "bool"), 17: ("stdinOnce", "bool"),
                  18: ("tty", "bool"), 20: ("terminationMessagePolicy", "string")},
    "ContainerPort": {1: ("name", "string"), 2: ("hostPort", "int"), 3: ("containerPort", "int"),
                      4: ("protocol", "string"), 5: ("hostIP", "string")},
    "EnvVar": {1: ("name", "string"), 2: ("value", "string")},
    "ResourceRequirements": {1: ("limits", "quantitymap"), 2: ("requests", "quantitymap")},
    "PodDisruptionBudget": {1: ("metadata", "ObjectMeta"), 2: ("spec", "PodDisruptionBudgetSpec"),
                            3: ("status", "ignore")},
    "PodDisruptionBudgetSpec": {1: ("minAvailable", "IntOrString"), 2: ("selector", "LabelSelector"),
                                3: ("maxUnavailable", "IntOrString"), 4: ("unhealthyPodEvictionPolicy", "string")},
    "SelfSubjectAccessReview": {1: ("metadata", "ObjectMeta"), 2: ("spec", "SelfSubjectAccessReviewSpec"),
                                3: ("status", "ignore")},
    "SelfSubjectAccessReviewSpec": {1: ("resourceAttributes", "ResourceAttributes"),
                                    2: ("nonResourceAttributes", "NonResourceAttributes")},
    "ResourceAttributes": {1: ("namespace", "string"), 2: ("verb", "string"), 3: ("group", "string"),
                           4: ("version", "string"), 5: ("resource", "string"), 6: ("subresource", "string"),
                           7: ("name", "string")},
    "NonResourceAttributes": {1: ("path", "string"), 2: ("verb", "string")},
    "IntOrString": {1: ("type", "int"), 2: ("intVal", "int"), 3: ("strVal", "string")},
}


def _unsupported(message):
    return errors.unsupported_media_type(f"the lab cannot decode this protobuf body ({message}); "
                                         "send application/json")


def _varint(data, pos):
    result = shift = 0
    while True:
        if pos >= len(data):
            raise _unsupported("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data):
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        elif wire == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise _unsupported(f"wire type {wire}")
        yield number, wire, value


def _signed(value):
    return value - (1 << 64) if value >= 1 << 63 else value


def _is_zero(wire, value) -> bool:
    return value == 0 if wire == 0 else len(value) == 0


def _map_entry(data, value_type):
    key, value = "", None
    for number, _, raw in _fields(data):
        if number == 1:
            key = raw.decode()
        elif number == 2:
            value = raw
    if value_type == "bytes":
        return key, base64.b64encode(value or b"").decode()
    if value_type == "quantity":
        return key, decode_message("Quantity", value or b"")
    return key, (value or b"").decode()


def _time(data):
    import time as _t
    seconds = dict((n, v) for n, _, v in _fields(data)).get(1, 0)
    return _t.strftime("%Y-%m-%dT%H:%M:%SZ", _t.gmtime(_signed(seconds))) if seconds else None


def decode_message(name, data):
    if name == "Quantity":
        return next((v.decode() for n, _, v in _fields(data) if n == 1), "0")
    if name == "Time":
        return _time(data)
    if name == "IntOrString":
        fields = {n: v for n, _, v in _fields(data)}
        return _signed(fields.get(2, 0)) if fields.get(1, 0) == 0 else fields.get(3, b"").decode()
    schema = SCHEMAS[name]
    obj = {}
    for number, wire, value in _fields(data):
        spec = schema.get(number)
        if spec is None:
            if _is_zero(wire, value):
                continue
            raise _unsupported(f"field {number} of {name} is not known to the lab")
        json_name, kind, *flags = spec
        repeated, keep_zero = "repeated" in flags, "keep_zero" in flags
        if kind == "ignore":
            continue
        if kind in ("map", "bytesmap", "quantitymap"):
            key, item = _map_entry(value, {"map": "string", "bytesmap": "bytes", "quantitymap": "quantity"}[kind])
            obj.setdefault(json_name, {})[key] = item
            continue
        if kind == "string":
            decoded = value.decode()
        elif kind == "bytes":
            decoded = value
        elif kind == "int":
            decoded = _signed(value)
        elif kind == "bool":
            decoded = bool(value)
        else:
            decoded = decode_message(kind, value)
        if repeated:
            obj.setdefault(json_name, []).append(decoded)
        elif keep_zero or decoded not in ("", 0, False, None, {}):
            obj[json_name] = decoded
    return obj


def decode(raw: bytes) -> dict:
    """A JSON-shaped object from a `k8s\\0`-framed protobuf body."""
    if not raw.startswith(MAGIC):
        raise _unsupported("missing the k8s protobuf prefix")
    envelope = decode_message("Unknown", raw[len(MAGIC):])
    type_meta = envelope.get("typeMeta") or {}
    kind = type_meta.get("kind")
    if kind not in SCHEMAS or kind in ("Unknown", "TypeMeta"):
        raise _unsupported(f"kind {kind!r} is not decoded by the lab")
    obj = decode_message(kind, envelope.get("raw", b""))
    return {"apiVersion": type_meta.get("apiVersion"), "kind": kind, **obj}
