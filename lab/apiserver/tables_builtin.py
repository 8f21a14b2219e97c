"""kubectl-like Table columns of the built-in kinds (the ones kube-apiserver's printers produce)."""
from datetime import datetime

from lab.apiserver.tables_format import NONE, age, parse_time, human_duration


def column(name: str, kind: str = "string", description: str = "", priority: int = 0, fmt: str = "") -> dict:
    return {"name": name, "type": kind, "format": fmt, "description": description or name, "priority": priority}


NAME = column("Name", "string", "Name must be unique within a namespace. Is required when creating resources, "
                                "although some resources may allow a client to request the generation of an "
                                "appropriate name automatically.", 0, "name")
AGE = column("Age", "string", "CreationTimestamp is a timestamp representing the server time when this object "
                              "was created.")


def _meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def _name(obj: dict) -> str:
    return _meta(obj).get("name", "")


def _age(obj: dict, now: datetime) -> str:
    return age(_meta(obj).get("creationTimestamp"), now)


def _selector_text(selector) -> str:
    if not selector:
        return NONE
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values") or []
        if operator == "In":
            parts.append(f"{key} in ({','.join(sorted(values))})")
        elif operator == "NotIn":
            parts.append(f"{key} notin ({','.join(sorted(values))})")
        elif operator == "Exists":
            parts.append(key)
        elif operator == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts) if parts else NONE


