"""Benchmark: drain a node holding 20 VMs and 30 pods, with a fixed live-migration time T.

Two identical labs (same scenario, seed and overrides) are prepared the same way; on the first the node is drained
by workload.availability.node_maintenance (through ansible-playbook), on the second by `kubectl drain`. Both times
are compared with the ideal ceil(VMs / parallelOutboundMigrationsPerNode) x T. API requests are counted on the
client side: the module's own api_requests, and kubectl's requests logged at -v=6.

    .venv/bin/python bench/drain.py [--seconds T] [--vms 20] [--pods 30]

Prints a table and writes bench/results/drain.json.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)

from lab import Lab  # noqa: E402
from lab.kubevirt.scenario_vms import vm_from_scenario  # noqa: E402

NODE = "worker-0"
OTHERS = ("worker-1", "worker-2")
VMI_KEY = "virtualmachineinstances.kubevirt.io"
KUBECTL = "/usr/bin/kubectl"
REQUEST_LINE = re.compile(r"\] (GET|POST|PUT|PATCH|DELETE) https?://\S+ \d{3}")
PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - workload.availability.node_maintenance:
        name: {node}
        mode: native
        reason: benchmark
        timeout: 1200
      register: result
    - ansible.builtin.copy:
        content: "{{{{ result | to_json }}}}"
        dest: {out}
"""


def set_unschedulable(lab, name, value):
    def change(node):
        node["spec"]["unschedulable"] = value
        if not value:
            node["spec"].pop("unschedulable")
        return node
    lab.store.mutate("nodes", None, name, change)


def prepare(lab, vms, pods):
    """Put `vms` VMs and `pods` pods on NODE: the other workers are cordoned while they start."""
    for other in OTHERS:
        set_unschedulable(lab, other, True)
    lab.store.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}})
    for i in range(vms):
        vm = vm_from_scenario({"namespace": "vms", "name": "bench-vm-%02d" % i, "cpu": 1, "memory_bytes": 2 * 2 ** 30,
                               "run_strategy": "Always", "eviction_strategy": "LiveMigrate", "migratable": True})
        lab.store.create("virtualmachines.kubevirt.io", vm)
    labels = {"app": "bench-web"}
    lab.store.create("deployments.apps", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "bench-web", "namespace": "bench"},
        "spec": {"replicas": pods, "selector": {"matchLabels": labels}, "template": {
            "metadata": {"labels": labels},
            "spec": {"terminationGracePeriodSeconds": 1, "containers": [{
                "name": "web", "image": "registry.example/web:1",
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}}}})

    def ready():
        vmis = [v for v in lab.store.list(VMI_KEY, namespace="vms")[0] if v["metadata"]["name"].startswith("bench")]
        web = lab.store.list("pods", namespace="bench")[0]
        return (len(vmis) == vms and all(v.get("status", {}).get("phase") == "Running"
                                         and v["status"].get("nodeName") == NODE for v in vmis)
                and len(web) == pods and all(p.get("status", {}).get("phase") == "Running" for p in web))
    lab.wait_for(ready, timeout=300, interval=0.5)
    for other in OTHERS:
        set_unschedulable(lab, other, False)


def on_node(lab):
    vmis = [v for v in lab.store.list(VMI_KEY)[0] if v.get("status", {}).get("nodeName") == NODE]
    pods = [p for p in lab.store.list("pods", field_selector="spec.nodeName=" + NODE)[0]
            if not any(r.get("kind") == "DaemonSet" for r in p["metadata"].get("ownerReferences") or [])]
    return len(vmis), len(pods)


def limits(lab):
    kubevirt = lab.store.list("kubevirts.kubevirt.io")[0][0]
    migrations = kubevirt["spec"]["configuration"]["migrations"]
    return int(migrations.get("parallelOutboundMigrationsPerNode", 2)), int(migrations.get(
        "parallelMigrationsPerCluster", 5))


def run_module(lab):
    out = tempfile.mktemp(suffix=".json")
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as handle:
        handle.write(PLAYBOOK.format(node=NODE, out=out))
    env = dict(os.environ, K8S_AUTH_KUBECONFIG=lab.kubeconfig_path, ANSIBLE_LOCALHOST_WARNING="false")
    start = time.monotonic()
    proc = subprocess.run([os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), handle.name], env=env,
                          capture_output=True, text=True)
    wall = time.monotonic() - start
    os.unlink(handle.name)
    if proc.returncode:
        raise SystemExit("node_maintenance failed:\n" + proc.stdout[-3000:] + proc.stderr[-2000:])
    with open(out) as handle:
        result = json.load(handle)
    os.unlink(out)
    drained = next((e["elapsed"] for e in result["timeline"] if e["event"] == "drained"), None)
    seconds = [e["seconds"] for e in result["migrated"] if e.get("seconds") is not None]
    # how long a freed slot stayed empty: from a VM's arrival to the creation of the next migration
    gaps, last_done = [], None
    for event in result["timeline"]:
        if event["event"] == "migrated":
            last_done = event["elapsed"]
        elif event["event"] == "migration created" and last_done is not None:
            gaps.append(event["elapsed"] - last_done)
            last_done = None
    return {"wall_seconds": round(wall, 2), "module_seconds": drained, "api_requests": result["api_requests"],
            "ansible_overhead_seconds": round(wall - (drained or 0), 2),
            "migrated": len(result["migrated"]), "evicted": len(result["evicted"]),
            "migration_seconds": {"min": min(seconds), "mean": round(sum(seconds) / len(seconds), 2),
                                  "max": max(seconds)} if seconds else None,
            "slot_refill_seconds": {"mean": round(sum(gaps) / len(gaps), 3), "max": round(max(gaps), 3)}
            if gaps else None}


