"""The cluster's part of `python -m lab status`: nodes (Ready, power, cordoned, taints), VMs per node (from the
kubevirt.io VMIs when that type is served), migrations in flight, and the ground-truth counters."""

from .podutil import condition_status, is_deleting, name_of, namespace_of

VMI = "virtualmachineinstances.kubevirt.io"
VMIM = "virtualmachineinstancemigrations.kubevirt.io"
FINAL = ("Succeeded", "Failed")


def _served(store, key) -> bool:
    try:
        store.registry.get(key)
        return True
    except KeyError:
        return False


def collect(store, machines, truth, cache, timings_preset: str) -> dict:
    vms_by_node: dict = {}
    if _served(store, VMI):
        for vmi in store.list(VMI)[0]:
            node = (vmi.get("status") or {}).get("nodeName") or ""
            vms_by_node.setdefault(node, []).append(f"{namespace_of(vmi)}/{name_of(vmi)}")
    migrations = []
    if _served(store, VMIM):
        for vmim in store.list(VMIM)[0]:
            status = vmim.get("status") or {}
            if status.get("phase") in FINAL and not is_deleting(vmim):
                continue
            state = status.get("migrationState") or {}
            migrations.append({"name": f"{namespace_of(vmim)}/{name_of(vmim)}",
                               "vmi": (vmim.get("spec") or {}).get("vmiName"), "phase": status.get("phase"),
                               "source": state.get("sourceNode"), "target": state.get("targetNode")})
    nodes = []
    for name in machines.names():
        machine = machines.get(name)
        node = cache.get("nodes", "", name)
        spec = (node or {}).get("spec") or {}
        nodes.append({
            "name": name,
            "role": machine.role,
            "registered": node is not None,
            "ready": condition_status(node, "Ready") if node else "Unknown",
            "powered": machine.powered,
            "booting": bool(machine.booting_until),
            "kubelet": machine.kubelet_running,
            "partitioned": machine.partitioned,
            "cordoned": bool(spec.get("unschedulable")),
            "taints": [f"{t.get('key')}{'=' + t['value'] if t.get('value') else ''}:{t.get('effect')}"
                       for t in spec.get("taints") or []],
            "pods": len(cache.pods_on(name)),
            "vms": sorted(vms_by_node.get(name, [])),
            "vms_really_running": truth.vms_on(name),
            "load": dict(machine.external_load),
        })
    counters = truth.counters()
    return {"preset": timings_preset, "nodes": nodes, "migrations": migrations,
            "unplaced_vms": sorted(vms_by_node.get("", [])), "ground_truth": counters,
            "split_brain": counters["split_brain"], "lost": counters["lost"]}


def render(status: dict) -> str:
    lines = ["NODE            ROLE           READY    POWER  KUBELET  NET          CORDONED  PODS  VMS  TAINTS"]
    for n in status.get("nodes", []):
        power = "boot" if n["booting"] else ("on" if n["powered"] else "off")
        net = "partitioned" if n["partitioned"] else "ok"
        lines.append(f"{n['name']:<15} {n['role']:<14} {n['ready']:<8} {power:<6} "
                     f"{'up' if n['kubelet'] else 'down':<8} {net:<12} {'yes' if n['cordoned'] else 'no':<9} "
                     f"{n['pods']:<5} {len(n['vms']):<4} {', '.join(n['taints']) or '-'}")
    lines.append("")
    lines.append("VMS PER NODE")
    for n in status.get("nodes", []):
        if n["vms"]:
            lines.append(f"  {n['name']}: {' '.join(v.split('/', 1)[1] for v in n['vms'])}")
    if status.get("unplaced_vms"):
        lines.append(f"  (not placed): {' '.join(v.split('/', 1)[1] for v in status['unplaced_vms'])}")
    migrations = status.get("migrations", [])
    lines.append("")
    lines.append(f"MIGRATIONS IN FLIGHT: {len(migrations)}")
    for m in migrations:
        lines.append(f"  {m['name']} vmi={m['vmi']} phase={m['phase']} {m['source'] or '?'} -> {m['target'] or '?'}")
    truth = status.get("ground_truth", {})
    lines.append("")
    lines.append(f"GROUND TRUTH: split-brain {truth.get('split_brain', 0)} "
                 f"(active {truth.get('split_brain_active', 0)}), "
                 f"lost {truth.get('lost', 0)} (active {truth.get('lost_active', 0)})")
    for interval in truth.get("intervals", [])[-10:]:
        lines.append(f"  {interval['kind']:<11} {interval['vm']} {interval['start']} -> {interval['end'] or 'now'}"
                     f" ({interval['seconds']} s) {' '.join(interval.get('nodes') or [])}")
    return "\n".join(lines)
