"""The Lab: API server plus components (cluster, KubeVirt, BMCs, OLM, metrics), started together."""
import os
import shutil
import sys
import tempfile
import time

from . import components as component_catalog
from . import files
from .apiserver import errors, tls
from .apiserver.crds import CRD_KEY
from .apiserver.namespaces import INITIAL_NAMESPACES
from .apiserver.resources import Registry, builtin_types
from .apiserver.server import ApiServer
from .apiserver.store import Store

FAULT_MODES = ("power-off", "kubelet-stop", "partition", "bmc-down")


class Lab:
    def __init__(self, scenario="small", nodes=None, vms=None, seed=0, workdir=None, tls=False,
                 preset="fast", overrides=None, bmc=True, bmc_auth=True, bmc_tls=False, components=None,
                 port=0):
        self.scenario = scenario
        self.nodes = nodes
        self.vms = vms
        self.seed = seed
        self.tls = tls
        self.preset = preset
        self.overrides = dict(overrides or {})
        self.bmc = bmc
        self.bmc_auth = bmc_auth
        self.bmc_tls = bmc_tls
        self.port = port
        self._component_names = components
        self._own_workdir = workdir is None
        self.workdir = os.path.abspath(workdir) if workdir else None
        self.components: dict = {}
        self.missing_components: list[str] = []
        self.registry = None
        self.store = None
        self.server = None
        self.started = False

    # ------------------------------------------------------------ properties
    @property
    def url(self) -> str:
        return self.server.url

    @property
    def token(self) -> str:
        return self.server.token

    @property
    def readonly_token(self) -> str:
        return self.server.readonly_token

    @property
    def kubeconfig_path(self) -> str:
        return os.path.join(self.workdir, "kubeconfig")

    @property
    def ca_path(self) -> str | None:
        return self.server.tls_files["ca"] if self.server and self.server.tls_files else None

    @property
    def inventory_path(self) -> str:
        return os.path.join(self.workdir, "inventory.yml")

    def component(self, name):
        return self.components[name]

    # ------------------------------------------------------------ life cycle
    def start(self):
        if self.workdir is None:
            self.workdir = tempfile.mkdtemp(prefix="lab-")
        os.makedirs(self.workdir, exist_ok=True)
        self.registry = Registry()
        for rt in builtin_types():
            self.registry.register(rt)
        self.store = Store(self.registry, window=int(self.overrides.get("watch_window", 50000)), seed=self.seed)
        for name in INITIAL_NAMESPACES:
            self.store.create("namespaces", {"metadata": {"name": name, "labels": {
                "kubernetes.io/metadata.name": name}}, "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"}})
        self.store.create("services", {"metadata": {"name": "kubernetes", "namespace": "default",
                                                    "labels": {"component": "apiserver", "provider": "kubernetes"}},
                                       "spec": {"type": "ClusterIP", "clusterIP": "172.30.0.1",
                                                "clusterIPs": ["172.30.0.1"], "sessionAffinity": "None",
                                                "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                                           "targetPort": 6443}]}})
        tls_files = tls.generate(os.path.join(self.workdir, "pki")) if self.tls else None
        self.server = ApiServer(self.store, port=self.port, tls_files=tls_files, seed=self.seed)
        self.server.start()
        self._register_controls()
        try:
            self._start_components()
            self.write_files()
        except BaseException:
            self.stop()
            raise
        self.started = True
        return self

    def _start_components(self):
        for name, import_string in component_catalog.selected(self._component_names, self.bmc):
            try:
                component_class = component_catalog.load(import_string)
            except component_catalog.ComponentMissing as missing:
                # While the team builds the components, a missing one is skipped; the lead makes this strict.
                print(f"lab: warning: component {name} skipped ({missing})", file=sys.stderr)
                self.missing_components.append(name)
                continue
            component = component_class(self)
            self.components[name] = component
            component.start()

    def stop(self):
        for name in reversed(list(self.components)):
            try:
                self.components[name].stop()
            except Exception as error:  # keep stopping the others
                print(f"lab: warning: stopping {name} failed: {error!r}", file=sys.stderr)
        self.components.clear()
        if self.server is not None:
            self.server.stop()
        self.started = False
        if self._own_workdir and self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---------------------------------------------------------------- files
    def inventory_vars(self) -> dict:
        variables = {"lab_workdir": self.workdir, "lab_api_url": self.url, "lab_kubeconfig": self.kubeconfig_path,
                     "lab_api_token": self.token, "lab_readonly_token": self.readonly_token}
        if self.ca_path:
            variables["lab_ca_file"] = self.ca_path
        for component in self.components.values():
            if hasattr(component, "inventory_vars"):
                variables.update(component.inventory_vars() or {})
        return variables

    def write_files(self, pid=None):
        files.write_yaml(self.kubeconfig_path, files.kubeconfig(self.url, self.token, self.readonly_token,
                                                                self.ca_path), private=True)
        variables = self.inventory_vars()
        files.write_yaml(self.inventory_path, files.inventory(variables), private=True)
        files.write_json(os.path.join(self.workdir, "lab.json"), {
            "url": self.url, "token": self.token, "readonly_token": self.readonly_token,
            "kubeconfig": self.kubeconfig_path, "inventory": self.inventory_path, "ca_file": self.ca_path,
            "pid": pid or os.getpid(), "workdir": self.workdir, "seed": self.seed, "scenario": self.scenario,
            "preset": self.preset, "tls": bool(self.tls), "components": list(self.components),
            "missing_components": self.missing_components, "vars": variables,
        }, private=True)

    # -------------------------------------------------------------- controls
    def _register_controls(self):
        self.server.register_control("status", self._control_status)
        self.server.register_control("fail", self._control_fail)
        self.server.register_control("recover", self._control_recover)
        self.server.register_control("load", self._control_load)

    def _control_status(self, req):
        status = self.status()
        if req.flag("render"):
            return 200, {"status": status, "text": self.render_status(status)}
        return 200, status

    @staticmethod
    def _fields(req, *names):
        if req.method != "POST":
            raise errors.method_not_allowed("use POST")
        body = req.body if isinstance(req.body, dict) else {}
        return [body.get(name) for name in names]

    def _control_fail(self, req):
        node, mode = self._fields(req, "node", "mode")
        try:
            self.fail(node, mode)
        except (ValueError, KeyError) as error:
            raise errors.bad_request(str(error))
        return 200, {"node": node, "mode": mode, "status": "failed"}

    def _control_recover(self, req):
        (node,) = self._fields(req, "node")
        try:
            self.recover(node)
        except (ValueError, KeyError) as error:
            raise errors.bad_request(str(error))
        return 200, {"node": node, "status": "recovered"}

    def _control_load(self, req):
        node, cpu, memory = self._fields(req, "node", "cpu", "memory")
        try:
            self.load(node, cpu=cpu, memory=memory)
        except (ValueError, KeyError) as error:
            raise errors.bad_request(str(error))
        return 200, {"node": node, "cpu": cpu, "memory": memory}

    def fail(self, node, mode):
        if mode not in FAULT_MODES:
            raise ValueError(f"unknown failure mode {mode!r}; known: {', '.join(FAULT_MODES)}")
        handlers = [c for c in self.components.values()
                    if hasattr(c, "handles_fault") and c.handles_fault(mode)]
        if not handlers:
            raise ValueError(f"no running component handles failure mode {mode!r}")
        for component in handlers:
            component.fail(node, mode)

    def recover(self, node):
        handlers = [c for c in self.components.values() if hasattr(c, "recover")]
        if not handlers:
            raise ValueError("no running component can recover nodes")
        for component in handlers:
            component.recover(node)

    def load(self, node, cpu=None, memory=None):
        handlers = [c for c in self.components.values() if hasattr(c, "load")]
        if not handlers:
            raise ValueError("no running component simulates load")
        for component in handlers:
            component.load(node, cpu, memory)

    def status(self) -> dict:
        counts = {rt.key: self.store.count(rt.key) for rt in self.registry.all() if self.store.count(rt.key)}
        result = {"api": {"url": self.url, "resourceVersion": self.store.current_resource_version,
                          "objects": counts, "watchers": self.store.watcher_count(),
                          "missing_components": self.missing_components}}
        for name, component in self.components.items():
            result[name] = component.status()
        return result

    def render_status(self, status: dict | None = None) -> str:
        status = status or self.status()
        from .render import render_status
        return render_status(status, self.components)

    # ---------------------------------------------------------------- helpers
    def install_crd(self, crd: dict) -> dict:
        """Create (or return the existing) CRD; its types are served when this returns."""
        name = crd["metadata"]["name"]
        try:
            return self.store.get(CRD_KEY, None, name)
        except errors.ApiError as error:
            if error.code != 404:
                raise
        rt = self.registry.get(CRD_KEY)
        return self.store.create(CRD_KEY, self.server.prepare_create(rt, dict(crd, kind=rt.kind,
                                                                              apiVersion=rt.api_version)))

    def wait_for(self, predicate, timeout, interval=0.05):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"lab: condition not met within {timeout} s")
            time.sleep(interval)
