"""The OpenShift descheduler's recording rules (KubeVirtRelieveAndMigrate), evaluated every rule interval.

The per-node utilizations are evaluated as PromQL through the lab's engine; the thresholds, averages and the
distance metric are computed here from those results (pure function `derive`).
"""

from __future__ import annotations

import math

CPU_UTILIZATION = "descheduler:nodeutilization:cpu:avg1m"
MEMORY_UTILIZATION = "descheduler:nodeutilization:memory:avg1m"
CPU_PRESSURE = "descheduler:nodepressure:cpu:avg1m"
MEMORY_PRESSURE = "descheduler:nodepressure:memory:avg1m"
AVG_CPU_UTILIZATION = "descheduler:averageworkersutilization:cpu:avg1m"
AVG_MEMORY_UTILIZATION = "descheduler:averageworkersutilization:memory:avg1m"
AVG_CPU_PRESSURE = "descheduler:averageworkerspressure:cpu:avg1m"
AVG_MEMORY_PRESSURE = "descheduler:averageworkerspressure:memory:avg1m"
COMBINED = "descheduler:combined_utilization_and_pressure:avg1m"
K3_DISTANCE = "descheduler:node:linear_amplified_ideal_point_positive_distance:k3:avg1m"
NODE_CPU_RATE_SUM = "instance:node_cpu:rate:sum"

SOURCE_QUERIES = {
    "cpu": "avg by (instance) (1 - rate(node_cpu_seconds_total{mode='idle'}[1m]))",
    "memory": "1 - avg_over_time(node_memory_MemAvailable_bytes[1m]) / on(instance) "
              "label_replace(kube_node_status_allocatable{resource=\"memory\"}, \"instance\", \"$1\", \"node\", "
              "\"(.+)\")",
    "cpu_psi": "rate(node_pressure_cpu_waiting_seconds_total[1m])",
    "memory_psi": "rate(node_pressure_memory_waiting_seconds_total[1m])",
    "cpu_rate_sum": "sum by (instance) (rate(node_cpu_seconds_total{mode!='idle',mode!='iowait',mode!='steal'}[3m]))",
}
PRESSURE_GATE = 0.7      # PSI only counts on a node whose utilization is above this (else 0)
COMBINED_SWITCH = 0.8    # worker-average CPU utilization above which the combined metric uses pressure
K = 3.0


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def derive(cpu: dict, memory: dict, cpu_psi: dict, memory_psi: dict, workers: set) -> dict:
    """{rule name: {instance: value}} for per-node rules and {rule name: value} for averages."""
    nodes = sorted(set(cpu) & set(memory))
    pressure_cpu = {n: cpu_psi.get(n, 0.0) if cpu[n] > PRESSURE_GATE else 0.0 for n in nodes}
    pressure_memory = {n: memory_psi.get(n, 0.0) if memory[n] > PRESSURE_GATE else 0.0 for n in nodes}
    measured_workers = [n for n in nodes if n in workers]
    averages = {
        AVG_CPU_UTILIZATION: _mean(cpu[n] for n in measured_workers),
        AVG_MEMORY_UTILIZATION: _mean(memory[n] for n in measured_workers),
        AVG_CPU_PRESSURE: _mean(pressure_cpu[n] for n in measured_workers),
        AVG_MEMORY_PRESSURE: _mean(pressure_memory[n] for n in measured_workers),
    }
    combined = {n: cpu[n] if averages[AVG_CPU_UTILIZATION] < COMBINED_SWITCH else pressure_cpu[n] for n in nodes}
    distance = {}
    for n in nodes:
        deviations = [max(0.0, cpu[n] - averages[AVG_CPU_UTILIZATION]),
                      max(0.0, memory[n] - averages[AVG_MEMORY_UTILIZATION]),
                      max(0.0, pressure_cpu[n] - averages[AVG_CPU_PRESSURE]),
                      max(0.0, pressure_memory[n] - averages[AVG_MEMORY_PRESSURE])]
        distance[n] = min(1.0, K * math.sqrt(sum(d * d for d in deviations)))
    return {"per_node": {CPU_UTILIZATION: {n: cpu[n] for n in nodes},
                         MEMORY_UTILIZATION: {n: memory[n] for n in nodes},
                         CPU_PRESSURE: pressure_cpu, MEMORY_PRESSURE: pressure_memory,
                         COMBINED: combined, K3_DISTANCE: distance},
            "cluster": averages}
