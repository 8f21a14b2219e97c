"""Pods made from controller templates, defaulted as the API server would default them, and the
DefaultTolerationSeconds admission step with the configured seconds."""

import copy
import hashlib
import json

from .taints import NOT_READY, UNREACHABLE

DEFAULT_TOLERATION_KEYS = (NOT_READY, UNREACHABLE)
UPSTREAM_DEFAULT_TOLERATION_SECONDS = 300


def template_hash(template: dict) -> str:
    """A stable short hash of a pod template (the pod-template-hash / controller-revision-hash label)."""
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    number = int(digest[:16], 16)
    out = ""
    for _ in range(10):
        number, rest = divmod(number, len(alphabet))
        out += alphabet[rest]
    return out


def ensure_default_tolerations(spec: dict, seconds: int):
    tolerations = spec.setdefault("tolerations", [])
    for key in DEFAULT_TOLERATION_KEYS:
        present = any(t.get("key") == key and t.get("effect") in ("NoExecute", None, "") for t in tolerations)
        present = present or any(not t.get("key") and t.get("operator") == "Exists" for t in tolerations)
        if not present:
            tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": seconds})


def retune_default_tolerations(spec: dict, seconds: int) -> bool:
    """Admission: the API defaulting added the upstream 300 s tolerations; the lab's preset says otherwise."""
    changed = False
    if seconds == UPSTREAM_DEFAULT_TOLERATION_SECONDS:
        return False
    for tol in spec.get("tolerations") or []:
        if (tol.get("key") in DEFAULT_TOLERATION_KEYS and tol.get("effect") == "NoExecute"
                and tol.get("operator") == "Exists"
                and tol.get("tolerationSeconds") == UPSTREAM_DEFAULT_TOLERATION_SECONDS):
            tol["tolerationSeconds"] = seconds
            changed = True
    return changed


def default_pod(pod: dict, toleration_seconds: int) -> dict:
    try:
        from lab.apiserver import builtin
        pod = builtin.apply_defaults("pods", pod)
    except ImportError:
        pass
    spec = pod.setdefault("spec", {})
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("securityContext", {})
    spec.setdefault("priority", 0)
    spec.setdefault("enableServiceLinks", True)
    retune_default_tolerations(spec, toleration_seconds)
    ensure_default_tolerations(spec, toleration_seconds)
    pod.setdefault("status", {"phase": "Pending"})
    return pod


def pod_from_template(template: dict, namespace: str, owner_ref: dict, name=None, generate_name=None,
                      extra_labels=None) -> dict:
    template = copy.deepcopy(template or {})
    tmeta = template.get("metadata") or {}
    metadata = {
        "namespace": namespace,
        "labels": {**(tmeta.get("labels") or {}), **(extra_labels or {})},
        "ownerReferences": [owner_ref],
    }
    if tmeta.get("annotations"):
        metadata["annotations"] = tmeta["annotations"]
    if name:
        metadata["name"] = name
    else:
        metadata["generateName"] = generate_name
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": template.get("spec") or {}}
