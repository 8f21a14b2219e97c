"""create (201), update (PUT), patch (json, merge, strategic, apply), delete and deletecollection."""
import time

from . import errors, strategy
from .admission import AdmissionRequest
from .encoding import dumps, object_dict, served_api_version
from .handlers_read import select
from .namespaces import check_namespace_open
from .request import Response

# Kinds whose DELETE answers with the deleted object rather than a Status (as the real registry does).
RETURNS_DELETED_OBJECT = {"pods", "services"}
PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json",
               "application/strategic-merge-patch+json", "application/apply-patch+yaml")
CONFLICT_RETRY_SECONDS = 5.0   # kube-apiserver's GuaranteedUpdate retries its own conflicts without a count limit


def is_dry_run(req) -> bool:
    values = req.query_lists.get("dryRun", [])
    for value in values:
        if value != "All":
            raise errors.bad_request(f'Invalid dry run value: "{value}": supported values: "All"')
    return bool(values)


def _body_object(req, rt, route) -> dict:
    return object_from_body(req.body, rt, route)


def object_from_body(body, rt, route) -> dict:
    if not isinstance(body, dict):
        raise errors.bad_request("the body of the request was in an unknown format - accepted media types "
                                 "include: application/json, application/yaml")
    expected = served_api_version(rt, route.version)
    kind, api_version = body.get("kind"), body.get("apiVersion")
    if (kind and kind != rt.kind) or (api_version and api_version != expected):
        raise errors.bad_request(f'{kind or "object"} in version "{api_version}" cannot be handled as a '
                                 f"{rt.kind}: no kind \"{kind}\" is registered for version \"{api_version}\"")
    obj = dict(body)
    obj["apiVersion"] = rt.api_version
    obj["kind"] = rt.kind
    obj["metadata"] = dict(obj.get("metadata") or {})
    return obj


def _check_namespace(rt, route, obj):
    meta = obj["metadata"]
    if not rt.namespaced:
        meta.pop("namespace", None)
        return
    if meta.get("namespace") and meta["namespace"] != route.namespace:
        raise errors.bad_request("the namespace of the provided object does not match the namespace sent on "
                                 "the request")
    meta["namespace"] = route.namespace


def _admit(server, req, operation, rt, route, obj, old, subresource=None, dry_run=False):
    meta = (obj or old or {}).get("metadata") or {}
    request = AdmissionRequest(operation, rt.key, route.namespace, meta.get("name") or route.name, obj, old,
                               subresource, req.user, dry_run)
    server.admission.run(request)
    return request.object


def _respond(status, obj, rt, route, headers=None) -> Response:
    return Response(status, dumps(object_dict(obj, rt, route.version)), headers or {})


PROTECTED_NAMESPACES = ("default", "kube-system", "kube-public")


def create(server, req, rt, route) -> Response:
    obj = _body_object(req, rt, route)
    _check_namespace(rt, route, obj)
    if obj["metadata"].get("resourceVersion"):
        raise errors.internal_error("resourceVersion should not be set on objects to be created")
    return _create(server, req, rt, route, obj)


def _create(server, req, rt, route, obj) -> Response:
    dry_run = is_dry_run(req)
    if rt.namespaced:
        check_namespace_open(server.store, route.namespace)
    warnings = strategy.field_validation(req, server.registry, rt, obj)
    obj = server.prepare_create(rt, obj)
    obj = _admit(server, req, "CREATE", rt, route, obj, None, dry_run=dry_run)
    strategy.validate(server.registry, rt, obj)
    created = server.store.create(rt.key, obj, dry_run=dry_run)
    return _respond(201, created, rt, route, warnings)


def update(server, req, rt, route) -> Response:
    obj = _body_object(req, rt, route)
    _check_namespace(rt, route, obj)
    name = obj["metadata"].get("name")
    if name != route.name:
        raise errors.bad_request(f"the name of the object ({name}) does not match the name on the URL "
                                 f"({route.name})")
    old = server.store.get(rt.key, route.namespace, route.name)
    return _update(server, req, rt, route, obj, old)


def _update(server, req, rt, route, obj, old) -> Response:
    dry_run = is_dry_run(req)
    subresource = route.subresource
    warnings = strategy.field_validation(req, server.registry, rt, obj) if subresource is None else {}
    obj = server.prepare_update(rt, obj, old)
    obj = _admit(server, req, "UPDATE", rt, route, obj, old, subresource, dry_run)
    strategy.validate(server.registry, rt, obj, old)
    updated = server.store.update(rt.key, obj, subresource=subresource, dry_run=dry_run)
    return _respond(200, updated, rt, route, warnings)


