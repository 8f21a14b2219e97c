"""Scrapes the simulated cluster: turns where workloads really run and their load profiles into the series
node_exporter, kube-state-metrics and virt-handler would expose, and evaluates the recording rules.

A node that is powered off, booting or partitioned cannot be scraped: its node_exporter and VM series go stale,
exactly as Prometheus marks them after a failed scrape; its counters restart from zero when it boots again.
kube-state-metrics series come from the API objects and stay while the Node object exists.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from lab.metrics import node_model, profiles, rules
from lab.metrics.promql_eval import Evaluator
from lab.metrics.series_store import SeriesStore

LOG = logging.getLogger(__name__)

VMI_KEY = "virtualmachineinstances.kubevirt.io"
LOAD_PROFILE_ANNOTATION = "lab.kubevirt.io/load-profile"
CPU_MODES = (("idle", None), ("user", 0.85), ("system", 0.15))
NODE_JOB = {"job": "node-exporter", "namespace": "openshift-monitoring"}
KSM_JOB = {"job": "kube-state-metrics", "namespace": "openshift-monitoring"}
VM_JOB = {"job": "kubevirt-prometheus-metrics", "namespace": "openshift-cnv"}


@dataclass
class Workload:
    key: str                 # "namespace/name"
    cores: float
    memory: float
    profile: str
    cpu_mean: float
    memory_mean: float


@dataclass
class Usage:
    """The latest scraped usage, for metrics.k8s.io."""
    timestamp: float = 0.0
    nodes: dict = field(default_factory=dict)    # node -> (cores, memory bytes)
    pods: dict = field(default_factory=dict)     # (namespace, pod) -> [(container, cores, memory bytes)]


def _quantity(value) -> float:
    from lab.quantity import parse_quantity
    try:
        return parse_quantity(value)
    except (TypeError, ValueError):
        return 0.0


def _vmi_size(vmi: dict) -> tuple[float, float]:
    domain = (vmi.get("spec") or {}).get("domain") or {}
    cpu = domain.get("cpu") or {}
    cores = (cpu.get("cores") or 1) * (cpu.get("sockets") or 1) * (cpu.get("threads") or 1)
    memory = _quantity((domain.get("memory") or {}).get("guest")
                       or ((domain.get("resources") or {}).get("requests") or {}).get("memory") or "1Gi")
    return float(cores), memory


def _pod_requests(pod: dict) -> list[tuple[str, float, float]]:
    containers = []
    for container in (pod.get("spec") or {}).get("containers") or []:
        requests = ((container.get("resources") or {}).get("requests") or {})
        containers.append((container.get("name", "main"), _quantity(requests.get("cpu", "10m")),
                           _quantity(requests.get("memory", "32Mi"))))
    return containers


class Collector:
    def __init__(self, lab, settings: dict):
        self.lab = lab
        self.settings = settings
        self.series = SeriesStore()
        self.evaluator = Evaluator(self.series)
        self.usage = Usage()
        self.timing = {k: settings[k] for k in profiles.DEFAULT_TIMING}
        self.seed = getattr(lab, "seed", 0) or 0
        self._counters: dict[tuple, float] = {}
        self._was_up: dict[str, bool] = {}
        self._last: float | None = None
        self._last_rules = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.scrapes = 0
        self.errors = 0

    # ---------------------------------------------------------------- wiring
    @property
    def cluster(self):
        return self.lab.component("cluster")

    def start(self) -> None:
        now = time.time()
        interval = self.settings["scrape_interval"]
        backfill = self.settings["backfill_seconds"]
        start = now - backfill
        steps = int(backfill // interval)
        for index in range(steps + 1):
            self.scrape(start + index * interval)
        self._thread = threading.Thread(target=self._loop, name="lab-metrics", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.settings["scrape_interval"]):
            try:
                self.scrape(time.time())
                self.series.prune(time.time() - self.settings["retention_seconds"])
            except Exception:  # noqa: BLE001 - keep scraping after a transient error
                self.errors += 1
                LOG.exception("metrics scrape failed")

    # ---------------------------------------------------------------- inputs
    def _scenario_vms(self) -> dict:
        scenario = getattr(self.cluster, "scenario", None) or {}
        return {f"{vm.get('namespace') or 'vms'}/{vm['name']}": vm for vm in scenario.get("vms") or []}

    def _workload(self, key: str, vmi: dict | None, scenario_vm: dict | None) -> Workload:
        if vmi is not None:
            cores, memory = _vmi_size(vmi)
        else:
            cores = float((scenario_vm or {}).get("cpu") or 1)
            memory = float((scenario_vm or {}).get("memory_bytes") or 2 ** 30)
        annotations = ((vmi or {}).get("metadata") or {}).get("annotations") or {}
        profile = (scenario_vm or {}).get("load_profile") or annotations.get(LOAD_PROFILE_ANNOTATION) \
            or profiles.pick_profile(f"{self.seed}/{key}")
        mean = (scenario_vm or {}).get("load") or {}
        return Workload(key, cores, memory, profile,
                        float(mean.get("cpu") or profiles.pick_mean(f"{self.seed}/{key}/cpu", 0.15, 0.6)),
                        float(mean.get("memory") or profiles.pick_mean(f"{self.seed}/{key}/mem", 0.3, 0.8)))

    def _nodes(self) -> dict:
        store = self.lab.store
        try:
            entries, _ = store.snapshot("nodes")
            return {entry.obj["metadata"]["name"]: entry.obj for entry in entries}
        except Exception:  # noqa: BLE001
            return {}

    def _vmis(self) -> dict:
        try:
            entries, _ = self.lab.store.snapshot(VMI_KEY)
        except Exception:  # noqa: BLE001 - KubeVirt not running
            return {}
        return {f"{e.obj['metadata']['namespace']}/{e.obj['metadata']['name']}": e.obj for e in entries}

    def _pods_by_name(self) -> dict:
        entries, _ = self.lab.store.snapshot("pods")
        return {(e.obj["metadata"].get("namespace"), e.obj["metadata"]["name"]): e.obj for e in entries}

    # ---------------------------------------------------------------- one scrape
    def scrape(self, now: float) -> None:
        cluster = self.cluster
        machines, truth = cluster.machines, cluster.truth
        dt = 0.0 if self._last is None else max(0.0, now - self._last)
        self._last = now
        nodes = self._nodes()
        vmis, scenario_vms, pods = self._vmis(), self._scenario_vms(), self._pods_by_name()
        usage = Usage(timestamp=now)
        launchers = self._launchers(pods)
        for node in machines.names():
            machine = machines.get(node)
            up = machine.powered and not machine.booting_until and not machine.partitioned
            if not machine.powered:
                self._reset_counters(node)
            workloads = [self._workload(key, vmis.get(key), scenario_vms.get(key)) for key in truth.vms_on(node)]
            vm_usage = {w.key: (w.cores * profiles.fraction(w.profile, w.cpu_mean, w.key, now, self.timing, "cpu"),
                                w.memory * profiles.fraction(w.profile, w.memory_mean, w.key, now, self.timing,
                                                             "memory"))
                        for w in workloads}
            pod_usage = self._pod_usage(machines.running_pods(node) if machine.powered else {}, pods, now)
            cores_used = sum(c for c, _ in vm_usage.values()) + sum(c for cs in pod_usage.values() for _, c, _ in cs)
            memory_used = sum(m for _, m in vm_usage.values()) + sum(m for cs in pod_usage.values()
                                                                     for _, _, m in cs)
            load = machine.external_load or {}
            sample = node_model.sample(machine.cpu_cores, machine.memory_bytes, cores_used, memory_used,
                                       float(load.get("cpu") or 0.0), float(load.get("memory") or 0.0))
            if machine.powered:
                self._advance_counters(node, machine.cpu_cores, sample, vm_usage, dt)
            if up:
                self._record_node(node, machine, sample, now)
                self._record_vms(node, vm_usage, now)
                usage.nodes[node] = (sample.cpu_utilization * machine.cpu_cores, sample.memory_used)
                for key, (cores, memory) in vm_usage.items():
                    namespace, name = key.split("/", 1)
                    launcher = launchers.get((namespace, name, node))
                    if launcher:
                        usage.pods[(namespace, launcher)] = [("compute", cores, memory)]
                for (namespace, name), containers in pod_usage.items():
                    usage.pods[(namespace, name)] = containers
            elif self._was_up.get(node, True):
                self._mark_stale(node, machine, vm_usage, now)
            self._was_up[node] = up
        self._record_kube_state(nodes, now)
        self.usage = usage
        self.scrapes += 1
        if now - self._last_rules >= self.settings["rule_interval"]:
            self._last_rules = now
            self.evaluate_rules(now, nodes)

    def _pod_usage(self, running: dict, pods: dict, now: float) -> dict:
        result = {}
        for namespace, name in running.values():
            pod = pods.get((namespace, name))
            if pod is None or ((pod.get("metadata") or {}).get("labels") or {}).get("kubevirt.io") == "virt-launcher":
                continue
            key = f"{namespace}/{name}"
            profile = profiles.pick_profile(f"{self.seed}/{key}")
            mean = profiles.pick_mean(f"{self.seed}/{key}", 0.2, 0.7)
            result[(namespace, name)] = [
                (container, cores * profiles.fraction(profile, mean, key, now, self.timing, "cpu"),
                 memory * profiles.fraction(profile, mean, key, now, self.timing, "memory"))
                for container, cores, memory in _pod_requests(pod)]
        return result

    @staticmethod
    def _launchers(pods: dict) -> dict:
        """(namespace, VM name, node) -> launcher pod name, for the pods KubeVirt labels as virt-launchers."""
        index = {}
        for (namespace, name), pod in pods.items():
            labels = (pod.get("metadata") or {}).get("labels") or {}
            node = (pod.get("spec") or {}).get("nodeName")
            if labels.get("kubevirt.io") == "virt-launcher" and labels.get("vm.kubevirt.io/name") and node:
                index[(namespace, labels["vm.kubevirt.io/name"], node)] = name
        return index

    # ---------------------------------------------------------------- counters and samples
    def _cpu_ids(self, cores: int) -> list[str]:
        return [str(i) for i in range(max(1, min(int(cores), int(self.settings["cpu_series_per_node"]))))]

    def _reset_counters(self, node: str) -> None:
        for key in [k for k in self._counters if k[0] == node]:
            del self._counters[key]

    def _add(self, key: tuple, amount: float) -> float:
        self._counters[key] = self._counters.get(key, 0.0) + amount
        return self._counters[key]

    def _advance_counters(self, node, cores, sample, vm_usage, dt) -> None:
        busy = sample.cpu_utilization
        for cpu in self._cpu_ids(cores):
            for mode, share in CPU_MODES:
                self._add((node, "cpu", cpu, mode), ((1 - busy) if share is None else busy * share) * dt)
        self._add((node, "psi_cpu"), sample.cpu_pressure * dt)
        self._add((node, "psi_memory"), sample.memory_pressure * dt)
        self._add((node, "psi_io"), 0.001 * dt)
        for key, (vm_cores, _) in vm_usage.items():
            self._add(("vm", key, node), vm_cores * dt)

    def _record_node(self, node, machine, sample, now) -> None:
        add = self.series.add
        base = dict(NODE_JOB, instance=node)
        for cpu in self._cpu_ids(machine.cpu_cores):
            for mode, _ in CPU_MODES:
                add("node_cpu_seconds_total", dict(base, cpu=cpu, mode=mode), now,
                    self._counters.get((node, "cpu", cpu, mode), 0.0))
        add("node_pressure_cpu_waiting_seconds_total", base, now, self._counters.get((node, "psi_cpu"), 0.0))
        add("node_pressure_memory_waiting_seconds_total", base, now, self._counters.get((node, "psi_memory"), 0.0))
        add("node_pressure_io_waiting_seconds_total", base, now, self._counters.get((node, "psi_io"), 0.0))
        add("node_memory_MemAvailable_bytes", base, now, sample.memory_available)
        add("node_memory_MemTotal_bytes", base, now, float(machine.memory_bytes))
        add("up", base, now, 1.0)

    def _record_vms(self, node, vm_usage, now) -> None:
        for key, (_, memory) in vm_usage.items():
            namespace, name = key.split("/", 1)
            labels = dict(VM_JOB, namespace=namespace, name=name, node=node)
            self.series.add("kubevirt_vmi_cpu_usage_seconds_total", labels, now,
                            self._counters.get(("vm", key, node), 0.0))
            self.series.add("kubevirt_vmi_memory_used_bytes", labels, now, memory)

    def _mark_stale(self, node, machine, vm_usage, now) -> None:
        base = dict(NODE_JOB, instance=node)
        for series in self.series.series(None):
            labels = series.labels
            if labels.get("instance") == node and labels.get("job") == NODE_JOB["job"] and \
                    labels["__name__"] != "up":
                self.series.mark_stale(labels["__name__"], {k: v for k, v in labels.items() if k != "__name__"}, now)
            elif labels.get("node") == node and labels.get("job") == VM_JOB["job"]:
                self.series.mark_stale(labels["__name__"], {k: v for k, v in labels.items() if k != "__name__"}, now)
        self.series.add("up", base, now, 0.0)

    def _record_kube_state(self, nodes: dict, now: float) -> None:
        for name, node in nodes.items():
            allocatable = (node.get("status") or {}).get("allocatable") or {}
            for resource, unit in (("cpu", "core"), ("memory", "byte"), ("pods", "integer")):
                if resource in allocatable:
                    self.series.add("kube_node_status_allocatable", dict(KSM_JOB, node=name, resource=resource,
                                                                         unit=unit), now,
                                    _quantity(allocatable[resource]))
            labels = (node.get("metadata") or {}).get("labels") or {}
            for label in labels:
                if label.startswith("node-role.kubernetes.io/"):
                    role = label.split("/", 1)[1]
                    self.series.add("kube_node_role", dict(KSM_JOB, node=name, role=role), now, 1.0)

    # ---------------------------------------------------------------- recording rules
    def evaluate_rules(self, now: float, nodes: dict) -> None:
        def by_instance(query: str) -> dict:
            return {labels.get("instance"): value for labels, value in self.evaluator.instant(query, now)
                    if labels.get("instance")}
        values = {name: by_instance(query) for name, query in rules.SOURCE_QUERIES.items()}
        workers = {name for name, node in nodes.items()
                   if "node-role.kubernetes.io/worker" in ((node.get("metadata") or {}).get("labels") or {})}
        derived = rules.derive(values["cpu"], values["memory"], values["cpu_psi"], values["memory_psi"], workers)
        for rule, per_node in derived["per_node"].items():
            for instance, value in per_node.items():
                self.series.add(rule, {"instance": instance}, now, value)
        for rule, value in derived["cluster"].items():
            self.series.add(rule, {}, now, value)
        for instance, value in values["cpu_rate_sum"].items():
            self.series.add(rules.NODE_CPU_RATE_SUM, {"instance": instance}, now, value)
