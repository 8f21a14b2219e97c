"""How a node's load turns into what node_exporter reports: utilization, pressure stall (PSI), free memory.

Pure functions. PSI "some" for CPU is the share of time at least one runnable task waited for a CPU: almost zero
on an idle node, rising steeply as demand approaches the node's cores (queueing), and at least the overcommitted
share (demand - 1) / demand when demand exceeds them. Memory pressure appears only near exhaustion.
"""

from __future__ import annotations

from dataclasses import dataclass

GIB = 1024 ** 3
SYSTEM_CPU_FRACTION = 0.02       # kubelet, CRI-O, OS daemons
SYSTEM_CPU_CORES = 0.2
SYSTEM_MEMORY_FRACTION = 0.03
SYSTEM_MEMORY_BYTES = 2 * GIB


@dataclass(frozen=True)
class NodeSample:
    cpu_demand: float        # wanted cores / cores (may exceed 1)
    cpu_utilization: float   # busy share of all cores, [0, 1]
    cpu_pressure: float      # share of time with tasks waiting for CPU, [0, 1]
    memory_used: float       # bytes
    memory_available: float  # bytes
    memory_pressure: float   # share of time with tasks stalled on memory, [0, 1]


def system_cpu(cores: float) -> float:
    return SYSTEM_CPU_CORES + SYSTEM_CPU_FRACTION * cores


def system_memory(memory_bytes: float) -> float:
    return SYSTEM_MEMORY_BYTES + SYSTEM_MEMORY_FRACTION * memory_bytes


def cpu_pressure(demand: float) -> float:
    saturation = min(1.0, max(0.0, demand - 0.6) / 0.4)
    queueing = 0.2 * saturation ** 2
    overcommit = max(0.0, demand - 1.0) / demand if demand > 0 else 0.0
    return min(1.0, 0.002 * min(demand, 1.0) + queueing + overcommit)


def memory_pressure(used_ratio: float) -> float:
    if used_ratio <= 0.85:
        return 0.0
    return min(1.0, 0.3 * ((used_ratio - 0.85) / 0.15) ** 2 + max(0.0, used_ratio - 1.0))


def sample(cores: float, memory_bytes: float, workload_cores: float, workload_memory: float,
           external_cpu: float = 0.0, external_memory: float = 0.0) -> NodeSample:
    """external_*: the fraction of the node taken by load outside Kubernetes (`lab load NODE --cpu 0.9`)."""
    wanted = workload_cores + system_cpu(cores) + external_cpu * cores
    demand = wanted / cores
    wanted_memory = workload_memory + system_memory(memory_bytes) + external_memory * memory_bytes
    used = min(float(memory_bytes), wanted_memory)
    return NodeSample(cpu_demand=demand, cpu_utilization=min(1.0, demand), cpu_pressure=cpu_pressure(demand),
                      memory_used=used, memory_available=max(0.0, memory_bytes - used),
                      memory_pressure=memory_pressure(wanted_memory / memory_bytes))