def patch(server, req, rt, route) -> Response:
    from . import patch as patches
    content_type = req.content_type
    if content_type not in PATCH_TYPES:
        raise errors.unsupported_media_type(
            f"the body of the request was in an unknown format - accepted media types include: "
            f"{', '.join(PATCH_TYPES)}")
    if req.body is None:
        raise errors.bad_request("the body of the request was empty")
    deadline = time.monotonic() + CONFLICT_RETRY_SECONDS
    attempt = 0
    while True:
        attempt += 1
        try:
            live = server.store.get(rt.key, route.namespace, route.name)
        except errors.ApiError as error:
            if error.code != 404 or content_type != "application/apply-patch+yaml" or route.subresource:
                raise
            live = None
        if content_type == "application/apply-patch+yaml":
            manager = req.query.get("fieldManager")
            if not manager:
                raise errors.bad_request("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: "
                                         "is required for apply patch")
            applied = patches.apply_patch(live, req.body, rt.key, manager, req.flag("force"))
            if live is None:
                obj = object_from_body(applied, rt, route)
                _check_namespace(rt, route, obj)
                if obj["metadata"].get("name") != route.name:
                    raise errors.bad_request("the name of the object does not match the name on the URL")
                return _create(server, req, rt, route, obj)
            new = applied
        elif content_type == "application/json-patch+json":
            new = patches.json_patch(live, req.body)
        elif content_type == "application/merge-patch+json":
            new = patches.merge_patch(live, req.body)
        else:
            new = patches.strategic_merge_patch(live, req.body, rt.key)
        explicit_rv = (new.get("metadata") or {}).get("resourceVersion") != live["metadata"]["resourceVersion"]
        try:
            return _update(server, req, rt, route, new, live)
        except errors.ApiError as error:
            # The server retries its own read-modify-write; only a precondition the client set is its conflict.
            if error.reason != "Conflict" or explicit_rv or time.monotonic() > deadline:
                raise
            # Yield before the next read: a writer that holds the interpreter keeps winning the race otherwise.
            time.sleep(min(0.01, 0.001 * attempt))


def _delete_options(req) -> dict:
    body = req.body if isinstance(req.body, dict) else {}
    options = {
        "grace_period_seconds": body.get("gracePeriodSeconds", req.query.get("gracePeriodSeconds")),
        "propagation_policy": body.get("propagationPolicy", req.query.get("propagationPolicy")),
        "preconditions": body.get("preconditions"),
    }
    orphan = body.get("orphanDependents", req.query.get("orphanDependents"))
    if options["propagation_policy"] is None and orphan is not None and str(orphan).lower() == "true":
        options["propagation_policy"] = "Orphan"
    if options["propagation_policy"] not in (None, "Orphan", "Foreground", "Background"):
        raise errors.bad_request(f'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported '
                                 f'value: "{options["propagation_policy"]}": supported values: "Foreground", '
                                 '"Background", "Orphan", "nil"')
    if options["grace_period_seconds"] is not None:
        try:
            options["grace_period_seconds"] = int(options["grace_period_seconds"])
        except (TypeError, ValueError):
            raise errors.bad_request(f"invalid gracePeriodSeconds: {options['grace_period_seconds']!r}")
    if body.get("dryRun"):
        req.query_lists.setdefault("dryRun", list(body["dryRun"]))
    return options


def _delete_one(server, req, rt, route, name, options, dry_run):
    if rt.key == "namespaces" and name in PROTECTED_NAMESPACES:
        raise errors.forbidden("namespaces", name, "this namespace may not be deleted")
    current = server.store.get(rt.key, route.namespace, name)
    _admit(server, req, "DELETE", rt, route, None, current, dry_run=dry_run)
    return server.store.delete_ex(rt.key, route.namespace, name, dry_run=dry_run, **options)


def delete(server, req, rt, route) -> Response:
    options = _delete_options(req)
    dry_run = is_dry_run(req)
    obj, removed = _delete_one(server, req, rt, route, route.name, options, dry_run)
    if removed and rt.key not in RETURNS_DELETED_OBJECT:
        details = {"name": route.name, "kind": rt.resource, "uid": obj["metadata"].get("uid")}
        if rt.group:
            details["group"] = rt.group
        return Response(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                              "details": details})
    return _respond(200, obj, rt, route)


def delete_collection(server, req, rt, route) -> Response:
    options = _delete_options(req)
    dry_run = is_dry_run(req)
    entries, _ = select(server, req, rt, route)
    deleted = []
    for entry in entries:
        meta = entry.obj["metadata"]
        scoped = type(route)(**{**route.__dict__, "namespace": meta.get("namespace")})
        try:
            obj, _removed = _delete_one(server, req, rt, scoped, meta["name"], options, dry_run)
        except errors.ApiError as error:
            if error.code == 404:
                continue
            raise
        deleted.append(object_dict(obj, rt, route.version))
    body = {"kind": rt.list_kind, "apiVersion": served_api_version(rt, route.version),
            "metadata": {"resourceVersion": server.store.current_resource_version}, "items": deleted}
    return Response(200, body)