def _template_containers(obj: dict) -> list:
    return ((((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or [])


def _names_and_images(obj: dict) -> tuple[str, str]:
    containers = _template_containers(obj)
    return ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)


# --- nodes --------------------------------------------------------------------------------------------

def node_status(node: dict) -> str:
    conditions = {c.get("type"): c for c in (node.get("status") or {}).get("conditions") or []}
    states = []
    ready = conditions.get("Ready")
    if ready is not None:
        states.append("Ready" if ready.get("status") == "True" else "NotReady")
    if not states:
        states.append("Unknown")
    if (node.get("spec") or {}).get("unschedulable"):
        states.append("SchedulingDisabled")
    return ",".join(states)


def node_roles(node: dict) -> str:
    roles = set()
    for key, value in (_meta(node).get("labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/"):
            role = key[len("node-role.kubernetes.io/"):]
            if role:
                roles.add(role)
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return ",".join(sorted(roles)) if roles else NONE


def _address(node: dict, kind: str) -> str:
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == kind:
            return address.get("address", NONE)
    return NONE


NODE_COLUMNS = [NAME, column("Status", description="The status of the node"),
                column("Roles", description="The roles of the node"), AGE,
                column("Version", description="Kubelet Version reported by the node."),
                column("Internal-IP", description="List of addresses reachable to the node.", priority=1),
                column("External-IP", description="List of addresses reachable to the node.", priority=1),
                column("OS-Image", description="OS Image reported by the node from /etc/os-release.", priority=1),
                column("Kernel-Version", description="Kernel Version reported by the node.", priority=1),
                column("Container-Runtime", description="Container Runtime Version reported by the node.",
                       priority=1)]


def node_cells(node: dict, now: datetime) -> list:
    info = (node.get("status") or {}).get("nodeInfo") or {}
    return [_name(node), node_status(node), node_roles(node), _age(node, now), info.get("kubeletVersion", ""),
            _address(node, "InternalIP"), _address(node, "ExternalIP"), info.get("osImage") or "<unknown>",
            info.get("kernelVersion") or "<unknown>", info.get("containerRuntimeVersion") or "<unknown>"]


# --- pods ---------------------------------------------------------------------------------------------

def _container_reason(state: dict, current: str) -> str:
    if (state.get("waiting") or {}).get("reason"):
        return state["waiting"]["reason"]
    terminated = state.get("terminated")
    if terminated:
        if terminated.get("reason"):
            return terminated["reason"]
        if terminated.get("signal"):
            return f"Signal:{terminated['signal']}"
        return f"ExitCode:{terminated.get('exitCode', 0)}"
    return current


def _init_reason(pod: dict, reason: str) -> tuple[str, bool]:
    statuses = (pod.get("status") or {}).get("initContainerStatuses") or []
    total = len((pod.get("spec") or {}).get("initContainers") or [])
    for i, status in enumerate(statuses):
        state = status.get("state") or {}
        terminated = state.get("terminated")
        if terminated and terminated.get("exitCode", 0) == 0:
            continue
        if terminated:
            detail = terminated.get("reason") or (f"Signal:{terminated['signal']}" if terminated.get("signal")
                                                  else f"ExitCode:{terminated.get('exitCode')}")
            return "Init:" + detail, True
        waiting = (state.get("waiting") or {}).get("reason")
        if waiting and waiting != "PodInitializing":
            return "Init:" + waiting, True
        return f"Init:{i}/{total}", True
    return reason, False


def pod_status(pod: dict) -> str:
    status = pod.get("status") or {}
    reason = status.get("reason") or status.get("phase") or ""
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    reason, initializing = _init_reason(pod, reason)
    if not initializing:
        has_running = False
        for container in reversed(status.get("containerStatuses") or []):
            state = container.get("state") or {}
            reason = _container_reason(state, reason)
            if state.get("running") and container.get("ready"):
                has_running = True
        if reason == "Completed" and has_running:
            ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
            reason = "Running" if ready else "NotReady"
    if _meta(pod).get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    return reason


def _restarts(pod: dict, now: datetime):
    count, last = 0, None
    for container in (pod.get("status") or {}).get("containerStatuses") or []:
        count += container.get("restartCount", 0)
        finished = parse_time(((container.get("lastState") or {}).get("terminated") or {}).get("finishedAt"))
        if finished and (last is None or finished > last):
            last = finished
    if last is None:
        return count
    return f"{count} ({human_duration((now - last).total_seconds())} ago)"


POD_COLUMNS = [NAME, column("Ready", description="The aggregate readiness state of this pod for accepting traffic."),
               column("Status", description="The aggregate status of the containers in this pod."),
               column("Restarts", description="The number of times the containers in this pod have been restarted "
                                              "and when the last container in this pod has restarted."),
               AGE,
               column("IP", description="IP address allocated to the pod. Routable at least within the cluster. "
                                        "Empty if not yet allocated.", priority=1),
               column("Node", description="NodeName is a request to schedule this pod onto a specific node.",
                      priority=1),
               column("Nominated Node", description="nominatedNodeName is set only when this pod preempts other "
                                                    "pods on the node.", priority=1),
               column("Readiness Gates", description="If specified, all readiness gates will be evaluated for pod "
                                                     "readiness.", priority=1)]


def pod_cells(pod: dict, now: datetime) -> list:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    ready = sum(1 for c in status.get("containerStatuses") or [] if c.get("ready"))
    gates = spec.get("readinessGates") or []
    if gates:
        true_conditions = {c.get("type") for c in status.get("conditions") or [] if c.get("status") == "True"}
        gate_text = f"{sum(1 for g in gates if g.get('conditionType') in true_conditions)}/{len(gates)}"
    else:
        gate_text = NONE
    return [_name(pod), f"{ready}/{len(spec.get('containers') or [])}", pod_status(pod), _restarts(pod, now),
            _age(pod, now), status.get("podIP") or NONE, spec.get("nodeName") or NONE,
            status.get("nominatedNodeName") or NONE, gate_text]


# --- workloads ----------------------------------------------------------------------------------------

_CONTAINERS = column("Containers", description="Names of each container in the template.", priority=1)
_IMAGES = column("Images", description="Images referenced by each container in the template.", priority=1)
_SELECTOR = column("Selector", description="Label selector for pods.", priority=1)

DEPLOYMENT_COLUMNS = [NAME, column("Ready", description="Number of the pod with ready state"),
                      column("Up-to-date", "integer", "Total number of non-terminated pods targeted by this "
                                                      "deployment that have the desired template spec."),
                      column("Available", "integer", "Total number of available pods (ready for at least "
                                                     "minReadySeconds) targeted by this deployment."),
                      AGE, _CONTAINERS, _IMAGES, _SELECTOR]


def deployment_cells(obj: dict, now: datetime) -> list:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _names_and_images(obj)
    return [_name(obj), f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
            status.get("updatedReplicas", 0), status.get("availableReplicas", 0), _age(obj, now), names, images,
            _selector_text(spec.get("selector"))]


REPLICASET_COLUMNS = [NAME, column("Desired", "integer", "Number of desired pods."),
                      column("Current", "integer", "Number of actual replicas."),
                      column("Ready", "integer", "The number of ready replicas for this replica set."),
                      AGE, _CONTAINERS, _IMAGES, _SELECTOR]


def replicaset_cells(obj: dict, now: datetime) -> list:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _names_and_images(obj)
    return [_name(obj), spec.get("replicas", 0), status.get("replicas", 0), status.get("readyReplicas", 0),
            _age(obj, now), names, images, _selector_text(spec.get("selector"))]


DAEMONSET_COLUMNS = [NAME, column("Desired", "integer", "The desired number of nodes that should be running the "
                                                        "daemon pod."),
                     column("Current", "integer", "The number of nodes that are running at least 1 daemon pod."),
                     column("Ready", "integer", "The number of nodes that should be running the daemon pod and "
                                                "have one or more of the daemon pod running and ready."),
                     column("Up-to-date", "integer", "The total number of nodes that are running updated daemon "
                                                     "pod"),
                     column("Available", "integer", "The number of nodes that should be running the daemon pod "
                                                    "and have one or more of the daemon pod running and available."),
                     column("Node Selector", description="NodeSelector is a selector which must be true for the "
                                                         "pod to fit on a node."),
                     AGE, _CONTAINERS, _IMAGES, _SELECTOR]


def daemonset_cells(obj: dict, now: datetime) -> list:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _names_and_images(obj)
    node_selector = ((spec.get("template") or {}).get("spec") or {}).get("nodeSelector") or {}
    selector_text = ",".join(f"{k}={v}" for k, v in sorted(node_selector.items())) or NONE
    return [_name(obj), status.get("desiredNumberScheduled", 0), status.get("currentNumberScheduled", 0),
            status.get("numberReady", 0), status.get("updatedNumberScheduled", 0),
            status.get("numberAvailable", 0), selector_text, _age(obj, now), names, images,
            _selector_text(spec.get("selector"))]


STATEFULSET_COLUMNS = [NAME, column("Ready", description="Number of the pod with ready state"), AGE,
                       _CONTAINERS, _IMAGES]


def statefulset_cells(obj: dict, now: datetime) -> list:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _names_and_images(obj)
    return [_name(obj), f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}", _age(obj, now), names,
            images]


# --- other kinds --------------------------------------------------------------------------------------

NAMESPACE_COLUMNS = [NAME, column("Status", description="The status of the namespace"), AGE]


def namespace_cells(obj: dict, now: datetime) -> list:
    return [_name(obj), (obj.get("status") or {}).get("phase", ""), _age(obj, now)]


LEASE_COLUMNS = [NAME, column("Holder", description="The holder of the lease."), AGE]


def lease_cells(obj: dict, now: datetime) -> list:
    return [_name(obj), (obj.get("spec") or {}).get("holderIdentity", ""), _age(obj, now)]


EVENT_COLUMNS = [column("Last Seen", description="Time when last event from this source was observed."),
                 column("Type", description="Type of this event (Normal, Warning), new types could be added in "
                                            "the future."),
                 column("Reason", description="Short, machine understandable string that gives the reason for "
                                              "this event being generated."),
                 column("Object", description="The object this Event is about."),
                 column("Subobject", description="FieldPath of the involved object.", priority=1),
                 column("Source", description="The component reporting this event.", priority=1),
                 column("Message", description="A human-readable description of the status of this operation."),
                 column("First Seen", description="The time at which the event was first recorded.", priority=1),
                 column("Count", "integer", "The number of times this event has occurred.", priority=1),
                 column("Name", description="Name of the event.", priority=1, fmt="name")]


def event_cells(obj: dict, now: datetime) -> list:
    involved = obj.get("involvedObject") or obj.get("regarding") or {}
    last = obj.get("lastTimestamp") or (obj.get("series") or {}).get("lastObservedTime") or obj.get("eventTime") \
        or _meta(obj).get("creationTimestamp")
    first = obj.get("firstTimestamp") or obj.get("eventTime") or _meta(obj).get("creationTimestamp")
    source = obj.get("source") or {}
    source_text = source.get("component") or obj.get("reportingComponent") or obj.get("reportingController") or ""
    if source.get("host"):
        source_text += ", " + source["host"]
    return [age(last, now), obj.get("type", ""), obj.get("reason", ""),
            f"{(involved.get('kind') or '').lower()}/{involved.get('name', '')}", involved.get("fieldPath", ""),
            source_text, obj.get("message") or obj.get("note", ""), age(first, now), obj.get("count", 1),
            _name(obj)]


PDB_COLUMNS = [NAME, column("Min Available", description="The minimum number of pods that must be available."),
               column("Max Unavailable", description="The maximum number of pods that may be unavailable."),
               column("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this "
                                                        "time."),
               AGE]


def pdb_cells(obj: dict, now: datetime) -> list:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [_name(obj), str(spec["minAvailable"]) if "minAvailable" in spec else "N/A",
            str(spec["maxUnavailable"]) if "maxUnavailable" in spec else "N/A",
            status.get("disruptionsAllowed", 0), _age(obj, now)]


SERVICE_COLUMNS = [NAME, column("Type", description="The type of the service."),
                   column("Cluster-IP", description="The IP address of the service."),
                   column("External-IP", description="The external IP address of the service."),
                   column("Port(s)", description="The ports exposed by the service."), AGE,
                   column("Selector", description="Route service traffic to pods with label keys and values "
                                                  "matching this selector.", priority=1)]


def service_cells(obj: dict, now: datetime) -> list:
    spec = obj.get("spec") or {}
    ports = []
    for port in spec.get("ports") or []:
        text = f"{port.get('port')}"
        if port.get("nodePort"):
            text += f":{port['nodePort']}"
        ports.append(f"{text}/{port.get('protocol', 'TCP')}")
    external = ",".join(spec.get("externalIPs") or []) or NONE
    if spec.get("type") == "LoadBalancer" and external == NONE:
        external = "<pending>"
    selector = ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items())) or NONE
    return [_name(obj), spec.get("type", "ClusterIP"), spec.get("clusterIP") or NONE, external,
            ",".join(ports) or NONE, _age(obj, now), selector]


