"""KubeVirtComponent: KubeVirt (as OpenShift Virtualization installs it) inside the lab.

Registers the kubevirt.io CRDs, the KubeVirt CR, virt-api's eviction interceptor, migration webhooks and
subresources API, and runs virt-controller's VM, VMI, migration and evacuation controllers on one thread.
"""
import logging

from . import crds, kubevirt_cr
from .crds import kubevirt_crds
from .defaulting import DefaultingStore
from .runner import KubeVirtRunner
from .controls import control_handler
from .eviction import EvictionInterceptor
from .evacuation import EvacuationController
from .faults import MigrationFaults
from .index import KubeVirtIndex
from .loops import EvacuationLoop, MigrationLoop, VmiLoop, VmLoop
from .migration_admission import MigrationAdmission
from .migration_controller import MigrationController
from .migration_plan import IN_FLIGHT_PHASES, phase_of
from .objects import now_rfc3339
from .scenario_vms import fallback_scenario_vms, vm_from_scenario
from .settings import resolve_settings
from .subresources import GROUP as SUBRESOURCE_GROUP, VERSION as SUBRESOURCE_VERSION, SubresourceApi, \
    discovery_types
from .truth import TruthBridge
from .vm_controller import VmController
from .vmi_controller import VmiController
from ..apiserver.errors import ApiError

LOG = logging.getLogger("lab.kubevirt")


