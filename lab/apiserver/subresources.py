"""pods/eviction, pods/binding, */scale and */status (GET) subresources."""
from . import errors
from .admission import AdmissionRequest
from .clock import timestamp
from .encoding import dumps, object_bytes
from .handlers_write import is_dry_run, patch as patch_object
from .request import Response
from .selectors import label_selector_from_dict

EVICTION_VERSIONS = ("policy/v1", "policy/v1beta1")
SUCCESS_CREATED = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


def get_status(server, req, rt, route) -> Response:
    return Response(200, object_bytes(server.store.get_entry(rt.key, route.namespace, route.name), rt,
                                      route.version))


def _can_skip_budget(pod) -> bool:
    phase = (pod.get("status") or {}).get("phase")
    return phase in ("Succeeded", "Failed", "Pending") or bool(pod["metadata"].get("deletionTimestamp"))


def evict(server, req, rt, route) -> Response:
    eviction = req.body
    if not isinstance(eviction, dict) or eviction.get("kind", "Eviction") != "Eviction" or \
            eviction.get("apiVersion", "policy/v1") not in EVICTION_VERSIONS:
        kind = eviction.get("kind") if isinstance(eviction, dict) else type(eviction).__name__
        raise errors.bad_request(f"not a Eviction object: {kind}")
    if (eviction.get("metadata") or {}).get("name") != route.name:
        raise errors.bad_request("name in URL does not match name in Eviction object")
    options = dict(eviction.get("deleteOptions") or {})
    dry_run = is_dry_run(req) or bool(options.get("dryRun"))
    pod = server.store.get("pods", route.namespace, route.name)
    server.admission.run(AdmissionRequest("CREATE", "pods", route.namespace, route.name, eviction, pod,
                                          "eviction", req.user, dry_run))
    if not _can_skip_budget(pod):
        server.admission.check_eviction(pod, eviction)
    grace = options.get("gracePeriodSeconds")
    server.store.delete("pods", route.namespace, route.name,
                        grace_period_seconds=int(grace) if grace is not None else None,
                        propagation_policy=options.get("propagationPolicy"),
                        preconditions=options.get("preconditions"), dry_run=dry_run)
    return Response(201, dict(SUCCESS_CREATED))


def bind(server, req, rt, route) -> Response:
    binding = req.body if isinstance(req.body, dict) else {}
    name = route.name or (binding.get("metadata") or {}).get("name")
    target = binding.get("target") or {}
    if target.get("kind", "Node") != "Node" or not target.get("name"):
        raise errors.invalid("Binding", name or "", [{"reason": "FieldValueRequired", "field": "target.name",
                                                     "message": "Required value"}])
    dry_run = is_dry_run(req)

    def assign(pod):
        meta = pod["metadata"]
        if meta.get("deletionTimestamp"):
            raise errors.conflict("pods", name, f"pod {name} is being deleted, cannot be assigned to a host")
        current = (pod.get("spec") or {}).get("nodeName")
        if current:
            raise errors.conflict("pods", name, f'pod {name} is already assigned to node "{current}"')
        pod.setdefault("spec", {})["nodeName"] = target["name"]
        conditions = [c for c in (pod.setdefault("status", {}).get("conditions") or [])
                      if c.get("type") != "PodScheduled"]
        conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                           "lastTransitionTime": timestamp()})
        pod["status"]["conditions"] = conditions
        return pod

    if dry_run:
        assign(server.store.get("pods", route.namespace, name))
    else:
        server.store.mutate("pods", route.namespace, name, assign, subresource="*")
    return Response(201, dict(SUCCESS_CREATED))


def _path_get(obj, path):
    value = obj
    for part in path.lstrip(".").split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _path_set(obj, path, value):
    parts = path.lstrip(".").split(".")
    target = obj
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _selector_string(selector) -> str:
    if isinstance(selector, str):
        return selector
    if not isinstance(selector, dict):
        return ""
    terms = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        op, key, values = expression.get("operator"), expression.get("key"), expression.get("values") or []
        if op == "In":
            terms.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            terms.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            terms.append(key)
        elif op == "DoesNotExist":
            terms.append(f"!{key}")
    label_selector_from_dict(selector)   # 400 on an invalid operator
    return ",".join(terms)


def scale_object(obj, paths) -> dict:
    meta = obj["metadata"]
    status = {"replicas": _path_get(obj, paths["statusReplicasPath"]) or 0}
    if paths.get("labelSelectorPath"):
        selector = _selector_string(_path_get(obj, paths["labelSelectorPath"]))
        if selector:
            status["selector"] = selector
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                         if k in meta},
            "spec": {"replicas": _path_get(obj, paths["specReplicasPath"]) or 0}, "status": status}


def scale(server, req, rt, route) -> Response:
    paths = server.scale_paths(rt)
    if paths is None:
        raise errors.not_found(rt.key, route.name)
    current = server.store.get(rt.key, route.namespace, route.name)
    if req.method == "GET":
        return Response(200, dumps(scale_object(current, paths)))
    if req.method == "PATCH":
        from . import patch as patches
        live = scale_object(current, paths)
        if req.content_type == "application/json-patch+json":
            desired = patches.json_patch(live, req.body)
        else:
            desired = patches.merge_patch(live, req.body)
    else:
        desired = req.body if isinstance(req.body, dict) else {}
    replicas = (desired.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or replicas < 0:
        raise errors.invalid("Scale", route.name, [{"reason": "FieldValueInvalid", "field": "spec.replicas",
                                                    "message": "Invalid value: must be greater than or equal to 0"}])
    expected_rv = (desired.get("metadata") or {}).get("resourceVersion")
    if expected_rv and req.method == "PUT" and expected_rv != current["metadata"]["resourceVersion"]:
        raise errors.conflict(rt.key, route.name, "the object has been modified; please apply your changes to "
                              "the latest version and try again")
    _path_set(current, paths["specReplicasPath"], replicas)
    updated = server.store.update(rt.key, current, dry_run=is_dry_run(req))
    return Response(200, dumps(scale_object(updated, paths)))


def status_write(server, req, rt, route) -> Response:
    """PUT/PATCH on .../status goes through the normal paths with route.subresource == 'status'."""
    from .handlers_write import update
    if req.method == "PUT":
        return update(server, req, rt, route)
    return patch_object(server, req, rt, route)