DATA_COLUMNS = [NAME, column("Data", "integer", "Number of data items."), AGE]


def data_cells(obj: dict, now: datetime) -> list:
    count = len(obj.get("data") or {}) + len(obj.get("binaryData") or {})
    return [_name(obj), count, _age(obj, now)]


SECRET_COLUMNS = [NAME, column("Type", description="The type of the secret"),
                  column("Data", "integer", "The number of data items in the secret"), AGE]


def secret_cells(obj: dict, now: datetime) -> list:
    return [_name(obj), obj.get("type", "Opaque"), len(obj.get("data") or {}), _age(obj, now)]


CREATED_AT_COLUMNS = [NAME, column("Created At", "date", "CreationTimestamp is a timestamp representing the server "
                                                        "time when this object was created.")]


def created_at_cells(obj: dict, now: datetime) -> list:
    """Kinds without a printer of their own get the server's default columns: the timestamp, not an age."""
    moment = parse_time(_meta(obj).get("creationTimestamp"))
    return [_name(obj), moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None]


SERVICE_ACCOUNT_COLUMNS = [NAME, column("Secrets", "integer", "Secrets is the list of secrets allowed to be used "
                                                               "by pods running using this ServiceAccount"), AGE]


def service_account_cells(obj: dict, now: datetime) -> list:
    return [_name(obj), len(obj.get("secrets") or []), _age(obj, now)]


