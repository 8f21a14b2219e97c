"""Label and field selectors in Kubernetes syntax."""
import re

from .errors import bad_request

_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                  r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
_TOKEN = re.compile(r"\s*(!=|==|=|!|\(|\)|,|>|<|[^\s!=(),<>]+)")


def _always(_labels):
    return True


def _tokenize(text: str) -> list[str]:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise bad_request(f"unable to parse requirement: unexpected character in {text!r}")
        tokens.append(match.group(1))
        pos = match.end()
    return tokens


class _LabelParser:
    def __init__(self, text):
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def fail(self, why):
        raise bad_request(f"unable to parse requirement: {why}")

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self):
        token = self.peek()
        self.pos += 1
        return token

    def key(self, token):
        if token is None or not _KEY.match(token):
            self.fail(f"invalid label key {token!r}: name part must consist of alphanumeric characters, "
                      "'-', '_' or '.', and must start and end with an alphanumeric character")
        return token

    def value(self, token):
        if token is None or token in ("(", ")", ",") or not _VALUE.match(token):
            self.fail(f"invalid label value: {token!r}: a valid label must be an empty string or consist "
                      "of alphanumeric characters, '-', '_' or '.'")
        return token

    def value_set(self):
        if self.take() != "(":
            self.fail("expected '(' after set operator")
        values = set()
        while True:
            token = self.take()
            if token == ")":
                break
            if token == ",":
                values.add("")
                continue
            values.add(self.value(token))
            nxt = self.take()
            if nxt == ")":
                break
            if nxt != ",":
                self.fail(f"found {nxt!r}, expected ',' or ')'")
        return values

    def requirement(self):
        token = self.take()
        if token == "!":
            key = self.key(self.take())
            return lambda labels: key not in labels
        key = self.key(token)
        op = self.peek()
        if op is None or op == ",":
            return lambda labels: key in labels
        self.take()
        if op in ("=", "=="):
            value = self._single_value()
            return lambda labels: labels.get(key) == value
        if op == "!=":
            value = self._single_value()
            return lambda labels: labels.get(key) != value
        if op == "in":
            values = self.value_set()
            return lambda labels: key in labels and labels[key] in values
        if op == "notin":
            values = self.value_set()
            return lambda labels: labels.get(key) not in values
        if op in (">", "<"):
            number = self._integer(self.take())
            if op == ">":
                return lambda labels: _as_int(labels.get(key)) is not None and _as_int(labels[key]) > number
            return lambda labels: _as_int(labels.get(key)) is not None and _as_int(labels[key]) < number
        self.fail(f"found {op!r}, expected: in, notin, =, ==, !=, gt, lt")

    def _single_value(self):
        token = self.peek()
        if token is None or token == ",":
            return ""
        return self.value(self.take())

    def _integer(self, token):
        try:
            return int(token)
        except (TypeError, ValueError):
            self.fail(f"for 'Gt', 'Lt' operators, the value must be an integer, got {token!r}")

    def parse(self):
        requirements = []
        while self.peek() is not None:
            requirements.append(self.requirement())
            token = self.take()
            if token is not None and token != ",":
                self.fail(f"found {token!r}, expected: ',' or 'end of string'")
        return requirements


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_label_selector(text):
    """Return a predicate over a labels dict; raises 400 on a syntax error."""
    if text is None or not text.strip():
        return _always
    requirements = _LabelParser(text).parse()
    return lambda labels: all(req(labels or {}) for req in requirements)


def label_selector_from_dict(selector):
    """metav1.LabelSelector as a predicate: None selects nothing, {} selects everything."""
    if selector is None:
        return lambda _labels: False
    checks = [(lambda labels, k=k, v=v: labels.get(k) == v)
              for k, v in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key"), expression.get("operator")
        values = set(expression.get("values") or [])
        if operator == "In":
            checks.append(lambda labels, k=key, vs=values: labels.get(k) in vs and k in labels)
        elif operator == "NotIn":
            checks.append(lambda labels, k=key, vs=values: labels.get(k) not in vs)
        elif operator == "Exists":
            checks.append(lambda labels, k=key: k in labels)
        elif operator == "DoesNotExist":
            checks.append(lambda labels, k=key: k not in labels)
        else:
            raise bad_request(f'"{operator}" is not a valid label selector operator')
    return lambda labels: all(check(labels or {}) for check in checks)


def labels_of(obj) -> dict:
    return (obj.get("metadata") or {}).get("labels") or {}


# Field selectors the real server supports, per resource key (metadata.name/namespace work everywhere).
_COMMON_FIELDS = ("metadata.name", "metadata.namespace")
SUPPORTED_FIELDS = {
    "pods": ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
             "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName"),
    "nodes": ("spec.unschedulable",),
    "namespaces": ("status.phase",),
    "secrets": ("type",),
    "events": ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
               "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
               "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"),
    "events.events.k8s.io": ("regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid",
                             "regarding.apiVersion", "regarding.resourceVersion", "regarding.fieldPath",
                             "reason", "reportingController", "type"),
    "replicasets.apps": ("status.replicas",),
    "persistentvolumeclaims": (),
}


def field_value(obj: dict, path: str) -> str:
    if path == "source":
        return ((obj.get("source") or {}).get("component")) or ""
    value = obj
    for part in path.split("."):
        if not isinstance(value, dict):
            return ""
        value = value.get(part)
    if value is None:
        return "false" if path in ("spec.unschedulable", "spec.hostNetwork") else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_field_selector(key, text):
    """Return a predicate over an object; 400 for syntax errors and unsupported fields."""
    if text is None or not text.strip():
        return _always
    checks = []
    allowed = _COMMON_FIELDS + SUPPORTED_FIELDS.get(key, ())
    for term in text.split(","):
        term = term.strip()
        if not term:
            continue
        for op in ("!=", "==", "="):
            if op in term:
                field, value = term.split(op, 1)
                break
        else:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{term}'")
        field = field.strip()
        if field not in allowed:
            raise bad_request(f'field label not supported: {field}')
        negate = op == "!="
        checks.append(lambda obj, f=field, v=value.strip(), n=negate: (field_value(obj, f) == v) != n)
    return lambda obj: all(check(obj) for check in checks)