def run_kubectl(lab):
    start = time.monotonic()
    proc = subprocess.run([KUBECTL, "--kubeconfig", lab.kubeconfig_path, "drain", NODE, "--ignore-daemonsets",
                           "--delete-emptydir-data", "--timeout=1200s", "-v=6"], capture_output=True, text=True)
    wall = time.monotonic() - start
    if proc.returncode:
        raise SystemExit("kubectl drain failed:\n" + proc.stderr[-3000:])
    requests = len(REQUEST_LINE.findall(proc.stderr))
    return {"wall_seconds": round(wall, 2), "api_requests": requests}


def make_lab(args, workdir):
    overrides = {"kubevirt.migration_seconds": args.seconds, "kubevirt.migration_time_scale": 1.0}
    return Lab(scenario="small", vms=0, seed=args.seed, workdir=workdir, tls=True, overrides=overrides,
               components=["cluster", "kubevirt"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="fixed migration time T")
    parser.add_argument("--vms", type=int, default=20)
    parser.add_argument("--pods", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    results = {"T_seconds": args.seconds, "vms": args.vms, "pods": args.pods, "node": NODE}
    base = tempfile.mkdtemp(prefix="bench-drain-")
    with make_lab(args, os.path.join(base, "ours")) as lab:
        prepare(lab, args.vms, args.pods)
        per_node, per_cluster = limits(lab)
        results["limits"] = {"per_node": per_node, "per_cluster": per_cluster}
        results["ours"] = run_module(lab)
        results["ours"]["left_on_node"] = on_node(lab)
        truth = lab.component("cluster").truth.counters()
        results["ours"]["split_brain"], results["ours"]["lost"] = truth["split_brain"], truth["lost"]
    with make_lab(args, os.path.join(base, "kubectl")) as lab:
        prepare(lab, args.vms, args.pods)
        results["kubectl"] = run_kubectl(lab)
        results["kubectl"]["left_on_node"] = on_node(lab)
        truth = lab.component("cluster").truth.counters()
        results["kubectl"]["split_brain"], results["kubectl"]["lost"] = truth["split_brain"], truth["lost"]
    ideal = math.ceil(args.vms / float(results["limits"]["per_node"])) * args.seconds
    results["ideal_seconds"] = ideal
    ours, kubectl = results["ours"], results["kubectl"]
    results["ratios"] = {
        "ours_wall_vs_ideal": round(ours["wall_seconds"] / ideal, 3),
        "ours_module_vs_ideal": round(ours["module_seconds"] / ideal, 3) if ours["module_seconds"] else None,
        "kubectl_vs_ideal": round(kubectl["wall_seconds"] / ideal, 3),
        "ours_wall_vs_kubectl": round(ours["wall_seconds"] / kubectl["wall_seconds"], 3),
        "requests_ours_vs_kubectl": round(ours["api_requests"] / float(kubectl["api_requests"] or 1), 3),
    }
    rows = [("ideal ceil(%d/%d) x %gs" % (args.vms, per_node, args.seconds), ideal, "-", 1.0),
            ("node_maintenance (ansible-playbook wall)", ours["wall_seconds"], ours["api_requests"],
             results["ratios"]["ours_wall_vs_ideal"]),
            ("node_maintenance (module drain time)", ours["module_seconds"], ours["api_requests"],
             results["ratios"]["ours_module_vs_ideal"]),
            ("kubectl drain", kubectl["wall_seconds"], kubectl["api_requests"], results["ratios"]["kubectl_vs_ideal"])]
    print("%-44s %10s %10s %10s" % ("drain of %s (%d VMs, %d pods)" % (NODE, args.vms, args.pods), "seconds",
                                    "requests", "x ideal"))
    for name, seconds, requests, ratio in rows:
        print("%-44s %10s %10s %10s" % (name, seconds, requests, ratio))
    print("ours: migration seconds %s, slot refill %s, ansible-playbook start-up outside the module %ss" % (
        ours["migration_seconds"], ours["slot_refill_seconds"], ours["ansible_overhead_seconds"]))
    print("ours / kubectl: time %.3f, requests %.3f; left on node (VMs, pods): ours %s, kubectl %s" % (
        results["ratios"]["ours_wall_vs_kubectl"], results["ratios"]["requests_ours_vs_kubectl"],
        ours["left_on_node"], kubectl["left_on_node"]))
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "drain.json"), "w") as handle:
        json.dump(results, handle, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
