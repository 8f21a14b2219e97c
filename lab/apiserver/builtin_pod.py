"""Pod (and pod template) defaulting and validation, as kube-apiserver and its default admission do."""
import copy

from lab.apiserver import builtin_fields as f
from lab.apiserver.builtin_names import dns1123_label, dns1123_subdomain, qualified_name

RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
PROTOCOLS = ("SCTP", "TCP", "UDP")
DEFAULT_TOLERATION_SECONDS = 300
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
UPDATABLE_POD_FIELDS = ("`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
                        "`spec.tolerations` (only additions to existing tolerations),"
                        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)")


# --- defaulting ---------------------------------------------------------------------------------------

def _image_pull_policy(image: str) -> str:
    last = image.rsplit("/", 1)[-1]
    if "@" in last:
        return "IfNotPresent"
    tag = last.partition(":")[2]
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _default_container(container: dict):
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    if isinstance(container.get("image"), str) and container["image"]:
        container.setdefault("imagePullPolicy", _image_pull_policy(container["image"]))
    for port in container.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")


def default_pod_spec(spec: dict):
    """SetDefaults for a PodSpec (also inside workload templates)."""
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("enableServiceLinks", True)
    for name in ("initContainers", "containers"):
        for container in spec.get(name) or []:
            if isinstance(container, dict):
                _default_container(container)


def _has_toleration_for(tolerations: list, taint_key: str) -> bool:
    for toleration in tolerations:
        effect = toleration.get("effect", "")
        if effect not in ("", "NoExecute"):
            continue
        if toleration.get("key") == taint_key or (not toleration.get("key")
                                                  and toleration.get("operator") == "Exists"):
            return True
    return False


def _admit_pod_spec(spec: dict):
    """What the default admission chain adds to a new pod: service account, priority, default tolerations."""
    spec.setdefault("serviceAccountName", "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    if "priorityClassName" not in spec:
        spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    tolerations = spec.setdefault("tolerations", [])
    for taint in (NOT_READY_TAINT, UNREACHABLE_TAINT):
        if not _has_toleration_for(tolerations, taint):
            tolerations.append({"key": taint, "operator": "Exists", "effect": "NoExecute",
                                "tolerationSeconds": DEFAULT_TOLERATION_SECONDS})


def _qos_class(spec: dict) -> str:
    containers = [c for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])
                  if isinstance(c, dict)]
    requests = [((c.get("resources") or {}).get("requests") or {}) for c in containers]
    limits = [((c.get("resources") or {}).get("limits") or {}) for c in containers]
    if not any(requests) and not any(limits):
        return "BestEffort"
    for req, lim in zip(requests, limits):
        for resource in ("cpu", "memory"):
            if resource not in lim or req.get(resource, lim[resource]) != lim[resource]:
                return "Burstable"
    return "Guaranteed"


def _is_new(obj: dict) -> bool:
    meta = obj.get("metadata") or {}
    return not (meta.get("uid") or meta.get("resourceVersion") or meta.get("creationTimestamp"))


def default_pod(pod: dict) -> dict:
    """Scheme defaults always; what admission adds (and the initial status) only to a pod not yet stored."""
    spec = pod.setdefault("spec", {})
    if isinstance(spec, dict):
        default_pod_spec(spec)
        if not _is_new(pod):
            return pod
        _admit_pod_spec(spec)
        status = pod.setdefault("status", {})
        if isinstance(status, dict):
            status.setdefault("phase", "Pending")
            status.setdefault("qosClass", _qos_class(spec))
    return pod


# --- validation ---------------------------------------------------------------------------------------

def _validate_container(container, path: str, seen: set) -> list[dict]:
    if not isinstance(container, dict):
        return [f.invalid(path, container, "must be an object")]
    causes = []
    name = container.get("name") or ""
    if not name:
        causes.append(f.required(f.child(path, "name")))
    else:
        causes += [f.invalid(f.child(path, "name"), name, msg) for msg in dns1123_label(name)]
        if name in seen:
            causes.append(f.duplicate(f.child(path, "name"), name))
        seen.add(name)
    if not container.get("image"):
        causes.append(f.required(f.child(path, "image")))
    for i, port in enumerate(container.get("ports") or []):
        port_path = f.index(f.child(path, "ports"), i)
        number = (port or {}).get("containerPort")
        if number is None:
            causes.append(f.required(f.child(port_path, "containerPort")))
        elif not isinstance(number, int) or not 1 <= number <= 65535:
            causes.append(f.invalid(f.child(port_path, "containerPort"), number,
                                    "must be between 1 and 65535, inclusive"))
        protocol = (port or {}).get("protocol")
        if protocol is not None and protocol not in PROTOCOLS:
            causes.append(f.not_supported(f.child(port_path, "protocol"), protocol, PROTOCOLS))
    return causes


