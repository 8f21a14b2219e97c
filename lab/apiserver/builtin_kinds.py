"""Defaulting and validation of the built-in kinds other than Pod."""
from lab.apiserver import builtin_fields as f
from lab.apiserver.builtin_names import qualified_name
from lab.apiserver.builtin_pod import TAINT_EFFECTS, default_pod_spec, validate_pod_spec

_PERCENT_MSG = ("a valid percent string must be a numeric string followed by an ending '%' "
                "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")
SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")


# --- defaulting ---------------------------------------------------------------------------------------

def _default_template(spec: dict):
    template = spec.get("template")
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        default_pod_spec(template["spec"])


def default_deployment(obj: dict) -> dict:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    _default_template(spec)
    return obj


def _zero_status_counts(obj: dict, fields: tuple):
    """Status integers without omitempty: a real server always serialises them, as 0 before any controller ran,
    and typed clients refuse a response without them."""
    status = obj.get("status")
    if not isinstance(status, dict):
        status = obj["status"] = {}
    for field in fields:
        status.setdefault(field, 0)


def default_replicaset(obj: dict) -> dict:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    _default_template(spec)
    _zero_status_counts(obj, ("replicas",))
    return obj


def default_daemonset(obj: dict) -> dict:
    spec = obj.setdefault("spec", {})
    strategy = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", 1)
        rolling.setdefault("maxSurge", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    _default_template(spec)
    _zero_status_counts(obj, ("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled",
                              "numberReady"))
    return obj


def default_statefulset(obj: dict) -> dict:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    strategy = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        strategy.setdefault("rollingUpdate", {}).setdefault("partition", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"})
    _default_template(spec)
    _zero_status_counts(obj, ("replicas", "availableReplicas"))
    return obj


def default_node(obj: dict) -> dict:
    obj.setdefault("spec", {})
    return obj


def default_namespace(obj: dict) -> dict:
    name = (obj.get("metadata") or {}).get("name")
    if name:
        obj.setdefault("metadata", {}).setdefault("labels", {})["kubernetes.io/metadata.name"] = name
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj.setdefault("status", {}).setdefault("phase", "Active")
    return obj


def default_service(obj: dict) -> dict:
    spec = obj.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["type"] != "ExternalName":
        spec.setdefault("internalTrafficPolicy", "Cluster")
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            if "port" in port:
                port.setdefault("targetPort", port["port"])
    return obj


def default_secret(obj: dict) -> dict:
    obj.setdefault("type", "Opaque")
    return obj


def default_pvc(obj: dict) -> dict:
    obj.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
    obj.setdefault("status", {}).setdefault("phase", "Pending")
    return obj


def default_pv(obj: dict) -> dict:
    spec = obj.setdefault("spec", {})
    spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
    spec.setdefault("volumeMode", "Filesystem")
    obj.setdefault("status", {}).setdefault("phase", "Pending")
    return obj


# --- validation ---------------------------------------------------------------------------------------

def _selector_matches(selector: dict, labels: dict) -> bool:
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def _validate_selector_and_template(spec: dict, kind_word: str, allowed_restart: tuple) -> list[dict]:
    causes = []
    selector = spec.get("selector")
    if selector is None:
        causes.append(f.required("spec.selector"))
    elif not (selector.get("matchLabels") or selector.get("matchExpressions")):
        causes.append(f.invalid("spec.selector", selector, f"empty selector is invalid for {kind_word}"))
    template = spec.get("template")
    if not isinstance(template, dict):
        causes.append(f.required("spec.template"))
        return causes
    labels = (template.get("metadata") or {}).get("labels") or {}
    if selector and (selector.get("matchLabels") or selector.get("matchExpressions")) \
            and not _selector_matches(selector, labels):
        causes.append(f.invalid("spec.template.metadata.labels", labels, "`selector` does not match template `labels`"))
    causes += validate_pod_spec(template.get("spec"), "spec.template.spec", allowed_restart)
    return causes


def _validate_replicas(spec: dict) -> list[dict]:
    return f.non_negative("spec.replicas", spec.get("replicas"))


def validate_workload(kind_word: str):
    def validate(obj: dict, old: dict | None) -> list[dict]:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [f.required("spec")]
        causes = _validate_replicas(spec) + _validate_selector_and_template(spec, kind_word, ("Always",))
        if kind_word == "deployment":
            causes += _validate_deployment_strategy(spec.get("strategy") or {})
        if old is not None:
            old_selector = (old.get("spec") or {}).get("selector")
            if spec.get("selector") != old_selector:
                causes.append(f.immutable("spec.selector", spec.get("selector")))
        return causes
    return validate


def _validate_deployment_strategy(strategy: dict) -> list[dict]:
    kind = strategy.get("type", "RollingUpdate")
    if kind not in ("Recreate", "RollingUpdate"):
        return [f.not_supported("spec.strategy.type", kind, ("Recreate", "RollingUpdate"))]
    if kind == "Recreate" and strategy.get("rollingUpdate") is not None:
        return [f.forbidden("spec.strategy.rollingUpdate",
                            "may not be specified when strategy `type` is 'Recreate'")]
    rolling = strategy.get("rollingUpdate") or {}
    causes = []
    for name in ("maxUnavailable", "maxSurge"):
        if rolling.get(name) is not None:
            causes += _int_or_percent(rolling[name], f"spec.strategy.rollingUpdate.{name}")
    if rolling.get("maxUnavailable") in (0, "0%") and rolling.get("maxSurge") in (0, "0%"):
        causes.append(f.invalid("spec.strategy.rollingUpdate.maxUnavailable", rolling["maxUnavailable"],
                                "may not be 0 when `maxSurge` is 0"))
    return causes


def validate_crd(obj: dict, old: dict | None) -> list[dict]:
    spec = obj.get("spec") or {}
    names = spec.get("names") or {}
    causes = []
    expected = f"{names.get('plural', '')}.{spec.get('group', '')}"
    name = (obj.get("metadata") or {}).get("name", "")
    if name and name != expected:
        causes.append(f.invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group'))
    scope = spec.get("scope")
    if scope not in ("Cluster", "Namespaced"):
        causes.append(f.not_supported("spec.scope", scope or "", ("Cluster", "Namespaced")))
    versions = spec.get("versions") or []
    if not versions:
        causes.append(f.required("spec.versions", "must have exactly one version marked as storage version"))
    elif sum(1 for v in versions if (v or {}).get("storage")) != 1:
        causes.append(f.invalid("spec.versions", versions, "must have exactly one version marked as storage version"))
    if not names.get("kind"):
        causes.append(f.required("spec.names.kind"))
    if old is not None:
        old_spec = old.get("spec") or {}
        if spec.get("group") != old_spec.get("group"):
            causes.append(f.immutable("spec.group", spec.get("group", "")))
    return causes


def _int_or_percent(value, path: str) -> list[dict]:
    if isinstance(value, bool):
        return [f.invalid(path, value, "must be an integer or percentage")]
    if isinstance(value, int):
        return f.non_negative(path, value)
    if isinstance(value, str):
        digits = value[:-1]
        if not value.endswith("%") or not digits.isdigit():
            return [f.invalid(path, value, _PERCENT_MSG)]
        if int(digits) > 100:
            return [f.invalid(path, value, "must not be greater than 100%")]
    return []


def validate_pdb(obj: dict, old: dict | None) -> list[dict]:
    spec = obj.get("spec") or {}
    causes = []
    if "minAvailable" in spec and "maxUnavailable" in spec:
        causes.append(f.invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set"))
    for name in ("minAvailable", "maxUnavailable"):
        if spec.get(name) is not None:
            causes += _int_or_percent(spec[name], f"spec.{name}")
    policy = spec.get("unhealthyPodEvictionPolicy")
    if policy is not None and policy not in ("AlwaysAllow", "IfHealthyBudget"):
        causes.append(f.not_supported("spec.unhealthyPodEvictionPolicy", policy, ("AlwaysAllow", "IfHealthyBudget")))
    return causes


def validate_node(obj: dict, old: dict | None) -> list[dict]:
    causes = []
    seen = set()
    for i, taint in enumerate((obj.get("spec") or {}).get("taints") or []):
        path = f.index("spec.taints", i)
        taint = taint or {}
        key, effect = taint.get("key") or "", taint.get("effect") or ""
        if not key:
            causes.append(f.required(f.child(path, "key")))
        else:
            causes += [f.invalid(f.child(path, "key"), key, msg) for msg in qualified_name(key)]
        if not effect:
            causes.append(f.required(f.child(path, "effect")))
        elif effect not in TAINT_EFFECTS:
            causes.append(f.not_supported(f.child(path, "effect"), effect, TAINT_EFFECTS))
        if (key, effect) in seen:
            causes.append(f.duplicate(path, taint))
        seen.add((key, effect))
    return causes


def validate_lease(obj: dict, old: dict | None) -> list[dict]:
    spec = obj.get("spec") or {}
    causes = []
    duration = spec.get("leaseDurationSeconds")
    if duration is not None and duration <= 0:
        causes.append(f.invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
    transitions = spec.get("leaseTransitions")
    causes += f.non_negative("spec.leaseTransitions", transitions)
    return causes


def validate_service(obj: dict, old: dict | None) -> list[dict]:
    spec = obj.get("spec") or {}
    causes = []
    service_type = spec.get("type", "ClusterIP")
    if service_type not in SERVICE_TYPES:
        causes.append(f.not_supported("spec.type", service_type, SERVICE_TYPES))
    ports = spec.get("ports") or []
    if not ports and service_type != "ExternalName" and spec.get("clusterIP") != "None":
        causes.append(f.required("spec.ports"))
    names = set()
    for i, port in enumerate(ports):
        path = f.index("spec.ports", i)
        port = port or {}
        if len(ports) > 1 and not port.get("name"):
            causes.append(f.required(f.child(path, "name")))
        elif port.get("name") in names:
            causes.append(f.duplicate(f.child(path, "name"), port["name"]))
        names.add(port.get("name"))
        number = port.get("port")
        if not isinstance(number, int) or not 1 <= number <= 65535:
            causes.append(f.invalid(f.child(path, "port"), number, "must be between 1 and 65535, inclusive"))
    return causes


def validate_namespace(obj: dict, old: dict | None) -> list[dict]:
    return []


def validate_core_event(obj: dict, old: dict | None) -> list[dict]:
    """The legacy rules a core/v1 Event must pass: its namespace must agree with its object's (cluster-scoped
    objects' events go to "default"; with eventTime set, "kube-system" too), and an event with eventTime must
    name its reporter, instance, action and reason."""
    namespace = (obj.get("metadata") or {}).get("namespace") or ""
    involved = (obj.get("involvedObject") or {}).get("namespace") or ""
    mismatch = f.invalid("involvedObject.namespace", involved, "does not match event.namespace")
    if not obj.get("eventTime"):
        if (not involved and namespace not in ("", "default")) or (involved and namespace and namespace != involved):
            return [mismatch]
        return []
    causes = []
    if not involved and namespace not in ("default", "kube-system"):
        causes.append(mismatch)
    reporter = obj.get("reportingComponent") or ""
    if not reporter:
        causes.append(f.required("reportingComponent"))
    causes += [f.invalid("reportingComponent", reporter, msg) for msg in qualified_name(reporter)]
    for name in ("reportingInstance", "action"):
        value = obj.get(name) or ""
        if not value:
            causes.append(f.required(name))
        elif len(value) > 128:
            causes.append(f.invalid(name, "", "can have at most 128 characters"))
    if not obj.get("reason"):
        causes.append(f.required("reason"))
    elif len(obj["reason"]) > 128:
        causes.append(f.invalid("reason", "", "can have at most 128 characters"))
    if len(obj.get("message") or "") > 1024:
        causes.append(f.invalid("message", "", "can have at most 1024 characters"))
    return causes
