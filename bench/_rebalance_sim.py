"""A rebalancing cluster in simulated time, built from the lab's own models (not a benchmark itself: bench/run.py
skips _ files).

- Workloads: the lab's scenarios (lab.cluster.scenarios) and its load profiles (lab.metrics.profiles: a VM uses
  its size times a seeded, time-varying fraction); nodes turn that into utilization and PSI with
  lab.metrics.node_model, sampled every 15 s (the realistic scrape interval) and averaged over a minute, as the
  default queries and the descheduler's recording rules read them.
- Migrations: KubeVirt's limits (per cluster, outbound per node, oldest first) and the lab's migration model.
  With the lab's pre-copy model (lab.kubevirt.precopy and links, the lab-realism work) each copy runs against its
  guest's dirty rate over the nodes' shared links and KubeVirt's abort rules, and may fail; without it (the lab
  before that work) a copy takes guest memory / bandwidth and always succeeds. ``MODEL`` says which one runs.
- The cluster as API objects (Nodes, virt-launcher Pods, VMIs, VMIMs, the KubeVirt CR) and as Prometheus instant
  vectors, for a rebalancer that reads a snapshot (ours does).

``Cluster(scenario)``: ``advance(seconds)``, ``snapshot()``, ``node_loads()`` (1-minute averages),
``migrate(vm, target=None, pinned=False)`` (a VMIM; target None: the scheduler picks when it starts),
``in_flight()``, ``history`` (finished migrations), ``counts()``.
"""

import math
import random
from dataclasses import dataclass

from lab.cluster import scenarios
from lab.kubevirt import kubevirt_cr
from lab.kubevirt.settings import PRESETS as KUBEVIRT_PRESETS
from lab.metrics import node_model, profiles
from lab.quantity import parse_quantity

try:    # the lab-realism work: pre-copy against the dirty rate, shared links, KubeVirt's abort rules
    from lab.kubevirt import links, precopy
    from lab.metrics.load import DIRTY_BYTES_PER_BUSY_VCPU
    MODEL = "pre-copy (lab.kubevirt.precopy: dirty rates, shared links, KubeVirt's abort rules)"
except ImportError:
    links = precopy = None
    DIRTY_BYTES_PER_BUSY_VCPU = None
    MODEL = "duration = guest memory / bandwidth (the lab before its pre-copy model: migrations never fail)"

GIB = 2 ** 30
MIB = 2 ** 20
SCRAPE_SECONDS = 15.0
WINDOW_SAMPLES = 4                      # a one-minute rate window of 15 s scrapes
LAUNCHER_OVERHEAD = 200 * MIB           # the lab's virt-launcher memory overhead, plus 8 MiB per vCPU
TIMING = dict(profiles.DEFAULT_TIMING)  # realistic: a one-day diurnal period
REALISTIC = KUBEVIRT_PRESETS["realistic"]
LAB_DEFAULT_BANDWIDTH = 2 ** 30         # the lab's migration bandwidth when the CR sets none (before pre-copy)


class VM:
    def __init__(self, entry, seed):
        self.name = entry["name"]
        self.key = "vms/" + self.name
        self.cores = float(entry["cpu"])
        self.memory = float(entry["memory_bytes"])
        self.node = entry.get("node")
        self.profile = entry.get("load_profile") or profiles.pick_profile("%s/%s" % (seed, self.key))
        mean = entry.get("load") or {}
        self.cpu_mean = float(mean.get("cpu") or profiles.pick_mean("%s/%s/cpu" % (seed, self.key), 0.15, 0.6))
        self.memory_mean = float(mean.get("memory") or profiles.pick_mean("%s/%s/mem" % (seed, self.key), 0.3, 0.8))
        self.request_cpu = self.cores / 10.0
        self.request_memory = self.memory + LAUNCHER_OVERHEAD + 8 * MIB * self.cores
        self.migratable = entry.get("migratable", True)
        self.annotations = {}

    def usage(self, t):
        return (self.cores * profiles.fraction(self.profile, self.cpu_mean, self.key, t, TIMING, "cpu"),
                self.memory * profiles.fraction(self.profile, self.memory_mean, self.key, t, TIMING, "memory"))

    def dirty(self, t):
        """(dirty rate bytes/s, working set bytes), as the lab's pre-copy model has the guest write."""
        cores, memory = self.usage(t)
        return (cores * DIRTY_BYTES_PER_BUSY_VCPU if DIRTY_BYTES_PER_BUSY_VCPU else 0.0), memory


class Node:
    def __init__(self, entry):
        self.name = entry["name"]
        self.cores = float(entry["cpu"])
        self.memory = float(entry["memory"])
        self.pods = int(entry.get("pods") or 250)
        self.worker = entry["role"] == "worker"


