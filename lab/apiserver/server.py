"""The lab's Kubernetes API server: routing of requests to discovery, resource and control handlers."""
import logging
import ssl
import threading
import time

from . import (access_review, crds, discovery, errors, events_view, handlers_read, handlers_watch, handlers_write,
               openapi, strategy, subresources)
from .admission import Admission
from .allocation import ServiceAllocator
from .auth import Authenticator, authorize, new_token
from .faults import FaultInjector
from .http import DropConnection, serve
from .namespaces import NamespaceFinalizer
from .request import Response
from .routing import parse_resource_path

_LOG = logging.getLogger(__name__)
NOT_FOUND = "the server could not find the requested resource"


def _not_found(message=NOT_FOUND):
    return errors.ApiError(404, "NotFound", message, {})


class ApiServer:
    def __init__(self, store, host="127.0.0.1", port=0, token=None, readonly_token=None, tls_files=None,
                 seed=0):
        self.store = store
        self.registry = store.registry
        self.host = host
        self.token = token or new_token()
        self.readonly_token = readonly_token or new_token()
        self.auth = Authenticator(self.token, self.readonly_token)
        self.admission = Admission()
        self.faults = FaultInjector(seed)
        self.crds = crds.CrdController(store, self.registry)
        self.namespaces = NamespaceFinalizer(store)
        self.services = ServiceAllocator(store)
        self.tls_files = tls_files
        self._aggregated: dict[tuple, tuple] = {}
        self._controls: dict[str, object] = {}
        self.register_control("faults", self.faults.control)
        context = None
        if tls_files:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_files["cert"], tls_files["key"])
        self._listener = serve(self, host, port, context)
        self.port = self._listener.server_address[1]
        self._thread = None

    # ------------------------------------------------------------ life cycle
    @property
    def url(self) -> str:
        scheme = "https" if self.tls_files else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def start(self):
        self._thread = threading.Thread(target=self._listener.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="lab-apiserver", daemon=True)
        self._thread.start()

    def stop(self):
        self.store.close_watchers()
        self._listener.shutdown()
        self._listener.server_close()
        self._listener.close_connections()
        self.namespaces.stop()
        self.crds.stop()
        if self._thread:
            self._thread.join(timeout=5)

    # ------------------------------------------------------ extension points
    def register_aggregated(self, group, version, resources, handler):
        """Serve /apis/<group>/<version>/... (and its discovery) through handler(request) -> (status, body)."""
        self._aggregated[(group, version)] = (list(resources), handler)

    def register_control(self, name, handler):
        """Serve /lab/v1/<name>... through handler(request) -> (status, body)."""
        self._controls[name] = handler

    def aggregated_types(self) -> list:
        return [rt for resources, _ in self._aggregated.values() for rt in resources]

    def scale_paths(self, rt) -> dict | None:
        if "scale" not in rt.subresources:
            return None
        if strategy.is_builtin(rt):
            return crds.BUILTIN_SCALE_PATHS
        return self.crds.scale_paths.get(rt.key)

    def prepare_create(self, rt, obj) -> dict:
        if rt.key == crds.CRD_KEY:
            obj = crds.prepare(obj)
            causes = crds.check(obj)
            if causes:
                raise errors.invalid(rt.kind, obj["metadata"].get("name", ""), causes)
            obj["status"] = crds.accepted_status(obj)
            return obj
        if rt.key == "namespaces":
            spec = obj.setdefault("spec", {})
            spec.setdefault("finalizers", ["kubernetes"])
        obj = strategy.prepare_create(self.registry, rt, obj)
        if rt.key == "services":
            obj = self.services.allocate(obj)
        return obj

    def prepare_update(self, rt, obj, old) -> dict:
        if rt.key == crds.CRD_KEY:
            obj = crds.prepare(obj)
            causes = crds.check(obj)
            if causes:
                raise errors.invalid(rt.kind, obj["metadata"].get("name", ""), causes)
            return obj
        return strategy.default(self.registry, rt, obj)

    # -------------------------------------------------------------- dispatch
    def handle(self, req) -> Response:
        path = req.path.rstrip("/") or "/"
        if path in ("/healthz", "/readyz", "/livez"):
            return Response(200, b"ok", {"Content-Type": "text/plain; charset=utf-8"})
        if path == "/version" and "authorization" not in req.headers:
            return Response(200, discovery.version_document())
        req.user, req.groups, req.readonly = self.auth.authenticate(req.headers)
        if path == "/version":
            return Response(200, discovery.version_document())
        if path.startswith("/lab/v1/"):
            return self._control(req, path)
        if path == "/api":
            return Response(200, discovery.api_versions())
        if path == "/apis":
            return Response(200, discovery.group_list(self.registry, self.aggregated_types()))
        if path.startswith("/openapi/v3"):
            return self._openapi(path)
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "apis":
            document = discovery.group_document(self.registry, parts[1], self.aggregated_types())
            if document is None:
                raise _not_found()
            return Response(200, document)
        route = parse_resource_path(path)
        if route is None:
            raise _not_found()
        aggregated = self._aggregated.get((route.group, route.version))
        if aggregated is not None:
            return self._aggregated_request(req, route, *aggregated)
        if route.resource is None:
            document = discovery.resource_list(self.registry, route.group, route.version)
            if document is None:
                raise _not_found()
            return Response(200, document)
        return self._resource_request(req, route)

    def _openapi(self, path) -> Response:
        if path == "/openapi/v3":
            return Response(200, openapi.index(self.registry, self.aggregated_types()))
        parts = path[len("/openapi/v3/"):].split("/")
        if parts[0] == "api" and len(parts) == 2:
            group, version = "", parts[1]
        elif parts[0] == "apis" and len(parts) == 3:
            group, version = parts[1], parts[2]
        else:
            raise _not_found()
        document = openapi.group_version_document(self.registry, group, version, self.aggregated_types())
        if document is None:
            raise _not_found()
        return Response(200, document)

    def _control(self, req, path) -> Response:
        name = path.split("/")[3]
        handler = self._controls.get(name)
        if handler is None:
            raise _not_found(f'no lab control "{name}"')
        if req.readonly and req.method != "GET":
            raise errors.ApiError(403, "Forbidden", f'User "{req.user}" cannot change the lab')
        status, body = handler(req)
        return Response(status, body)

    def _aggregated_request(self, req, route, resources, handler) -> Response:
        if route.resource is None:
            document = discovery.resource_list(self.registry, route.group, route.version, resources)
            return Response(200, document)
        verb = _verb(req, route)
        authorize(req.readonly, req.user, verb, route.resource, route.group, route.namespace, route.name)
        self._inject_faults(verb, f"{route.resource}.{route.group}", route)
        status, body = handler(req)
        return Response(status, body)

    def _resource_request(self, req, route) -> Response:
        if route.resource == "bindings" and route.group == "" and req.method == "POST" and route.namespace:
            rt = self.registry.get("pods")
            authorize(req.readonly, req.user, "create", "bindings", "", route.namespace, None)
            return subresources.bind(self, req, rt, route)
        rt = self.registry.find(route.group, route.version, route.resource)
        if rt is None or (route.namespace is not None and not rt.namespaced):
            raise _not_found()
        if rt.namespaced and route.namespace is None and (route.name or req.method not in ("GET",)):
            raise _not_found()
        if route.subresource and route.subresource not in rt.subresources:
            raise _not_found()
        verb = _verb(req, route)
        if verb not in rt.verbs and not route.subresource:
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        authorize(req.readonly, req.user, verb, rt.resource + (f"/{route.subresource}" if route.subresource else ""),
                  rt.group, route.namespace, route.name)
        self._inject_faults(verb, rt.key, route)
        if rt.key == events_view.KEY:
            return events_view.handle(self, req, rt, route, verb)
        return self._route_verb(req, route, rt, verb)

    def _inject_faults(self, verb, key, route):
        decision = self.faults.decide(verb, key, route.name, route.subresource)
        if decision.latency:
            time.sleep(decision.latency)
        if decision.drop:
            raise DropConnection()
        if decision.error is not None:
            raise decision.error

    def _route_verb(self, req, route, rt, verb) -> Response:
        sub = route.subresource
        if sub:
            if sub == "status":
                if req.method == "GET":
                    return subresources.get_status(self, req, rt, route)
                if req.method in ("PUT", "PATCH"):
                    return subresources.status_write(self, req, rt, route)
            elif sub == "scale" and req.method in ("GET", "PUT", "PATCH"):
                return subresources.scale(self, req, rt, route)
            elif sub == "eviction" and req.method == "POST":
                return subresources.evict(self, req, rt, route)
            elif sub == "binding" and req.method == "POST":
                return subresources.bind(self, req, rt, route)
            else:
                raise errors.ApiError(404, "NotFound", f"the lab does not serve {rt.resource}/{sub}", {})
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        if rt.key == access_review.KEY and verb == "create":
            return access_review.review(self, req, rt, route)
        handler = {
            "get": handlers_read.get_object, "list": handlers_read.list_objects, "watch": handlers_watch.watch,
            "create": handlers_write.create, "update": handlers_write.update, "patch": handlers_write.patch,
            "delete": handlers_write.delete, "deletecollection": handlers_write.delete_collection,
        }.get(verb)
        if handler is None:
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        return handler(self, req, rt, route)


def _verb(req, route) -> str:
    method = req.method
    if method in ("GET", "HEAD"):
        if route.name and not route.watch:
            return "get"
        return "watch" if route.watch or req.flag("watch") else "list"
    if method == "POST":
        return "create" if not route.name or route.subresource else "unsupported"
    if method == "PUT":
        return "update" if route.name else "unsupported"
    if method == "PATCH":
        return "patch" if route.name else "unsupported"
    if method == "DELETE":
        return "delete" if route.name else "deletecollection"
    return "unsupported"
