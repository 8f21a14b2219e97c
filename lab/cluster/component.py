"""ClusterComponent: the simulated OpenShift cluster under the lab's API server (machines, kubelets, node
lifecycle, taint eviction, pod GC, scheduler, workload controllers, disruption budgets, garbage collector,
etcd guards) plus its controls: fail modes kubelet-stop and partition (and power-off when the lab runs without
the BMC component), recover, load, status."""

import time

from . import bootstrap, scenarios
from . import status as status_view
from .api import Api
from .cache import CACHED_KEYS, Cache
from .daemonsets import DS, DaemonSets
from .deployments import Deployments
from .disruption import PDB, Disruption
from .etcd_guard import EtcdGuards
from .events import Recorder
from .gc import GarbageCollector
from .kubelet import Kubelets
from .machines import Machine, Machines
from .node_lifecycle import NodeLifecycle
from .podgc import PodGC
from .podtemplate import default_pod, ensure_default_tolerations, retune_default_tolerations
from .replicasets import ReplicaSets
from .runner import Runner
from .scheduler import Scheduler
from .statefulsets import StatefulSets
from .taint_eviction import TaintEviction
from .timing import load_timings, scaled_for_cluster
from .truth import GroundTruth

FAULTS = ("kubelet-stop", "partition")
WORKLOAD_KEYS = {"Namespace": "namespaces", "Deployment": "deployments.apps", "PodDisruptionBudget": PDB,
                 "DaemonSet": DS, "StatefulSet": "statefulsets.apps", "Pod": "pods", "ReplicaSet": "replicasets.apps"}