def least_allocated_choice(vm, nodes, vms, exclude, rng):
    """kube-scheduler's default resource scoring (LeastAllocated + BalancedAllocation, weight 1 each) on the nodes
    where the VM's requests fit; ties broken at random (the lab's scheduler breaks them by its seed)."""
    requested = dict((name, [0.0, 0.0, 0]) for name in nodes)
    for other in vms.values():
        if other.node in requested:
            used = requested[other.node]
            used[0] += other.request_cpu
            used[1] += other.request_memory
            used[2] += 1
    best, best_score = [], None
    for name in sorted(nodes):
        node = nodes[name]
        cpu, memory, count = requested[name]
        if name in exclude or not node.worker or count + 1 > node.pods or cpu + vm.request_cpu > node.cores \
                or memory + vm.request_memory > node.memory:
            continue
        fractions = [(cpu + vm.request_cpu) / node.cores, (memory + vm.request_memory) / node.memory]
        score = sum((1 - f) * 100 for f in fractions) / 2 + (1 - abs(fractions[0] - fractions[1])) * 100
        if best_score is None or score > best_score + 1e-9:
            best, best_score = [name], score
        elif abs(score - best_score) <= 1e-9:
            best.append(name)
    return rng.choice(best) if best else None


@dataclass
class Migration:
    uid: str
    vm: str
    created: float
    target: str | None
    pinned: bool
    source: str
    phase: str = "Pending"
    started: float | None = None
    ended: float | None = None
    copy: object = None
    remaining_seconds: float | None = None
    sent: float = 0.0
    reason: str | None = None


