"""Name, label and ObjectMeta validation with the messages kube-apiserver gives."""
import re

from lab.apiserver import builtin_fields as f

_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL_FMT + "(\\." + _LABEL_FMT + ")*"
_DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_LABEL_RE = re.compile(f"^{_LABEL_FMT}$")
_SUBDOMAIN_RE = re.compile(f"^{_SUBDOMAIN_FMT}$")
_DNS1035_RE = re.compile(f"^{_DNS1035_FMT}$")
_QUALIFIED_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QUALIFIED_RE = re.compile(f"^{_QUALIFIED_FMT}$")
_LABEL_VALUE_FMT = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"
_LABEL_VALUE_RE = re.compile(f"^{_LABEL_VALUE_FMT}$")

LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
             "and must start and end with an alphanumeric character")
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                 "and must start and end with an alphanumeric character")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
               "start with an alphabetic character, and end with an alphanumeric character")
QUALIFIED_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', "
                 "and must start and end with an alphanumeric character")
LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                   "and must start and end with an alphanumeric character")


def regex_error(message: str, fmt: str, *examples: str) -> str:
    if not examples:
        return f"{message} (regex used for validation is '{fmt}')"
    text = message + " (e.g. "
    for i, example in enumerate(examples):
        if i > 0:
            text += " or "
        text += f"'{example}', "
    return text + f"regex used for validation is '{fmt}')"


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def dns1123_label(value: str) -> list[str]:
    errors = []
    if len(value) > 63:
        errors.append(max_len_error(63))
    if not _LABEL_RE.match(value):
        if _SUBDOMAIN_RE.match(value):
            errors.append("must not contain dots")
        else:
            errors.append(regex_error(LABEL_MSG, _LABEL_FMT, "my-name", "123-abc"))
    return errors


def dns1123_subdomain(value: str) -> list[str]:
    errors = []
    if len(value) > 253:
        errors.append(max_len_error(253))
    if not _SUBDOMAIN_RE.match(value):
        errors.append(regex_error(SUBDOMAIN_MSG, _SUBDOMAIN_FMT, "example.com"))
    return errors


def dns1035_label(value: str) -> list[str]:
    errors = []
    if len(value) > 63:
        errors.append(max_len_error(63))
    if not _DNS1035_RE.match(value):
        errors.append(regex_error(DNS1035_MSG, _DNS1035_FMT, "my-name", "abc-123"))
    return errors


def path_segment(value: str) -> list[str]:
    """RBAC and similar names only have to be usable as one URL path segment."""
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in value]


def qualified_name(value: str) -> list[str]:
    parts = value.split("/")
    if len(parts) > 2:
        return ["a qualified name " + regex_error(QUALIFIED_MSG, _QUALIFIED_FMT, "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    errors = []
    name = parts[-1]
    if len(parts) == 2:
        if not parts[0]:
            errors.append("prefix part must be non-empty")
        else:
            errors.extend("prefix part " + e for e in dns1123_subdomain(parts[0]))
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part " + max_len_error(63))
    if not _QUALIFIED_RE.match(name):
        errors.append("name part " + regex_error(QUALIFIED_MSG, _QUALIFIED_FMT, "MyName", "my.name", "123-abc"))
    return errors


def label_value(value: str) -> list[str]:
    errors = []
    if len(value) > 63:
        errors.append(max_len_error(63))
    if not _LABEL_VALUE_RE.match(value):
        errors.append(regex_error(LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errors


def validate_labels(labels, path: str) -> list[dict]:
    causes = []
    for key, value in (labels or {}).items():
        causes += [f.invalid(path, key, msg) for msg in qualified_name(key)]
        if not isinstance(value, str):
            causes.append(f.invalid(f"{path}[{key}]", value, "must be a string"))
            continue
        causes += [f.invalid(path, value, msg) for msg in label_value(value)]
    return causes


def validate_annotations(annotations, path: str) -> list[dict]:
    causes = []
    for key in annotations or {}:
        causes += [f.invalid(path, key, msg) for msg in qualified_name(key.lower())]
    return causes


def validate_object_meta(meta, name_check, namespaced: bool | None, path: str = "metadata") -> list[dict]:
    """name_check(name) -> list of messages; namespaced None when the caller fills the namespace later."""
    if not isinstance(meta, dict):
        return [f.required(path, "")]
    causes = []
    name = meta.get("name") or ""
    if not name:
        if not meta.get("generateName"):
            causes.append(f.required(f.child(path, "name"), "name or generateName is required"))
    else:
        causes += [f.invalid(f.child(path, "name"), name, msg) for msg in name_check(name)]
    namespace = meta.get("namespace") or ""
    if namespace and namespaced is False:
        causes.append(f.forbidden(f.child(path, "namespace"), "not allowed on this type"))
    elif namespace:
        causes += [f.invalid(f.child(path, "namespace"), namespace, msg) for msg in dns1123_label(namespace)]
    causes += f.non_negative(f.child(path, "generation"), meta.get("generation", 0))
    causes += validate_labels(meta.get("labels"), f.child(path, "labels"))
    causes += validate_annotations(meta.get("annotations"), f.child(path, "annotations"))
    causes += _validate_owner_references(meta.get("ownerReferences"), f.child(path, "ownerReferences"))
    causes += _validate_finalizers(meta.get("finalizers"), f.child(path, "finalizers"))
    return causes


def _validate_owner_references(refs, path: str) -> list[dict]:
    causes = []
    for ref in refs or []:
        for name in ("apiVersion", "kind", "name", "uid"):
            if not (ref or {}).get(name):
                causes.append(f.required(f.child(path, name), "must not be empty"))
    controllers = [r for r in refs or [] if (r or {}).get("controller")]
    if len(controllers) > 1:
        causes.append(f.invalid(path, refs, "Only one reference can have Controller set to true. Found \"true\" "
                                f"in references for {controllers[0].get('kind')}/{controllers[0].get('name')} and "
                                f"{controllers[1].get('kind')}/{controllers[1].get('name')}"))
    return causes


def _validate_finalizers(finalizers, path: str) -> list[dict]:
    causes = []
    for finalizer in finalizers or []:
        causes += [f.invalid(path, finalizer, msg) for msg in qualified_name(finalizer)]
    if "orphan" in (finalizers or []) and "foregroundDeletion" in (finalizers or []):
        causes.append(f.invalid(path, finalizers, "finalizer orphan and foregroundDeletion cannot be both set"))
    return causes


def validate_object_meta_update(meta: dict, old_meta: dict, path: str = "metadata") -> list[dict]:
    """Name, namespace and uid may not change. Timestamps and generation are not checked: the server copies
    them from the stored object on update (a client may leave them out)."""
    causes = []
    for name in ("name", "namespace", "uid"):
        new_value, old_value = (meta or {}).get(name) or "", (old_meta or {}).get(name) or ""
        if name in ("uid", "namespace") and not new_value:
            continue
        if new_value != old_value:
            causes.append(f.immutable(f.child(path, name), new_value))
    if (old_meta or {}).get("deletionTimestamp"):
        added = [x for x in (meta or {}).get("finalizers") or [] if x not in (old_meta.get("finalizers") or [])]
        for finalizer in added:
            causes.append(f.forbidden(f.child(path, "finalizers"),
                                      f"no new finalizers can be added if the object is being deleted, "
                                      f"found new finalizers []string{{\"{finalizer}\"}}"))
    return causes
