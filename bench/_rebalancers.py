"""The two rebalancers the benchmark compares on a simulated cluster (not a benchmark itself: bench/run.py skips _
files).

- ``Ours``: rebalance_vms's pure planner (balance/planner.py) on the cluster's snapshot and Prometheus vectors,
  its moves started as pinned migrations; finished ones recorded in the VMI's history annotation, as the module's
  executor does.
- ``Descheduler``: the baseline, written from the descheduler's documented algorithm as the
  KubeVirtRelieveAndMigrate profile configures it: LowNodeUtilization with deviation thresholds AsymmetricLow (0:10)
  on the k3 metric (clamp_max(3 x the Euclidean norm of the positive deviations of CPU and memory utilization and
  gated pressure from the worker average, 1)); nothing when no node is under or no node over; in metrics mode usage
  cannot be attributed to pods, so it evicts up to 2 pods per overutilized node (busiest first, pods in name order)
  and 5 in all per cycle, migrations in flight counting against both; KubevirtMigrationAware skips VMIs migrating
  and cools each down max(15 min, last duration) x 2^(n-1) for n migrations in 48 h, at most 6 h. An eviction
  becomes a migration (KubeVirt's evacuation) whose target the scheduler chooses when it starts, by
  LeastAllocated + BalancedAllocation on requests (no nodeFit, no soft tainter).
"""

import datetime
import math

from ansible_collections.workload.availability.plugins.module_utils.balance import cooldown
from ansible_collections.workload.availability.plugins.module_utils.balance import planner
from ansible_collections.workload.availability.plugins.module_utils.core.clock import format_time

from _rebalance_sim import GIB, MIB, precopy

EPOCH = datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc)
HOSTNAME = "kubernetes.io/hostname"


def at(seconds):
    return EPOCH + datetime.timedelta(seconds=seconds)


def _vector(labels, value, t):
    return {"metric": dict(labels), "value": [t, repr(float(value))]}


def _launcher(vm, node, suffix):
    return {"metadata": {"name": "virt-launcher-%s-%s" % (vm.name, suffix), "namespace": "vms",
                         "labels": {"kubevirt.io": "virt-launcher", "vm.kubevirt.io/name": vm.name},
                         "ownerReferences": [{"kind": "VirtualMachineInstance", "name": vm.name, "controller": True}]},
            "spec": {"nodeName": node, "nodeSelector": {"kubevirt.io/schedulable": "true"},
                     "containers": [{"name": "compute", "resources": {"requests": {
                         "cpu": repr(vm.request_cpu), "memory": repr(vm.request_memory)}}}]},
            "status": {"phase": "Running"}}


def _vmim(migration):
    status = {"phase": migration.phase}
    if migration.started is not None:
        status["migrationState"] = {"startTimestamp": format_time(at(migration.started)),
                                    "sourceNode": migration.source, "targetNode": migration.target}
        if migration.ended is not None:
            status["migrationState"]["endTimestamp"] = format_time(at(migration.ended))
    return {"metadata": {"name": migration.uid, "namespace": "vms", "uid": migration.uid,
                         "creationTimestamp": format_time(at(migration.created))},
            "spec": {"vmiName": migration.vm.split("/")[1]}, "status": status}


def snapshot(cluster):
    """The cluster as rebalance_vms reads it: API objects and the default queries' instant vectors."""
    t = cluster.t
    nodes = []
    for node in cluster.nodes.values():
        labels = {HOSTNAME: node.name}
        if node.worker:
            labels["kubevirt.io/schedulable"] = "true"
        resources = {"cpu": repr(node.cores), "memory": repr(node.memory), "pods": str(node.pods)}
        nodes.append({"metadata": {"name": node.name, "labels": labels},
                      "spec": {} if node.worker else {"taints": [{"key": "node-role.kubernetes.io/master",
                                                                  "effect": "NoSchedule"}]},
                      "status": {"conditions": [{"type": "Ready", "status": "True"}], "allocatable": resources,
                                 "capacity": resources}})
    running = dict((m.vm, m) for m in cluster.active if m.phase == "Running")
    pods, vmis = [], []
    for vm in cluster.vms.values():
        pods.append(_launcher(vm, vm.node, "src"))
        status = {"phase": "Running", "nodeName": vm.node, "conditions": [
            {"type": "LiveMigratable", "status": "True" if vm.migratable else "False"}]}
        if vm.key in running:
            pods.append(_launcher(vm, running[vm.key].target, "tgt"))
            status["migrationState"] = _vmim(running[vm.key])["status"]["migrationState"]
        memory = repr(vm.memory)
        vmis.append({"metadata": {"name": vm.name, "namespace": "vms", "annotations": dict(vm.annotations)},
                     "spec": {"domain": {"memory": {"guest": memory}, "resources": {"requests": {"memory": memory}}}},
                     "status": status})
    recent = {}
    for migration in cluster.history:
        recent.setdefault(migration.vm, []).append(migration)
    vmims = [_vmim(m) for m in cluster.active] + [_vmim(m) for kept in recent.values() for m in kept[-5:]]
    return {"now": at(t), "nodes": nodes, "pods": pods, "vmis": vmis, "vmims": vmims, "leases": [],
            "kubevirt": {"spec": {"configuration": {"migrations": dict(cluster.migrations_config),
                                                    "evictionStrategy": "LiveMigrate"}}},
            "metrics": metrics(cluster)}