class KubeVirtComponent:
    name = "kubevirt"

    def __init__(self, lab):
        self.lab = lab
        self.settings = resolve_settings(getattr(lab, "preset", "fast"), getattr(lab, "overrides", None))
        self.faults = MigrationFaults(getattr(lab, "seed", 0))
        self.index = KubeVirtIndex()
        self.truth = None
        self.runner = None
        self.scenario_source = None
        self._machines = None
        self._machines_token = None
        self._migration_loop = None
        self._store = None
        self._hooks = []

    # -- wiring ---------------------------------------------------------------------------------------------
    @property
    def store(self):
        if self._store is None or self._store._store is not self.lab.store:
            self._store = DefaultingStore(self.lab.store, getattr(self.lab, "server", None))
        return self._store

    def cluster_config(self):
        try:
            cr = self.store.get(crds.KUBEVIRT_KEY, kubevirt_cr.NAMESPACE, kubevirt_cr.NAME)
        except ApiError:
            cr = None
        return kubevirt_cr.cluster_config(cr)

    def _cluster(self):
        components = getattr(self.lab, "components", {}) or {}
        return components.get("cluster")

    def start(self):
        for crd in kubevirt_crds():
            self.lab.install_crd(crd)
        self._install_kubevirt_cr()
        cluster = self._cluster()
        self._machines = getattr(cluster, "machines", None)
        self.truth = TruthBridge(getattr(cluster, "truth", None), self._machines,
                                 lambda namespace, uid: self.index.pod_exists(uid))
        self.runner = KubeVirtRunner(self.lab.store, self.index, float(self.settings["resync_seconds"]))
        vm_controller = VmController(self.store, now_rfc3339, self.index)
        vmi_controller = VmiController(self.store, self.index, self.truth, self.settings, now_rfc3339)
        migration_loop = MigrationLoop(self.runner, self.store, self.index, None)
        migration_loop.controller = MigrationController(
            self.store, self.index, self.truth, self.settings, self.cluster_config, self.faults, now_rfc3339,
            migration_loop.requeue, machines=self._machines)
        evacuation_loop = EvacuationLoop(self.runner, None)
        evacuation_loop.controller = EvacuationController(self.store, self.index, self.settings,
                                                          self.cluster_config, evacuation_loop.requeue)
        self.migrations = migration_loop.controller
        self._migration_loop = migration_loop
        for loop in (VmLoop(self.runner, self.index, vm_controller, self.truth),
                     VmiLoop(self.runner, self.index, vmi_controller, self.truth),
                     migration_loop, evacuation_loop):
            self.runner.add(loop)
        self.runner.subscribe()
        self.index.prime(self.store)
        self.runner.start()
        for loop in self.runner.controllers:
            self.runner.call_after(0, loop.resync)
        self._register_api()
        if self._machines is not None and hasattr(self._machines, "subscribe"):
            self._machines_token = self._machines.subscribe(self._machine_changed)
        self._create_scenario_vms()

    def _machine_changed(self, node, change):
        """Physical changes: ground truth first, then migrations that may have lost a host."""
        self.truth.machine_changed(node, change)
        if self.runner is not None and self._migration_loop is not None:
            self.runner.call_after(0, self._migration_loop.resync)

    def _install_kubevirt_cr(self):
        self._ensure_namespace(kubevirt_cr.NAMESPACE)
        try:
            self.store.create(crds.KUBEVIRT_KEY, kubevirt_cr.kubevirt_cr(), copy=False)
        except ApiError as error:
            if error.code != 409:
                raise
        now = now_rfc3339()

        def deployed(obj):
            obj["status"] = {
                "phase": "Deployed", "observedKubeVirtVersion": "v1.4.1",
                "targetKubeVirtVersion": "v1.4.1", "operatorVersion": "v1.4.1",
                "conditions": [
                    {"type": "Available", "status": "True", "reason": "AllResourcesCreated",
                     "message": "All components are ready.", "lastTransitionTime": now, "lastProbeTime": now},
                    {"type": "Progressing", "status": "False", "reason": "AllResourcesCreated",
                     "message": "All components are ready.", "lastTransitionTime": now, "lastProbeTime": now},
                    {"type": "Degraded", "status": "False", "reason": "AllResourcesCreated",
                     "message": "All components are ready.", "lastTransitionTime": now, "lastProbeTime": now}]}
            return obj
        self.store.mutate(crds.KUBEVIRT_KEY, kubevirt_cr.NAMESPACE, kubevirt_cr.NAME, deployed, subresource="status",
                          copy=False)

    def _ensure_namespace(self, name):
        try:
            self.store.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {
                "name": name, "labels": {"kubernetes.io/metadata.name": name}},
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}, copy=False)
        except ApiError as error:
            if error.code != 409:
                raise

    def _register_api(self):
        server = self.lab.server
        interceptor = EvictionInterceptor(self.store, self.cluster_config)
        admission = MigrationAdmission(self.store)
        self._hooks = [("pods", "CREATE", interceptor, "eviction"), (crds.VMIM_KEY, "CREATE", admission, None)]
        for key, operation, hook, subresource in self._hooks:
            server.admission.register(key, operation, hook, subresource=subresource)
        server.register_aggregated(SUBRESOURCE_GROUP, SUBRESOURCE_VERSION, discovery_types(),
                                   SubresourceApi(self.store))
        server.register_control("kubevirt", control_handler(self))

    def scenario_vms(self) -> list:
        scenario = getattr(self._cluster(), "scenario", None)
        if isinstance(scenario, dict) and "vms" in scenario:
            self.scenario_source = "lab.cluster"
            return list(scenario["vms"] or [])
        if isinstance(getattr(self.lab, "scenario", None), dict):
            self.scenario_source = "lab"
            return list(self.lab.scenario.get("vms") or [])
        if getattr(self.lab, "scenario", None) in (None, "", "empty", "none"):
            self.scenario_source = "none"
            return []
        self.scenario_source = "kubevirt fallback"
        count = getattr(self.lab, "vms", None)
        return fallback_scenario_vms(int(count) if isinstance(count, int) else 12)

    def _create_scenario_vms(self):
        namespaces = set()
        for entry in self.scenario_vms():
            vm = vm_from_scenario(entry)
            if vm["metadata"]["namespace"] not in namespaces:
                self._ensure_namespace(vm["metadata"]["namespace"])
                namespaces.add(vm["metadata"]["namespace"])
            try:
                self.store.create(crds.VM_KEY, vm, copy=False)
            except ApiError as error:
                if error.code != 409:
                    raise

    def stop(self):
        if self.runner is not None:
            self.runner.stop()
            self.runner = None
        server = getattr(self.lab, "server", None)
        if server is not None:
            for key, operation, hook, subresource in self._hooks:
                server.admission.unregister(key, operation, hook, subresource=subresource)
        self._hooks = []
        if self._machines_token is not None:
            self._machines.unsubscribe(self._machines_token)
            self._machines_token = None

    # -- lab knobs ------------------------------------------------------------------------------------------
    def set_migration_timing(self, bandwidth=None, seconds=None):
        """Lab default bandwidth (bytes/s, used when the CR says unlimited) and a fixed copy duration."""
        if bandwidth is not None:
            if float(bandwidth) <= 0:
                raise ValueError("bandwidth must be positive")
            self.settings["migration_bandwidth"] = float(bandwidth)
        self.settings["migration_seconds"] = None if seconds is None else float(seconds)

    def migration_timing_settings(self) -> dict:
        return {k: self.settings[k] for k in ("migration_bandwidth", "migration_seconds", "migration_time_scale")}

    # -- status ---------------------------------------------------------------------------------------------
    def status(self) -> dict:
        vmis = self.index.vmis()
        phases, per_node = {}, {}
        for vmi in vmis:
            status = vmi.get("status") or {}
            phase = status.get("phase") or "Pending"
            phases[phase] = phases.get(phase, 0) + 1
            if status.get("nodeName") and phase == "Running":
                key = f"{vmi['metadata']['namespace']}/{vmi['metadata']['name']}"
                per_node.setdefault(status["nodeName"], []).append(key)
        migrations = []
        for migration in self.index.all_migrations():
            if phase_of(migration) in IN_FLIGHT_PHASES + ("Pending",):
                state = (migration.get("status") or {}).get("migrationState") or {}
                migrations.append({"name": migration["metadata"]["name"],
                                   "namespace": migration["metadata"]["namespace"],
                                   "vmi": (migration.get("spec") or {}).get("vmiName"),
                                   "phase": phase_of(migration), "source": state.get("sourceNode"),
                                   "target": state.get("targetNode")})
        return {
            "kubevirt_cr": f"{kubevirt_cr.NAMESPACE}/{kubevirt_cr.NAME}",
            "vms": self.store.count(crds.VM_KEY) if self.store is not None else 0,
            "vmi_phases": phases,
            # names only while the list stays readable; the large scenario gets counts
            "vmis_per_node": {node: sorted(keys) if len(vmis) <= 500 else len(keys)
                              for node, keys in sorted(per_node.items())},
            "migrations_in_flight": sorted(migrations, key=lambda m: (m["namespace"], m["name"])),
            "migration_faults": self.faults.describe(),
            "scenario_source": self.scenario_source,
            "controller_errors": getattr(self.runner, "errors", 0),
        }

    def render_status(self, status: dict) -> str:
        """VM placement is part of the cluster's rendering; this adds KubeVirt's own view."""
        lines = [f"KUBEVIRT ({status.get('kubevirt_cr')}): {status.get('vms', 0)} VMs; VMIs "
                 + (", ".join(f"{k} {v}" for k, v in sorted((status.get("vmi_phases") or {}).items())) or "none")]
        migrations = status.get("migrations_in_flight") or []
        lines.append(f"  migrations pending or in flight: {len(migrations)}")
        for m in migrations:
            lines.append(f"    {m['namespace']}/{m['name']} vmi={m['vmi']} {m['phase']} "
                         f"{m.get('source') or '?'} -> {m.get('target') or '?'}")
        faults = status.get("migration_faults") or {}
        if faults.get("fail_next") or faults.get("stall_next") or faults.get("failure_rate"):
            lines.append(f"  migration faults: {faults}")
        return "\n".join(lines)
