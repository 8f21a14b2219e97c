"""Resource types served by the lab API server and the registry that holds them."""
import threading
from dataclasses import dataclass

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
NO_COLLECTION_DELETE = ("create", "delete", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool
    singular: str = ""
    short_names: tuple = ()
    categories: tuple = ()
    subresources: tuple = ()
    verbs: tuple = ALL_VERBS
    served_versions: tuple = ()   # extra versions served without conversion (CRDs); storage version first

    @property
    def has_status_subresource(self) -> bool:
        return "status" in self.subresources

    @property
    def key(self) -> str:
        return f"{self.resource}.{self.group}" if self.group else self.resource

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    def versions(self) -> tuple:
        return self.served_versions or (self.version,)


class Registry:
    """Thread-safe catalogue of served resource types, their schemas and printer columns."""

    def __init__(self):
        self._lock = threading.RLock()
        self._types: dict[str, ResourceType] = {}
        self._schemas: dict[str, dict | None] = {}
        self._columns: dict[str, list | None] = {}
        self._generation = 0

    @property
    def generation(self) -> int:
        """Bumped on every change; lets discovery caches know when to rebuild."""
        return self._generation

    def register(self, rt: ResourceType, schema: dict | None = None, printer_columns: list | None = None):
        with self._lock:
            self._types[rt.key] = rt
            self._schemas[rt.key] = schema
            self._columns[rt.key] = printer_columns
            self._generation += 1

    def unregister(self, key):
        with self._lock:
            self._types.pop(key, None)
            self._schemas.pop(key, None)
            self._columns.pop(key, None)
            self._generation += 1

    def get(self, key) -> ResourceType:
        with self._lock:
            return self._types[key]

    def has(self, key) -> bool:
        with self._lock:
            return key in self._types

    def find(self, group, version, resource) -> ResourceType | None:
        with self._lock:
            rt = self._types.get(f"{resource}.{group}" if group else resource)
        if rt is None or version not in rt.versions():
            return None
        return rt

    def by_kind(self, api_version, kind) -> ResourceType | None:
        group, _, version = api_version.rpartition("/")
        with self._lock:
            for rt in self._types.values():
                if rt.kind == kind and rt.group == group and version in rt.versions():
                    return rt
        return None

    def all(self) -> list[ResourceType]:
        with self._lock:
            return list(self._types.values())

    def schema(self, key) -> dict | None:
        with self._lock:
            return self._schemas.get(key)

    def printer_columns(self, key) -> list | None:
        with self._lock:
            return self._columns.get(key)


def _core(resource, kind, namespaced, short_names=(), categories=(), subresources=(), verbs=ALL_VERBS):
    return ResourceType("", "v1", resource, kind, namespaced, kind.lower(), tuple(short_names),
                        tuple(categories), tuple(subresources), tuple(verbs))


def _grouped(group, version, resource, kind, namespaced, short_names=(), categories=(), subresources=(),
             verbs=ALL_VERBS):
    return ResourceType(group, version, resource, kind, namespaced, kind.lower(), tuple(short_names),
                        tuple(categories), tuple(subresources), tuple(verbs))


def builtin_types() -> list[ResourceType]:
    """The built-in kinds the lab serves, with the discovery data a v1.32 server publishes for them."""
    return [
        _core("namespaces", "Namespace", False, ["ns"], subresources=["finalize", "status"],
              verbs=NO_COLLECTION_DELETE),
        _core("nodes", "Node", False, ["no"], subresources=["proxy", "status"]),
        _core("pods", "Pod", True, ["po"], ["all"],
              subresources=["attach", "binding", "ephemeralcontainers", "eviction", "exec", "log",
                            "portforward", "proxy", "resize", "status"]),
        _core("bindings", "Binding", True, verbs=["create"]),
        _core("services", "Service", True, ["svc"], ["all"], subresources=["proxy", "status"],
              verbs=ALL_VERBS),
        _core("endpoints", "Endpoints", True, ["ep"]),
        _core("configmaps", "ConfigMap", True, ["cm"]),
        _core("secrets", "Secret", True),
        _core("events", "Event", True, ["ev"]),
        _core("serviceaccounts", "ServiceAccount", True, ["sa"], subresources=["token"]),
        _core("persistentvolumeclaims", "PersistentVolumeClaim", True, ["pvc"], subresources=["status"]),
        _core("persistentvolumes", "PersistentVolume", False, ["pv"], subresources=["status"]),
        _grouped("apps", "v1", "deployments", "Deployment", True, ["deploy"], ["all"], ["scale", "status"]),
        _grouped("apps", "v1", "replicasets", "ReplicaSet", True, ["rs"], ["all"], ["scale", "status"]),
        _grouped("apps", "v1", "daemonsets", "DaemonSet", True, ["ds"], ["all"], ["status"]),
        _grouped("apps", "v1", "statefulsets", "StatefulSet", True, ["sts"], ["all"], ["scale", "status"]),
        _grouped("apps", "v1", "controllerrevisions", "ControllerRevision", True),
        _grouped("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, ["pdb"],
                 subresources=["status"]),
        _grouped("coordination.k8s.io", "v1", "leases", "Lease", True),
        _grouped("storage.k8s.io", "v1", "volumeattachments", "VolumeAttachment", False,
                 subresources=["status"]),
        _grouped("storage.k8s.io", "v1", "storageclasses", "StorageClass", False, ["sc"]),
        _grouped("rbac.authorization.k8s.io", "v1", "roles", "Role", True),
        _grouped("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True),
        _grouped("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
        _grouped("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False),
        _grouped("events.k8s.io", "v1", "events", "Event", True, ["ev"]),
        _grouped("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", False,
                 verbs=["create"]),
        _grouped("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False,
                 ["crd", "crds"], ["api-extensions"], ["status"]),
    ]


# Built-in kinds whose strategy tracks metadata.generation (custom resources always do); ConfigMaps, Pods (before
# 1.33), Nodes, Namespaces and the other built-ins carry no generation at all on a real server.
BUILTIN_WITH_GENERATION = frozenset({
    "deployments.apps", "replicasets.apps", "daemonsets.apps", "statefulsets.apps", "poddisruptionbudgets.policy",
    "customresourcedefinitions.apiextensions.k8s.io"})
_BUILTIN_KEYS = None


def has_generation(rt) -> bool:
    global _BUILTIN_KEYS
    if _BUILTIN_KEYS is None:
        _BUILTIN_KEYS = frozenset(t.key for t in builtin_types())
    return rt.key in BUILTIN_WITH_GENERATION or rt.key not in _BUILTIN_KEYS


# Subresources whose discovery entry names a kind other than the parent's: (group, version, kind, verbs).
SUBRESOURCE_DISCOVERY = {
    "status": (None, None, None, ("get", "patch", "update")),
    "scale": ("autoscaling", "v1", "Scale", ("get", "patch", "update")),
    "eviction": ("policy", "v1", "Eviction", ("create",)),
    "binding": ("", "v1", "Binding", ("create",)),
    "log": (None, None, "Pod", ("get",)),
    "exec": (None, None, "PodExecOptions", ("create", "get")),
    "attach": (None, None, "PodAttachOptions", ("create", "get")),
    "portforward": (None, None, "PodPortForwardOptions", ("create", "get")),
    "proxy": (None, None, None, ("create", "delete", "get", "patch", "update")),
    "ephemeralcontainers": (None, None, None, ("get", "patch", "update")),
    "resize": (None, None, None, ("get", "patch", "update")),
    "finalize": (None, None, None, ("update",)),
    "token": ("authentication.k8s.io", "v1", "TokenRequest", ("create",)),
}

# Preferred group order in /apis, as a real server lists them.
GROUP_ORDER = ["apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "autoscaling",
               "batch", "certificates.k8s.io", "networking.k8s.io", "policy", "rbac.authorization.k8s.io",
               "storage.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "scheduling.k8s.io",
               "coordination.k8s.io", "node.k8s.io", "discovery.k8s.io", "flowcontrol.apiserver.k8s.io"]