def metrics(cluster):
    t = cluster.t
    loads = cluster.node_loads()
    series = dict((name, []) for name in ("node_cpu", "node_memory", "node_cpu_pressure", "node_memory_pressure",
                                          "vmi_cpu", "vmi_memory", "vmi_dirty_rate"))
    for name, load in loads.items():
        for query, field in (("node_cpu", "cpu"), ("node_memory", "memory"), ("node_cpu_pressure", "cpu_psi"),
                             ("node_memory_pressure", "memory_psi")):
            series[query].append(_vector({"instance": name}, load[field], t))
    times = [sample_t for sample_t, _sample in cluster.samples]
    for key, (cores, memory) in cluster.vm_usage().items():
        labels = {"namespace": "vms", "name": key.split("/")[1]}
        series["vmi_cpu"].append(_vector(labels, cores, t))
        series["vmi_memory"].append(_vector(labels, memory, t))
        if precopy is not None:     # KubeVirt 1.6's dirty rate series, which the lab publishes with its model
            rates = [cluster.vms[key].dirty(sample_t)[0] for sample_t in times]
            series["vmi_dirty_rate"].append(_vector(labels, sum(rates) / len(rates), t))
    return series


class Ours:
    name = "rebalance_vms"

    def __init__(self, settings):
        self.settings = settings
        self.recorded = set()
        self.planned = 0

    def busy(self, cluster):
        """The module runs until its migrations end and settle_time has passed: a scheduled run starting meanwhile
        would still be waiting for the previous one."""
        if any(m.pinned for m in cluster.active):
            return True
        ended = [m.ended for m in cluster.history if m.pinned]
        return bool(ended) and cluster.t < max(ended) + self.settings["settle_time"]

    def cycle(self, cluster):
        self.remember(cluster)
        if self.busy(cluster):
            return None
        plan = planner.plan_rebalance(snapshot(cluster), self.settings)
        for move in plan["moves"]:
            cluster.migrate(move["vm"], target=move["to"], pinned=True)
        self.planned += len(plan["moves"])
        return plan

    def remember(self, cluster):
        """The executor's history annotation on each VMI whose migration finished."""
        for migration in cluster.history:
            if migration.uid in self.recorded or not migration.pinned:
                continue
            self.recorded.add(migration.uid)
            vm = cluster.vms[migration.vm]
            entry = {"id": migration.uid, "start": at(migration.started or migration.created),
                     "end": at(migration.ended), "failed": migration.phase == "Failed"}
            vm.annotations[cooldown.HISTORY_ANNOTATION] = cooldown.history_annotation(
                {"metadata": {"annotations": dict(vm.annotations)}}, entry, at(cluster.t))


class Descheduler:
    name = "descheduler (KubeVirtRelieveAndMigrate)"
    LOW, HIGH = 0.0, 0.10               # AsymmetricLow, as fractions of the metric
    PER_NODE, TOTAL = 2, 5
    PSI_GATE = 0.7

    def k3(self, loads):
        workers = sorted(loads)
        dims = ("cpu", "memory", "cpu_psi", "memory_psi")
        values = {}
        for name in workers:
            load = loads[name]
            values[name] = {"cpu": load["cpu"], "memory": load["memory"],
                            "cpu_psi": load["cpu_psi"] if load["cpu"] > self.PSI_GATE else 0.0,
                            "memory_psi": load["memory_psi"] if load["memory"] > self.PSI_GATE else 0.0}
        averages = dict((dim, sum(values[n][dim] for n in workers) / len(workers)) for dim in dims)
        return dict((name, min(1.0, 3 * math.sqrt(sum(max(0.0, values[name][dim] - averages[dim]) ** 2
                                                      for dim in dims)))) for name in workers)

    def cooling(self, cluster, key):
        finished = [m for m in cluster.history if m.vm == key and m.ended is not None
                    and cluster.t - m.ended <= 48 * 3600]
        if not finished:
            return False
        last = max(finished, key=lambda m: m.ended)
        wait = min(6 * 3600, max(15 * 60, last.ended - (last.started or last.created)) * 2 ** (len(finished) - 1))
        return cluster.t < last.ended + wait

    def cycle(self, cluster):
        workers = dict((name, node) for name, node in cluster.nodes.items() if node.worker)
        loads = dict((name, load) for name, load in cluster.node_loads().items() if name in workers)
        metric = self.k3(loads)
        mean = sum(metric.values()) / len(metric)
        over = sorted((n for n in metric if metric[n] > min(1.0, mean + self.HIGH)), key=lambda n: (-metric[n], n))
        under = [n for n in metric if metric[n] <= max(0.0, mean - self.LOW)]
        evicted = []
        if not over or not under:
            return evicted
        active = cluster.in_flight()
        total = len(active)
        for name in over:
            from_node = sum(1 for m in active if cluster.vms[m.vm].node == name)
            for vm in sorted((v for v in cluster.vms.values() if v.node == name), key=lambda v: v.name):
                if total >= self.TOTAL or from_node >= self.PER_NODE:
                    break
                if not vm.migratable or cluster.in_flight(vm.key) or self.cooling(cluster, vm.key):
                    continue
                cluster.migrate(vm.key)
                evicted.append(vm.key)
                total += 1
                from_node += 1
        return evicted


def combined(load):
    return math.sqrt((load["cpu"] ** 2 + load["memory"] ** 2) / 2)


__all__ = ["Ours", "Descheduler", "snapshot", "combined", "GIB", "MIB"]
