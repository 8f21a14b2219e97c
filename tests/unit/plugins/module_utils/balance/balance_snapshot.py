# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Builders of plain-data cluster snapshots for the rebalancing tests.

``cluster(layout, ...)`` turns ``{node: [vm(...), ...]}`` into a snapshot whose Prometheus samples agree with the
VMs on each node: a node's CPU utilization is (1 system core + the CPU its VMs use) / its cores, its memory
utilization (4 GiB system + its VMs' resident memory) / its memory.
"""

import datetime

from ansible_collections.workload.availability.plugins.module_utils.balance import options

import builders

GI = 2 ** 30
MI = 2 ** 20
NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.timezone.utc)
SYSTEM_CORES = 1.0
SYSTEM_MEMORY = 4 * GI


def node(name, cpu=32, mem_gi=128, labels=None, taints=None, ready=True, unschedulable=False, pods=250):
    """A worker (32 cores, 128 GiB) labelled schedulable for VMs, with its hostname label."""
    node_labels = {"kubevirt.io/schedulable": "true", "kubernetes.io/hostname": name}
    node_labels.update(labels or {})
    return builders.node(name, ready=ready, labels=node_labels, taints=list(taints or []),
                         unschedulable=unschedulable, cpu=cpu, memory="%dGi" % mem_gi, pods=str(pods), capacity=True)


def vm(name, cpu_used=1.0, mem_gi=4, dirty_mib=10.0, cpu_request=1, namespace="vms", **extra):
    """A VM of a layout: its usage (cores, resident = guest memory) and dirty rate, plus vmi() keywords."""
    spec = {"name": name, "namespace": namespace, "cpu_used": cpu_used, "mem_gi": mem_gi, "dirty_mib": dirty_mib,
            "cpu_request": cpu_request}
    spec.update(extra)
    return spec


def vmi(name, node_name, namespace="vms", mem_gi=4, cpu_request=1, labels=None, annotations=None,
        strategy="LiveMigrate", migratable=True, phase="Running", affinity=None, node_selector=None,
        tolerations=None, migration_state=None):
    """A VMI with its domain requests, eviction strategy and scheduling constraints."""
    spec = {"domain": {"resources": {"requests": {"cpu": str(cpu_request), "memory": "%dGi" % mem_gi}}}}
    if strategy:
        spec["evictionStrategy"] = strategy
    for field, value in (("affinity", affinity), ("nodeSelector", node_selector), ("tolerations", tolerations)):
        if value is not None:
            spec[field] = value
    return builders.vmi(name, node=node_name, namespace=namespace, phase=phase, migratable=migratable,
                        labels=labels, spec=spec, annotations=annotations, uid="uid-%s-%s" % (namespace, name),
                        migration_state=migration_state)


def launcher_pod(vmi_obj):
    """The running virt-launcher pod of a VMI, with its requests, labels and constraints."""
    metadata, spec = vmi_obj["metadata"], vmi_obj["spec"]
    requests = spec["domain"]["resources"]["requests"]
    return builders.launcher(metadata["name"], namespace=metadata["namespace"], node=vmi_obj["status"]["nodeName"],
                             suffix="abcde", cpu=requests["cpu"], memory=requests["memory"],
                             labels=metadata.get("labels"), affinity=spec.get("affinity"),
                             tolerations=spec.get("tolerations"))


def sample(labels, value):
    return {"metric": dict(labels), "value": [1772366400.0, str(value)]}


def cluster(layout, nodes=None, psi=None, vm_extra=None, now=NOW, kubevirt=None, drop=None):
    """A snapshot from ``{node name: [vm(...)]}``. ``nodes``: {name: node()} overrides (default 32 cores/128 GiB);
    ``psi``: {node: (cpu pressure, memory pressure)}; ``drop``: {query name: [keys]} series to leave out."""
    nodes = dict(nodes or {})
    node_objects, vmis, pods, samples = [], [], [], dict((q, []) for q in options_queries())
    for name in sorted(layout):
        node_obj = nodes.get(name) or node(name)
        node_objects.append(node_obj)
        cores = float(node_obj["status"]["capacity"]["cpu"])
        memory = float(node_obj["status"]["capacity"]["memory"][:-2]) * GI
        used_cpu, used_memory = SYSTEM_CORES, SYSTEM_MEMORY
        for spec in layout[name]:
            keywords = dict((k, v) for k, v in spec.items() if k not in ("cpu_used", "dirty_mib"))
            keywords.update((vm_extra or {}).get(spec["name"], {}))
            vmi_obj = vmi(node_name=name, **keywords)
            vmis.append(vmi_obj)
            pods.append(launcher_pod(vmi_obj))
            labels = {"namespace": spec["namespace"], "name": spec["name"]}
            samples["vmi_cpu"].append(sample(labels, spec["cpu_used"]))
            samples["vmi_memory"].append(sample(labels, spec["mem_gi"] * GI))
            samples["vmi_dirty_rate"].append(sample(labels, spec["dirty_mib"] * MI))
            used_cpu += spec["cpu_used"]
            used_memory += spec["mem_gi"] * GI
        samples["node_cpu"].append(sample({"instance": name}, min(1.0, used_cpu / cores)))
        samples["node_memory"].append(sample({"instance": name}, min(1.0, used_memory / memory)))
        cpu_psi, memory_psi = (psi or {}).get(name, (0.0, 0.0))
        samples["node_cpu_pressure"].append(sample({"instance": name}, cpu_psi))
        samples["node_memory_pressure"].append(sample({"instance": name}, memory_psi))
    for query, keys in (drop or {}).items():
        samples[query] = [s for s in samples[query]
                          if s["metric"].get("instance", "%s/%s" % (s["metric"].get("namespace"),
                                                                    s["metric"].get("name"))) not in keys]
    return {"now": now, "nodes": node_objects, "pods": pods, "vmis": vmis, "vmims": [], "leases": [],
            "kubevirt": kubevirt, "metrics": samples}


def options_queries():
    from ansible_collections.workload.availability.plugins.module_utils.balance import queries
    return sorted(queries.DEFAULT_QUERIES)


def settings(**overrides):
    overrides.setdefault("prometheus", {"url": "https://prometheus.example"})
    return options.settings_from_params(options.rebalance_params(**overrides))