class ClusterComponent:
    def __init__(self, lab):
        self.lab = lab
        self.timings = load_timings(getattr(lab, "preset", "fast"), getattr(lab, "overrides", None))
        scenario_name = getattr(lab, "scenario", "small")
        self.scenario = scenario_name if isinstance(scenario_name, dict) else scenarios.build(
            scenario_name or "small", seed=getattr(lab, "seed", 0) or 0,
            nodes=getattr(lab, "nodes", None), vms=getattr(lab, "vms", None))
        self.timings = scaled_for_cluster(self.timings, len(self.scenario["nodes"]), getattr(lab, "overrides", None))
        self.cache = Cache()
        self.runner = Runner(lab.store, self.cache, self.timings.resync_seconds,
                             retry_seconds=min(0.5, self.timings.scheduler_retry_seconds))
        self.machines = Machines(schedule=self.runner.call_after, boot_seconds=self.timings.boot_seconds)
        for spec in self.scenario["nodes"]:
            self.machines.add(Machine(name=spec["name"], system_uuid=spec["system_uuid"], cpu_cores=int(spec["cpu"]),
                                      memory_bytes=int(spec["memory"]), role=spec.get("role", "worker")))
        self.truth = GroundTruth()
        self.api = Api(lab.store, self.cache)
        self.recorder = Recorder(self.api, "lab-cluster")
        seed = getattr(lab, "seed", 0) or 0
        self.kubelets = Kubelets(self.api, self.cache, self.machines, self.timings, self.runner,
                                 self.scenario["nodes"], Recorder(self.api, "kubelet"))
        self.node_lifecycle = NodeLifecycle(self.api, self.cache, self.timings, self.runner,
                                            Recorder(self.api, "node-controller"))
        self.scheduler = Scheduler(self.api, self.cache, self.timings, self.runner,
                                   Recorder(self.api, "default-scheduler"), seed=seed)
        self.disruption = Disruption(self.api, self.cache, self.timings, self.runner)
        self.gc = GarbageCollector(self.api, self.runner)
        self.controllers = [
            self.kubelets,
            self.node_lifecycle,
            TaintEviction(self.api, self.cache, self.runner, Recorder(self.api, "taint-eviction-controller")),
            PodGC(self.api, self.cache, self.timings, self.runner, self.recorder),
            self.scheduler,
            Deployments(self.api, self.cache, self.runner),
            ReplicaSets(self.api, self.cache, self.timings, self.runner),
            DaemonSets(self.api, self.cache, self.timings, self.runner),
            StatefulSets(self.api, self.cache, self.timings, self.runner),
            self.disruption,
            self.gc,
            EtcdGuards(self.api, self.cache, self.timings, self.runner),
        ]
        self._machines_token = None
        self._started = False

    # --- life cycle ---
    def start(self):
        store = self.lab.store
        self.runner.subscribe()
        for key in CACHED_KEYS:
            if self.api.registered(key):
                for obj in store.list(key)[0]:
                    self.cache.put(key, obj)
        self.gc.populate()
        for name in bootstrap.NAMESPACES + tuple(self.scenario.get("namespaces") or ()):
            self.api.ensure("namespaces", bootstrap.namespace(name))
        for spec in self.scenario["nodes"]:
            if self.machines.reaches_api(spec["name"]):
                self.kubelets.register_node(spec["name"], self.machines.get(spec["name"]))
                self.kubelets.renew_lease(spec["name"])
        for ds in bootstrap.system_daemonsets():
            self.api.ensure(DS, ds)
        control_plane = [n["name"] for n in self.scenario["nodes"] if n.get("role") == "control-plane"]
        if control_plane:
            self.api.ensure(PDB, bootstrap.etcd_pdb(len(control_plane)))
            for node in control_plane:
                self.api.ensure("pods", default_pod(bootstrap.guard_pod(node), self.timings.default_toleration_seconds))
        for manifest in self.scenario.get("workloads") or []:
            obj = dict(manifest)
            if obj.get("kind") == "Namespace":
                obj = bootstrap.namespace(obj["metadata"]["name"], obj["metadata"].get("labels"))
            self.api.ensure(WORKLOAD_KEYS[manifest["kind"]], obj)
        server = getattr(self.lab, "server", None)
        if server is not None:
            server.admission.register_eviction_guard(self.disruption.eviction_guard)
            server.admission.register("pods", "CREATE", self._default_toleration_seconds)
        self._machines_token = self.machines.subscribe(self.kubelets.on_machine_change)
        for controller in self.controllers:
            self.runner.add(controller)
            if hasattr(controller, "start"):
                controller.start()
        self.runner.start()
        self._started = True

    def stop(self):
        if self._machines_token is not None:
            self.machines.unsubscribe(self._machines_token)
            self._machines_token = None
        server = getattr(self.lab, "server", None)
        if server is not None and hasattr(server.admission, "unregister"):
            server.admission.unregister("pods", "CREATE", self._default_toleration_seconds)
        self.runner.stop()
        self._started = False

    def _default_toleration_seconds(self, request):
        """DefaultTolerationSeconds admission with the lab's configured value (300 s in the realistic preset)."""
        spec = (request.object or {}).get("spec")
        if spec is not None:
            retune_default_tolerations(spec, self.timings.default_toleration_seconds)
            ensure_default_tolerations(spec, self.timings.default_toleration_seconds)

    def admit_pod(self, pod: dict) -> dict:
        """The pod as the API server would store it: defaults plus the DefaultTolerationSeconds admission with the
        lab's configured seconds. For components that create pods in the store directly (e.g. virt-launchers)."""
        return default_pod(pod, self.timings.default_toleration_seconds)

    def wait_settled(self, timeout=30.0):
        """Blocks until every node is Ready and no pod waits for a kubelet (for tests and `lab up`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            nodes = self.cache.list("nodes")
            ready = all(any(c.get("type") == "Ready" and c.get("status") == "True"
                            for c in (n.get("status") or {}).get("conditions") or []) for n in nodes)
            pods = self.cache.list("pods")
            idle = all((p.get("status") or {}).get("phase") in ("Running", "Succeeded", "Failed")
                       or not (p.get("spec") or {}).get("nodeName") for p in pods)
            if nodes and ready and idle:
                return True
            time.sleep(0.05)
        return False

    # --- controls ---
    def _without_bmc(self) -> bool:
        """Power is the BMC component's; a lab started without it gets plain power switches from here."""
        return "bmc" not in (getattr(self.lab, "components", None) or {})

    def handles_fault(self, mode) -> bool:
        return mode in FAULTS or (mode == "power-off" and self._without_bmc())

    def _known(self, node):
        if node not in self.machines.names():
            raise ValueError(f"unknown node {node!r}; the lab has {', '.join(self.machines.names())}")

    def fail(self, node, mode):
        self._known(node)
        if mode == "kubelet-stop":
            self.machines.stop_kubelet(node)
        elif mode == "partition":
            self.machines.partition(node)
        elif mode == "power-off" and self._without_bmc():
            self.machines.power_off(node)
        else:
            raise ValueError(f"the cluster component does not simulate {mode!r}")

    def recover(self, node):
        self._known(node)
        self.machines.heal(node)
        self.machines.start_kubelet(node)
        if self._without_bmc() and not self.machines.is_powered(node):
            self.machines.power_on(node)

    def load(self, node, cpu=None, memory=None):
        self._known(node)
        for name, value in (("cpu", cpu), ("memory", memory)):
            if value is not None and not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"{name} load must be a fraction between 0 and 1, got {value!r}")
        self.machines.set_load(node, cpu=cpu, memory=memory)

    def status(self) -> dict:
        result = status_view.collect(self.lab.store, self.machines, self.truth, self.cache,
                                     getattr(self.lab, "preset", "fast"))
        result["scenario"] = self.scenario["name"]
        result["controller_errors"] = self.runner.errors
        return result

    def render_status(self, status: dict) -> str:
        return f"Cluster (scenario {status.get('scenario')}, preset {status.get('preset')})\n" + \
            status_view.render(status)
