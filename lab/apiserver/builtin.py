"""Defaulting and validation of the built-in kinds the lab serves (contract entry points).

apply_defaults returns a defaulted copy (SetDefaults plus what the default admission plugins add to a
new pod: service account, priority, the not-ready/unreachable NoExecute tolerations of 300 s).
validate returns status causes worded like kube-apiserver's, for ObjectMeta (names checked as each
kind requires: DNS-1123 subdomain for most, DNS-1123 label for namespaces, DNS-1035 label for
services, a path segment for RBAC objects), the kind's spec, and immutable fields on update.
"""
import copy

from lab.apiserver import builtin_kinds as kinds
from lab.apiserver import builtin_names as names
from lab.apiserver import builtin_pod as pods

_DEFAULTERS = {
    "pods": pods.default_pod,
    "nodes": kinds.default_node,
    "namespaces": kinds.default_namespace,
    "services": kinds.default_service,
    "secrets": kinds.default_secret,
    "persistentvolumeclaims": kinds.default_pvc,
    "persistentvolumes": kinds.default_pv,
    "deployments.apps": kinds.default_deployment,
    "replicasets.apps": kinds.default_replicaset,
    "daemonsets.apps": kinds.default_daemonset,
    "statefulsets.apps": kinds.default_statefulset,
}

_CLUSTER_SCOPED = {"namespaces", "nodes", "persistentvolumes", "volumeattachments.storage.k8s.io",
                   "storageclasses.storage.k8s.io", "clusterroles.rbac.authorization.k8s.io",
                   "clusterrolebindings.rbac.authorization.k8s.io",
                   "customresourcedefinitions.apiextensions.k8s.io"}

_NAME_RULES = {
    "namespaces": names.dns1123_label,
    "services": names.dns1035_label,
    "roles.rbac.authorization.k8s.io": names.path_segment,
    "rolebindings.rbac.authorization.k8s.io": names.path_segment,
    "clusterroles.rbac.authorization.k8s.io": names.path_segment,
    "clusterrolebindings.rbac.authorization.k8s.io": names.path_segment,
}


def _validate_pod(obj: dict, old: dict | None) -> list[dict]:
    causes = pods.validate_pod_spec(obj.get("spec"), "spec")
    if old is not None:
        causes += pods.validate_pod_update(obj, old)
    return causes


_VALIDATORS = {
    "pods": _validate_pod,
    "nodes": kinds.validate_node,
    "namespaces": kinds.validate_namespace,
    "events": kinds.validate_core_event,
    "services": kinds.validate_service,
    "deployments.apps": kinds.validate_workload("deployment"),
    "replicasets.apps": kinds.validate_workload("replicaset"),
    "daemonsets.apps": kinds.validate_workload("daemonset"),
    "statefulsets.apps": kinds.validate_workload("statefulset"),
    "poddisruptionbudgets.policy": kinds.validate_pdb,
    "leases.coordination.k8s.io": kinds.validate_lease,
    "customresourcedefinitions.apiextensions.k8s.io": kinds.validate_crd,
}


def apply_defaults(key: str, obj: dict) -> dict:
    defaulted = copy.deepcopy(obj)
    defaulter = _DEFAULTERS.get(key)
    return defaulter(defaulted) if defaulter else defaulted


def validate(key: str, obj: dict, old: dict | None = None) -> list[dict]:
    name_rule = _NAME_RULES.get(key, names.dns1123_subdomain)
    namespaced = False if key in _CLUSTER_SCOPED else None
    causes = names.validate_object_meta(obj.get("metadata"), name_rule, namespaced)
    if old is not None:
        causes += names.validate_object_meta_update(obj.get("metadata") or {}, old.get("metadata") or {})
    validator = _VALIDATORS.get(key)
    if validator:
        causes += validator(obj, old)
    return causes
