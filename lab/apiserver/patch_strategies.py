"""Strategic-merge metadata of the built-in kinds the lab serves.

Kubernetes declares, on the Go struct fields of k8s.io/api and k8s.io/apimachinery, how a strategic
merge patch treats each field (`patchStrategy` and `patchMergeKey` tags). This table restates those
declarations for the kinds we serve, as struct name -> field -> Field. A field missing from a struct's
entry has no declared strategy: objects are merged key by key, lists are atomic (replaced whole).
That default is what makes, for example, node `spec.taints` and pod `spec.tolerations` atomic.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    strategy: str = ""      # "merge" (lists), "replace" (objects replaced whole) or "" (the default)
    merge_key: str = ""     # key identifying list items; empty for a merge list of scalars (a set)
    struct: str = ""        # struct name of the value (or of the list items), to look further down


NO_FIELD = Field()


def _merge(key: str = "", struct: str = "") -> Field:
    return Field("merge", key, struct)


def _nested(struct: str) -> Field:
    return Field("", "", struct)


def _conditions_status() -> dict:
    return {"conditions": _merge("type")}


STRUCTS: dict[str, dict[str, Field]] = {
    "ObjectMeta": {
        "ownerReferences": _merge("uid"),
        "finalizers": _merge(),
    },
    "PodTemplateSpec": {"metadata": _nested("ObjectMeta"), "spec": _nested("PodSpec")},
    "PodSpec": {
        "volumes": _merge("name"),
        "initContainers": _merge("name", "Container"),
        "containers": _merge("name", "Container"),
        "ephemeralContainers": _merge("name", "Container"),
        "imagePullSecrets": _merge("name"),
        "hostAliases": _merge("ip"),
        "topologySpreadConstraints": _merge("topologyKey"),
        "schedulingGates": _merge("name"),
        "resourceClaims": _merge("name"),
    },
    "Container": {
        "ports": _merge("containerPort"),
        "env": _merge("name"),
        "volumeMounts": _merge("mountPath"),
        "volumeDevices": _merge("devicePath"),
    },
    "PodStatus": {
        "conditions": _merge("type"),
        "podIPs": _merge("ip"),
        "hostIPs": _merge("ip"),
        "resourceClaimStatuses": _merge("name"),
    },
    "NodeSpec": {"podCIDRs": _merge()},
    "NodeStatus": {"conditions": _merge("type"), "addresses": _merge("type")},
    "ServiceSpec": {"ports": _merge("port")},
    "WithConditionsStatus": _conditions_status(),
    "WorkloadSpec": {"template": _nested("PodTemplateSpec")},
    "PodDisruptionBudgetSpec": {"selector": Field("replace")},
    "ServiceAccount": {"secrets": _merge("name")},
}


def _kind(spec: str = "", status: str = "", **extra: Field) -> dict[str, Field]:
    fields = {"metadata": _nested("ObjectMeta")}
    if spec:
        fields["spec"] = _nested(spec)
    if status:
        fields["status"] = _nested(status)
    fields.update(extra)
    return fields


# Root struct of each built-in resource, by ResourceType.key.
ROOTS: dict[str, dict[str, Field]] = {
    "pods": _kind("PodSpec", "PodStatus"),
    "nodes": _kind("NodeSpec", "NodeStatus"),
    "namespaces": _kind(status="WithConditionsStatus"),
    "services": _kind("ServiceSpec", "WithConditionsStatus"),
    "serviceaccounts": _kind(secrets=_merge("name")),
    "persistentvolumeclaims": _kind(status="WithConditionsStatus"),
    "deployments.apps": _kind("WorkloadSpec", "WithConditionsStatus"),
    "replicasets.apps": _kind("WorkloadSpec", "WithConditionsStatus"),
    "daemonsets.apps": _kind("WorkloadSpec", "WithConditionsStatus"),
    "statefulsets.apps": _kind("WorkloadSpec", "WithConditionsStatus"),
    "poddisruptionbudgets.policy": _kind("PodDisruptionBudgetSpec", "WithConditionsStatus"),
}

# Built-in resources whose fields carry no strategy beyond ObjectMeta's.
for _plain in ("bindings", "endpoints", "configmaps", "secrets", "events", "persistentvolumes",
               "controllerrevisions.apps", "leases.coordination.k8s.io", "volumeattachments.storage.k8s.io",
               "storageclasses.storage.k8s.io", "roles.rbac.authorization.k8s.io",
               "rolebindings.rbac.authorization.k8s.io", "clusterroles.rbac.authorization.k8s.io",
               "clusterrolebindings.rbac.authorization.k8s.io", "events.events.k8s.io",
               "customresourcedefinitions.apiextensions.k8s.io"):
    ROOTS[_plain] = _kind()


class Schema:
    """A position in the strategy table: the fields of one struct (or none, for maps and unknowns)."""

    def __init__(self, fields: dict[str, Field] | None):
        self.fields = fields or {}

    def field(self, name: str) -> Field:
        return self.fields.get(name, NO_FIELD)

    def child(self, name: str) -> "Schema":
        struct = self.field(name).struct
        return Schema(STRUCTS.get(struct)) if struct else Schema(None)


def root_schema(key: str) -> Schema | None:
    """The strategy table of a built-in resource, or None for custom resources."""
    fields = ROOTS.get(key)
    return Schema(fields) if fields is not None else None


def is_builtin(key: str) -> bool:
    return key in ROOTS