class Cluster:
    def __init__(self, name, seed=0, nodes=None, vms=None, entries=None, kubevirt_migrations=None):
        built = scenarios.build(name, seed, nodes=nodes, vms=vms)
        self.seed = seed
        self.rng = random.Random("bench/%s/%s" % (name, seed))
        self.nodes = dict((n["name"], Node(n)) for n in built["nodes"])
        self.vms = dict((vm.key, vm) for vm in (VM(e, seed) for e in (entries or built["vms"])))
        self.migrations_config = dict(kubevirt_cr.DEFAULT_MIGRATIONS, **(kubevirt_migrations or {}))
        self.t = 0.0
        self.samples = []          # [(t, {node: NodeSample})], the last WINDOW_SAMPLES scrapes
        self.active = []           # Migrations not finished
        self.history = []          # finished Migrations
        self.uids = 0
        for vm in sorted(self.vms.values(), key=lambda v: v.key):   # the scheduler places the rest
            if vm.node is None:
                vm.node = least_allocated_choice(vm, self.nodes, self.vms, (), self.rng)
        self.scrape()

    # -- time -----------------------------------------------------------------------------------------------------
    def advance(self, seconds, step=1.0):
        end = self.t + seconds
        while self.t < end - 1e-9:
            dt = min(step, end - self.t)
            self.start_pending()
            self.copy(dt)
            self.t += dt
            if self.t // SCRAPE_SECONDS != (self.t - dt) // SCRAPE_SECONDS:
                self.scrape()

    def scrape(self):
        usage = dict((name, [0.0, 0.0]) for name in self.nodes)
        for vm in self.vms.values():
            cores, memory = vm.usage(self.t)
            usage[vm.node][0] += cores
            usage[vm.node][1] += memory
        sample = dict((name, node_model.sample(node.cores, node.memory, usage[name][0], usage[name][1]))
                      for name, node in self.nodes.items())
        self.samples = (self.samples + [(self.t, sample)])[-WINDOW_SAMPLES:]

    def node_loads(self):
        """{node: {"cpu", "memory", "cpu_psi", "memory_psi"}}: one-minute averages of utilization and PSI."""
        found = {}
        for name in self.nodes:
            rows = [sample[name] for _t, sample in self.samples]
            found[name] = {"cpu": sum(r.cpu_utilization for r in rows) / len(rows),
                           "memory": sum(r.memory_used / self.nodes[name].memory for r in rows) / len(rows),
                           "cpu_psi": sum(r.cpu_pressure for r in rows) / len(rows),
                           "memory_psi": sum(r.memory_pressure for r in rows) / len(rows)}
        return found

    def vm_usage(self):
        """{vm key: (cores, memory bytes)}, one-minute averages as the kubevirt_vmi_* queries read them."""
        times = [t for t, _sample in self.samples]
        found = {}
        for key, vm in self.vms.items():
            rows = [vm.usage(t) for t in times]
            found[key] = (sum(r[0] for r in rows) / len(rows), sum(r[1] for r in rows) / len(rows))
        return found

    # -- migrations -----------------------------------------------------------------------------------------------
    def migrate(self, key, target=None, pinned=False):
        self.uids += 1
        migration = Migration("m-%05d" % self.uids, key, self.t, target, pinned, self.vms[key].node)
        self.active.append(migration)
        return migration

    def in_flight(self, key=None):
        return [m for m in self.active if key is None or m.vm == key]

    def limits(self):
        return (int(self.migrations_config["parallelMigrationsPerCluster"]),
                int(self.migrations_config["parallelOutboundMigrationsPerNode"]))

    def start_pending(self):
        per_cluster, per_node = self.limits()
        running = [m for m in self.active if m.phase == "Running"]
        for migration in sorted((m for m in self.active if m.phase == "Pending"), key=lambda m: m.created):
            if len(running) >= per_cluster:
                break
            source = self.vms[migration.vm].node
            if sum(1 for m in running if m.source == source) >= per_node:
                continue
            migration.source = source
            if not migration.pinned:
                migration.target = least_allocated_choice(self.vms[migration.vm], self.nodes, self.vms, (source,),
                                                          self.rng)
            if migration.target is None or migration.target == source:
                self.finish(migration, "Failed", "no node fits the target pod")
                continue
            migration.phase, migration.started = "Running", self.t
            self.begin_copy(migration)
            running.append(migration)

    def bandwidth(self):
        per_migration = parse_quantity(self.migrations_config.get("bandwidthPerMigration") or 0)
        return per_migration or (REALISTIC["migration_stream_bytes"] if precopy else LAB_DEFAULT_BANDWIDTH)

    def begin_copy(self, migration):
        vm = self.vms[migration.vm]
        if precopy is None:
            migration.remaining_seconds = vm.memory / self.bandwidth()
            return
        config = self.migrations_config
        per_gib = float(config.get("completionTimeoutPerGiB") or 0)
        post_copy = bool(config.get("allowPostCopy"))
        migration.copy = precopy.Copy(vm.memory, precopy.Limits(
            progress_timeout=float(config.get("progressTimeout") or 0),
            completion_timeout=per_gib * precopy.data_size_gb(vm.memory),
            allow_auto_converge=bool(config.get("allowAutoConverge")), allow_post_copy=post_copy,
            allow_workload_disruption=bool(config.get("allowWorkloadDisruption", post_copy))))

    def link_speed(self, _node):
        return float(REALISTIC["link_gbps"]) * 1e9 / 8

    def copy(self, dt):
        running = [m for m in self.active if m.phase == "Running"]
        if precopy is None:
            for migration in running:
                migration.remaining_seconds -= dt
                migration.sent += self.bandwidth() * dt
                if migration.remaining_seconds <= 0:
                    migration.sent = self.vms[migration.vm].memory
                    self.finish(migration, "Succeeded")
            return
        ceiling = self.bandwidth()
        rates = links.share([links.Stream(m.uid, m.source, m.target, ceiling) for m in running], self.link_speed)
        for migration in running:
            dirty, working_set = self.vms[migration.vm].dirty(self.t)
            precopy.advance(migration.copy, dt, rates.get(migration.uid, 0.0), dirty, working_set)
            migration.sent = migration.copy.data_processed
            if migration.copy.outcome is not None:
                self.finish(migration, *migration.copy.outcome)

    def finish(self, migration, phase, reason=None):
        migration.phase, migration.reason, migration.ended = phase, reason, self.t
        if phase == "Succeeded":
            self.vms[migration.vm].node = migration.target
        self.active.remove(migration)
        self.history.append(migration)

    def settle(self, limit=3600.0):
        """Run until no migration is left (or ``limit`` seconds), then a full metrics window."""
        waited = 0.0
        while self.active and waited < limit:
            self.advance(10.0)
            waited += 10.0
        self.advance(SCRAPE_SECONDS * WINDOW_SAMPLES)

    # -- figures --------------------------------------------------------------------------------------------------
    def counts(self):
        moved = {}
        for migration in self.history:
            if migration.phase == "Succeeded":
                moved[migration.vm] = moved.get(migration.vm, 0) + 1
        paths = {}
        for migration in sorted(self.history, key=lambda m: m.ended):
            if migration.phase == "Succeeded":
                paths.setdefault(migration.vm, []).append((migration.source, migration.target))
        ping_pong = sum(1 for hops in paths.values() for a, b in zip(hops, hops[1:]) if a[0] == b[1])
        started = len(self.history) + sum(1 for m in self.active if m.phase == "Running")
        return {"started": started, "failed": sum(1 for m in self.history if m.phase == "Failed"),
                "gib_sent": round(sum(m.sent for m in self.history) / GIB, 1),
                "vms_moved_more_than_once": sum(1 for count in moved.values() if count > 1),
                "ping_pong": ping_pong}


def measures(values):
    mean = sum(values) / len(values)
    stddev = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return {"cv": stddev / mean if mean else 0.0, "spread": max(values) - min(values), "stddev": stddev}
