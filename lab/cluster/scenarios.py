"""Lab scenarios: seeded, plain-data descriptions of a cluster (nodes, VMs, plain workloads).

Every scenario has three control-plane nodes (master-0..2: 16 cores, 64 GiB, tainted NoSchedule) and workers
(worker-N). VMs live in namespace `vms`; each entry has namespace, name, cpu (cores), memory_bytes,
run_strategy, eviction_strategy, migratable (+ not_migratable_reason), load_profile (steady | noisy | diurnal |
spike), load ({"cpu": fraction, "memory": fraction} of the VM's size, the profile's mean) and node (a preferred
first node, or None to let the scheduler choose). The same name and seed always give the same data.

- small (the demo default): 3 workers (32 cores, 128 GiB); 12 VMs of 1-4 cores / 2-8 GiB, two of them not live
  migratable (ReadWriteOnce disk); Deployments `frontend` (3 replicas, PDB minAvailable 2) and `backend`
  (2 replicas, PDB maxUnavailable 1) in namespace `shop`.
- hotspot: 4 workers; 24 VMs, 14 of them placed on worker-0 with heavy load, the rest spread and light.
- mixed-sizes: 4 workers (48 cores, 256 GiB); 40 VMs of 1 core / 1 GiB, 4 of 4 cores / 16 GiB and one of
  16 cores / 64 GiB: the mix that makes utilization balancers oscillate.
- balanced-noisy: 6 workers; 36 VMs spread evenly, all with noisy load around the same mean: a good rebalancer
  leaves this alone.
- large: 500 nodes (497 workers of 64 cores / 512 GiB) and 10,000 VMs of 1-4 cores / 2-16 GiB.

`nodes` and `vms` override the node count (control plane included) and the VM count of any scenario.
"""

import random
import uuid

GIB = 1024**3
VM_NAMESPACE = "vms"
CONTROL_PLANE = 3
PROFILES = ("steady", "noisy", "diurnal", "spike")
SCENARIOS = ("small", "hotspot", "mixed-sizes", "balanced-noisy", "large")

_WORKERS = {"small": (3, 32, 128), "hotspot": (4, 32, 128), "mixed-sizes": (4, 48, 256),
            "balanced-noisy": (6, 32, 128), "large": (497, 64, 512)}
_VM_COUNT = {"small": 12, "hotspot": 24, "mixed-sizes": 45, "balanced-noisy": 36, "large": 10000}


def system_uuid(seed, name) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"workload.availability/lab/{seed}/{name}"))


def _nodes(scenario, seed, total_nodes):
    workers, cpu, memory = _WORKERS[scenario]
    if total_nodes is not None:
        workers = max(1, int(total_nodes) - CONTROL_PLANE)
    nodes = [{"name": f"master-{i}", "role": "control-plane", "cpu": 16, "memory": 64 * GIB,
              "system_uuid": system_uuid(seed, f"master-{i}")} for i in range(CONTROL_PLANE)]
    nodes += [{"name": f"worker-{i}", "role": "worker", "cpu": cpu, "memory": memory * GIB,
               "system_uuid": system_uuid(seed, f"worker-{i}")} for i in range(workers)]
    return nodes


def _vm(name, cpu, memory_gib, rng, profile=None, load=None, node=None, migratable=True):
    profile = profile or rng.choice(PROFILES)
    load = load or {"cpu": round(rng.uniform(0.15, 0.6), 2), "memory": round(rng.uniform(0.3, 0.8), 2)}
    vm = {"namespace": VM_NAMESPACE, "name": name, "cpu": cpu, "memory_bytes": int(memory_gib * GIB),
          "run_strategy": "Always", "eviction_strategy": "LiveMigrate", "migratable": migratable,
          "load_profile": profile, "load": load, "node": node}
    if not migratable:
        vm["not_migratable_reason"] = "DisksNotLiveMigratable"
    return vm


