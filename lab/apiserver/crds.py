"""CustomResourceDefinitions: checking them, and serving the types they define."""
import logging

from . import errors
from .clock import timestamp
from .resources import ALL_VERBS, ResourceType

CRD_KEY = "customresourcedefinitions.apiextensions.k8s.io"
BUILTIN_SCALE_PATHS = {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas",
                       "labelSelectorPath": ".spec.selector"}
_LOG = logging.getLogger(__name__)


def _cause(field, message, reason="FieldValueRequired"):
    return {"reason": reason, "field": field, "message": message}


def check(crd: dict) -> list[dict]:
    """The checks the real server makes that matter for our CRDs (422 causes)."""
    causes = []
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group, plural = spec.get("group"), names.get("plural")
    if not group:
        causes.append(_cause("spec.group", "Required value"))
    if not plural:
        causes.append(_cause("spec.names.plural", "Required value"))
    if not names.get("kind"):
        causes.append(_cause("spec.names.kind", "Required value"))
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        causes.append(_cause("spec.scope", f'Unsupported value: "{spec.get("scope")}": supported values: '
                             '"Cluster", "Namespaced"', "FieldValueNotSupported"))
    versions = spec.get("versions") or []
    if not versions:
        causes.append(_cause("spec.versions", "Invalid value: must have exactly one version marked as storage "
                             "version", "FieldValueInvalid"))
    elif sum(1 for v in versions if v.get("storage")) != 1:
        causes.append(_cause("spec.versions", "Invalid value: must have exactly one version marked as storage "
                             "version", "FieldValueInvalid"))
    name = (crd.get("metadata") or {}).get("name")
    if plural and group and name != f"{plural}.{group}":
        causes.append(_cause("metadata.name", f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group',
                             "FieldValueInvalid"))
    return causes


def accepted_status(crd: dict) -> dict:
    spec = crd.get("spec") or {}
    now = timestamp()
    names = dict(spec.get("names") or {})
    names.setdefault("singular", names.get("kind", "").lower())
    names.setdefault("listKind", names.get("kind", "") + "List")
    storage = [v["name"] for v in spec.get("versions") or [] if v.get("storage")]
    return {
        "acceptedNames": names,
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
             "message": "no conflicts found", "lastTransitionTime": now},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
             "message": "the initial names have been accepted", "lastTransitionTime": now},
        ],
        "storedVersions": storage,
    }


def prepare(crd: dict) -> dict:
    spec = crd.setdefault("spec", {})
    names = spec.setdefault("names", {})
    if names.get("kind"):
        names.setdefault("singular", names["kind"].lower())
        names.setdefault("listKind", names["kind"] + "List")
    for version in spec.get("versions") or []:
        version.setdefault("served", True)
        version.setdefault("storage", False)
    spec.setdefault("conversion", {"strategy": "None"})
    return crd


def type_from_crd(crd: dict):
    """(ResourceType, schema, printer columns, scale paths) for the CRD's storage version."""
    spec = crd["spec"]
    names = spec["names"]
    versions = spec["versions"]
    storage = next(v for v in versions if v.get("storage"))
    served = [storage["name"]] + [v["name"] for v in versions if v.get("served") and v is not storage]
    subresources = storage.get("subresources") or {}
    rt = ResourceType(
        group=spec["group"], version=storage["name"], resource=names["plural"], kind=names["kind"],
        namespaced=spec.get("scope") == "Namespaced", singular=names.get("singular") or names["kind"].lower(),
        short_names=tuple(names.get("shortNames") or ()), categories=tuple(names.get("categories") or ()),
        subresources=tuple(s for s in ("scale", "status") if s in subresources), verbs=ALL_VERBS,
        served_versions=tuple(served))
    schema = (storage.get("schema") or {}).get("openAPIV3Schema")
    return rt, schema, storage.get("additionalPrinterColumns"), subresources.get("scale")


class CrdController:
    """Registers the types of CRDs as they are created, changed and deleted in the store."""

    def __init__(self, store, registry):
        self.store = store
        self.registry = registry
        self.scale_paths: dict[str, dict] = {}
        self._token = store.subscribe(self._on_event, copy=False)

    def _on_event(self, event_type, key, obj, old):
        if key != CRD_KEY:
            return
        try:
            if event_type == "DELETED":
                self._remove(obj)
            else:
                if old is not None and event_type == "MODIFIED":
                    previous = type_from_crd(old)[0]
                    current = type_from_crd(obj)[0]
                    if previous.key != current.key:
                        self._remove(old)
                self._serve(obj)
        except (KeyError, StopIteration, TypeError):
            _LOG.exception("cannot serve CRD %s", obj.get("metadata", {}).get("name"))

    def _serve(self, crd):
        rt, schema, columns, scale = type_from_crd(crd)
        self.registry.register(rt, schema, columns)
        if scale:
            self.scale_paths[rt.key] = scale
        else:
            self.scale_paths.pop(rt.key, None)

    def _remove(self, crd):
        rt = type_from_crd(crd)[0]
        if not self.registry.has(rt.key):
            return
        entries, _ = self.store.snapshot(rt.key)
        for entry in entries:
            meta = entry.obj["metadata"]
            try:
                self.store.force_remove(rt.key, meta.get("namespace"), meta["name"])
            except errors.ApiError:
                pass
        self.registry.unregister(rt.key)
        self.scale_paths.pop(rt.key, None)

    def stop(self):
        self.store.unsubscribe(self._token)