def validate_tolerations(tolerations, path: str) -> list[dict]:
    causes = []
    for i, toleration in enumerate(tolerations or []):
        item = f.index(path, i)
        toleration = toleration or {}
        key, operator = toleration.get("key", ""), toleration.get("operator", "Equal")
        if key:
            causes += [f.invalid(f.child(item, "key"), key, msg) for msg in qualified_name(key)]
        if not key and operator != "Exists":
            causes.append(f.invalid(f.child(item, "operator"), operator, "operator must be Exists when `key` is "
                                                                         "empty, which means \"match all values and all keys\""))
        if operator == "Exists" and toleration.get("value"):
            causes.append(f.invalid(f.child(item, "operator"), toleration.get("value"),
                                    "value must be empty when `operator` is 'Exists'"))
        elif operator not in ("Equal", "Exists"):
            causes.append(f.not_supported(f.child(item, "operator"), operator, ("Equal", "Exists")))
        effect = toleration.get("effect", "")
        if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
            causes.append(f.invalid(f.child(item, "effect"), effect,
                                    "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        if effect and effect not in TAINT_EFFECTS:
            causes.append(f.not_supported(f.child(item, "effect"), effect, TAINT_EFFECTS))
    return causes


def validate_pod_spec(spec, path: str, allowed_restart: tuple = RESTART_POLICIES) -> list[dict]:
    if not isinstance(spec, dict):
        return [f.required(path)]
    causes = []
    containers = spec.get("containers")
    if not containers:
        causes.append(f.required(f.child(path, "containers")))
    seen: set = set()
    for name in ("initContainers", "containers"):
        for i, container in enumerate(spec.get(name) or []):
            causes += _validate_container(container, f.index(f.child(path, name), i), seen)
    volumes: set = set()
    for i, volume in enumerate(spec.get("volumes") or []):
        volume_name = (volume or {}).get("name") or ""
        volume_path = f.child(f.index(f.child(path, "volumes"), i), "name")
        if not volume_name:
            causes.append(f.required(volume_path))
        elif volume_name in volumes:
            causes.append(f.duplicate(volume_path, volume_name))
        volumes.add(volume_name)
    restart = spec.get("restartPolicy")
    if restart is not None and restart not in allowed_restart:
        causes.append(f.not_supported(f.child(path, "restartPolicy"), restart, allowed_restart))
    dns = spec.get("dnsPolicy")
    if dns is not None and dns not in DNS_POLICIES:
        causes.append(f.not_supported(f.child(path, "dnsPolicy"), dns, DNS_POLICIES))
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and (not isinstance(deadline, int) or deadline <= 0):
        causes.append(f.invalid(f.child(path, "activeDeadlineSeconds"), deadline,
                                "must be between 1 and 2147483647, inclusive"))
    node_name = spec.get("nodeName")
    if node_name:
        causes += [f.invalid(f.child(path, "nodeName"), node_name, msg) for msg in dns1123_subdomain(node_name)]
    causes += validate_tolerations(spec.get("tolerations"), f.child(path, "tolerations"))
    return causes


def _only_added_tolerations(new: list, old: list, path: str) -> list[dict]:
    for existing in old or []:
        def same_except_seconds(candidate):
            return {k: v for k, v in existing.items() if k != "tolerationSeconds"} == \
                {k: v for k, v in (candidate or {}).items() if k != "tolerationSeconds"}
        if not any(same_except_seconds(candidate) for candidate in new or []):
            return [f.forbidden(path, "existing toleration can not be modified except its tolerationSeconds")]
    return []


def _changed_paths(old, new, path: str) -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        changed = []
        for key in sorted(set(old) | set(new)):
            changed += _changed_paths(old.get(key), new.get(key), f.child(path, key))
        return changed
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        changed = []
        for i, (a, b) in enumerate(zip(old, new)):
            changed += _changed_paths(a, b, f.index(path, i))
        return changed
    return [] if old == new else [path]


def _defaulted_spec(pod: dict) -> dict:
    # A stored pod is always defaulted on a real server; compare defaulted specs so that scheme defaults
    # filled in now (for a pod some controller stored without them) never count as a change.
    spec = copy.deepcopy(pod.get("spec") or {})
    if isinstance(spec, dict):
        default_pod_spec(spec)
    return spec


def validate_pod_update(pod: dict, old: dict) -> list[dict]:
    """Only images, activeDeadlineSeconds, added tolerations and a few other fields may change."""
    spec, old_spec = _defaulted_spec(pod), _defaulted_spec(old)
    causes = []
    munged = copy.deepcopy(spec)
    for name in ("containers", "initContainers"):
        old_containers = old_spec.get(name) or []
        for i, container in enumerate(munged.get(name) or []):
            if i < len(old_containers) and isinstance(container, dict) and isinstance(old_containers[i], dict):
                container["image"] = old_containers[i].get("image")
    new_deadline, old_deadline = spec.get("activeDeadlineSeconds"), old_spec.get("activeDeadlineSeconds")
    if old_deadline is not None and new_deadline is None:
        causes.append(f.invalid("spec.activeDeadlineSeconds", None,
                                "must not update from a positive integer to nil value"))
    elif old_deadline is not None and new_deadline is not None and new_deadline > old_deadline:
        causes.append(f.invalid("spec.activeDeadlineSeconds", new_deadline,
                                "must be less than or equal to previous value"))
    munged["activeDeadlineSeconds"] = old_deadline
    causes += _only_added_tolerations(spec.get("tolerations"), old_spec.get("tolerations"), "spec.tolerations")
    munged["tolerations"] = old_spec.get("tolerations")
    old_grace = old_spec.get("terminationGracePeriodSeconds")
    if old_grace is not None and old_grace < 0 and spec.get("terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    kept_gates = [g for g in spec.get("schedulingGates") or [] if g in (old_spec.get("schedulingGates") or [])]
    if kept_gates == (spec.get("schedulingGates") or []):
        munged["schedulingGates"] = old_spec.get("schedulingGates")
    for name in ("activeDeadlineSeconds", "tolerations", "schedulingGates"):
        if munged.get(name) is None:
            munged.pop(name, None)
    if munged != old_spec:
        changed = "\n".join(f"  {p}" for p in _changed_paths(old_spec, munged, "spec"))
        causes.append(f.forbidden("spec", f"pod updates may not change fields other than {UPDATABLE_POD_FIELDS}\n"
                                          f"changed:\n{changed}"))
    return causes