def _small_vms(count, rng):
    sizes = [(1, 2), (2, 4), (4, 8)]
    return [_vm(f"vm-{i + 1:02d}", *sizes[i % 3], rng, profile=PROFILES[i % 4], migratable=i not in (4, 9))
            for i in range(count)]


def _hotspot_vms(count, rng, workers):
    hot = min(count, max(1, count * 14 // 24))
    vms = []
    for i in range(count):
        if i < hot:
            vms.append(_vm(f"vm-{i + 1:02d}", 2, 4, rng, profile="steady", node=workers[0],
                           load={"cpu": round(rng.uniform(0.7, 0.95), 2), "memory": round(rng.uniform(0.6, 0.9), 2)}))
        else:
            vms.append(_vm(f"vm-{i + 1:02d}", 2, 4, rng, profile="steady", node=workers[1 + (i % (len(workers) - 1))]
                           if len(workers) > 1 else workers[0],
                           load={"cpu": round(rng.uniform(0.1, 0.3), 2), "memory": round(rng.uniform(0.3, 0.5), 2)}))
    return vms


def _mixed_vms(count, rng):
    vms = []
    for i in range(count):
        if i == count - 1:
            vms.append(_vm(f"vm-{i + 1:02d}", 16, 64, rng, profile="steady"))
        elif i >= count - 5:
            vms.append(_vm(f"vm-{i + 1:02d}", 4, 16, rng))
        else:
            vms.append(_vm(f"vm-{i + 1:02d}", 1, 1, rng))
    return vms


def _noisy_vms(count, rng, workers):
    return [_vm(f"vm-{i + 1:02d}", 2, 4, rng, profile="noisy", node=workers[i % len(workers)],
                load={"cpu": 0.4, "memory": 0.5}) for i in range(count)]


def _large_vms(count, rng):
    sizes = [(1, 2), (2, 4), (2, 8), (4, 8), (4, 16)]
    width = len(str(count))
    return [_vm(f"vm-{i + 1:0{width}d}", *rng.choice(sizes), rng) for i in range(count)]


def _shop_workloads() -> list:
    def deployment(name, replicas, cpu, memory):
        labels = {"app": name}
        return {"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": name, "namespace": "shop", "labels": labels},
                "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                         "template": {"metadata": {"labels": labels}, "spec": {
                             "containers": [{"name": name, "image": f"quay.io/lab/{name}:1.0",
                                             "resources": {"requests": {"cpu": cpu, "memory": memory}}}]}}}}

    def pdb(name, **budget):
        return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                "metadata": {"name": name, "namespace": "shop"},
                "spec": {**budget, "selector": {"matchLabels": {"app": name}}}}

    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
        deployment("frontend", 3, "200m", "256Mi"),
        pdb("frontend", minAvailable=2),
        deployment("backend", 2, "500m", "512Mi"),
        pdb("backend", maxUnavailable=1),
    ]


def build(name: str = "small", seed: int = 0, nodes: int | None = None, vms: int | None = None) -> dict:
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
    rng = random.Random(f"{name}/{seed}")
    node_list = _nodes(name, seed, nodes)
    workers = [n["name"] for n in node_list if n["role"] == "worker"]
    count = _VM_COUNT[name] if vms is None else int(vms)
    if name == "small":
        vm_list = _small_vms(count, rng)
    elif name == "hotspot":
        vm_list = _hotspot_vms(count, rng, workers)
    elif name == "mixed-sizes":
        vm_list = _mixed_vms(count, rng)
    elif name == "balanced-noisy":
        vm_list = _noisy_vms(count, rng, workers)
    else:
        vm_list = _large_vms(count, rng)
    return {
        "name": name,
        "seed": seed,
        "nodes": node_list,
        "vms": vm_list,
        "pods": [],
        "workloads": _shop_workloads() if name == "small" else [],
        "namespaces": [VM_NAMESPACE],
    }