ENDPOINTS_COLUMNS = [NAME, column("Endpoints", description="Endpoints is the list of endpoints in the subsets"),
                     AGE]


def endpoints_cells(obj: dict, now: datetime) -> list:
    addresses = []
    for subset in obj.get("subsets") or []:
        ports = [p.get("port") for p in subset.get("ports") or []] or [None]
        for address in subset.get("addresses") or []:
            addresses += [f"{address.get('ip')}:{port}" if port else address.get("ip") for port in ports]
    shown = ",".join(addresses[:3]) + (f" + {len(addresses) - 3} more..." if len(addresses) > 3 else "")
    return [_name(obj), shown or NONE, _age(obj, now)]


PRINTERS = {
    "nodes": (NODE_COLUMNS, node_cells),
    "pods": (POD_COLUMNS, pod_cells),
    "deployments.apps": (DEPLOYMENT_COLUMNS, deployment_cells),
    "replicasets.apps": (REPLICASET_COLUMNS, replicaset_cells),
    "daemonsets.apps": (DAEMONSET_COLUMNS, daemonset_cells),
    "statefulsets.apps": (STATEFULSET_COLUMNS, statefulset_cells),
    "namespaces": (NAMESPACE_COLUMNS, namespace_cells),
    "leases.coordination.k8s.io": (LEASE_COLUMNS, lease_cells),
    "events": (EVENT_COLUMNS, event_cells),
    "poddisruptionbudgets.policy": (PDB_COLUMNS, pdb_cells),
    "services": (SERVICE_COLUMNS, service_cells),
    "configmaps": (DATA_COLUMNS, data_cells),
    "secrets": (SECRET_COLUMNS, secret_cells),
    "serviceaccounts": (SERVICE_ACCOUNT_COLUMNS, service_account_cells),
    "endpoints": (ENDPOINTS_COLUMNS, endpoints_cells),
    "customresourcedefinitions.apiextensions.k8s.io": (CREATED_AT_COLUMNS, created_at_cells),
    "roles.rbac.authorization.k8s.io": (CREATED_AT_COLUMNS, created_at_cells),
    "rolebindings.rbac.authorization.k8s.io": (CREATED_AT_COLUMNS, created_at_cells),
    "clusterroles.rbac.authorization.k8s.io": (CREATED_AT_COLUMNS, created_at_cells),
    "clusterrolebindings.rbac.authorization.k8s.io": (CREATED_AT_COLUMNS, created_at_cells),
}
