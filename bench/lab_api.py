"""Scale benchmark of the lab API server: 500 nodes, 20,000 pods, 10,000 VMIs.

Objects are created directly through the store; reads and watches go over HTTP as clients do.
Prints our figures beside the targets of issue 3 and writes bench/results/lab_api.json.
Run: .venv/bin/python bench/lab_api.py [--nodes N --pods N --vmis N --watchers N --updates N]
"""
import argparse
import os
import random
import sys
import threading
import time

import urllib3

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lab.apiserver.resources import ResourceType  # noqa: E402
from lab.lab import Lab  # noqa: E402
from _measure import measure_get, measure_list, print_targets, rss_mib, write_result  # noqa: E402

VMI_KEY = "virtualmachineinstances.kubevirt.io"
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "lab_api.json")


def node(index):
    name = f"node-{index:03d}"
    return {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "node-role.kubernetes.io/worker": ""}},
            "spec": {"providerID": f"lab://{name}"},
            "status": {"capacity": {"cpu": "64", "memory": "256Gi", "pods": "250"},
                       "allocatable": {"cpu": "63", "memory": "250Gi", "pods": "250"},
                       "conditions": [{"type": t, "status": s, "reason": r, "lastHeartbeatTime": "2026-01-01T00:00:00Z",
                                       "lastTransitionTime": "2026-01-01T00:00:00Z"}
                                      for t, s, r in (("MemoryPressure", "False", "KubeletHasSufficientMemory"),
                                                      ("DiskPressure", "False", "KubeletHasNoDiskPressure"),
                                                      ("PIDPressure", "False", "KubeletHasSufficientPID"),
                                                      ("Ready", "True", "KubeletReady"))],
                       "nodeInfo": {"kubeletVersion": "v1.32.0", "systemUUID": f"uuid-{index}"}}}


def pod(index, nodes):
    owner = f"app-{index // 10}"
    return {"metadata": {"name": f"pod-{index:05d}", "namespace": f"ns-{index % 50}",
                         "labels": {"app": owner, "tier": "backend" if index % 3 else "frontend"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner,
                                              "uid": f"uid-{owner}", "controller": True, "blockOwnerDeletion": True}]},
            "spec": {"nodeName": nodes[index % len(nodes)], "restartPolicy": "Always",
                     "terminationGracePeriodSeconds": 30, "schedulerName": "default-scheduler",
                     "containers": [{"name": "app", "image": "registry.example/app:1.0",
                                     "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                                     "ports": [{"containerPort": 8080, "protocol": "TCP"}]}],
                     "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                      "effect": "NoExecute", "tolerationSeconds": 300},
                                     {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                      "effect": "NoExecute", "tolerationSeconds": 300}]},
            "status": {"phase": "Running", "podIP": f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256}",
                       "conditions": [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}]}}


def vmi(index, nodes):
    return {"metadata": {"name": f"vm-{index:05d}", "namespace": f"vms-{index % 20}", "labels": {"kubevirt.io/vm": f"vm-{index:05d}"}},
            "spec": {"domain": {"cpu": {"cores": 2}, "memory": {"guest": "4Gi"}, "devices": {}},
                     "evictionStrategy": "LiveMigrate"},
            "status": {"phase": "Running", "nodeName": nodes[index % len(nodes)],
                       "conditions": [{"type": "Ready", "status": "True"}, {"type": "LiveMigratable", "status": "True"}]}}


def populate(lab, counts) -> float:
    if not lab.registry.has(VMI_KEY):
        lab.registry.register(ResourceType("kubevirt.io", "v1", "virtualmachineinstances", "VirtualMachineInstance",
                                           True, "virtualmachineinstance", ("vmi", "vmis"), ("all",), ("status",)))
    store = lab.store
    started = time.perf_counter()
    for index in range(50):
        store.create("namespaces", {"metadata": {"name": f"ns-{index}"}})
    for index in range(20):
        store.create("namespaces", {"metadata": {"name": f"vms-{index}"}})
    names = []
    for index in range(counts.nodes):
        names.append(store.create("nodes", node(index))["metadata"]["name"])
    for index in range(counts.pods):
        store.create("pods", pod(index, names))
    for index in range(counts.vmis):
        store.create(VMI_KEY, vmi(index, names))
    return time.perf_counter() - started


def pod_path(index) -> str:
    return f"/api/v1/namespaces/ns-{index % 50}/pods/pod-{index:05d}"


def measure_watchers(lab, headers, counts, watchers, updates) -> dict:
    rv = lab.store.current_resource_version
    received = [0] * watchers
    done = [None] * watchers
    ready = threading.Barrier(watchers + 1)

    def consume(slot):
        http = urllib3.PoolManager()
        response = http.request("GET", f"{lab.url}/api/v1/pods?watch=1&resourceVersion={rv}&timeoutSeconds=120",
                                headers=headers, preload_content=False)
        ready.wait()
        buffer = b""
        for chunk in response.stream(65536):
            buffer += chunk
            lines = buffer.split(b"\n")
            buffer = lines.pop()
            received[slot] += len(lines)
            if received[slot] >= updates:
                done[slot] = time.perf_counter()
                response.release_conn()
                return

    threads = [threading.Thread(target=consume, args=(slot,), daemon=True) for slot in range(watchers)]
    for thread in threads:
        thread.start()
    ready.wait()
    rng = random.Random(2)
    started = time.perf_counter()
    for step in range(updates):
        index = rng.randrange(counts.pods)

        def touch(obj, step=step):
            obj["metadata"].setdefault("annotations", {})["bench/step"] = str(step)
            return obj
        lab.store.mutate("pods", f"ns-{index % 50}", f"pod-{index:05d}", touch)
    written = time.perf_counter()
    for thread in threads:
        thread.join(timeout=120)
    finished = [t for t in done if t is not None]
    return {"watchers": watchers, "updates": updates, "write_seconds": written - started,
            "all_received": len(finished) == watchers and all(r >= updates for r in received),
            "last_event_lag_seconds": (max(finished) - written) if finished else None,
            "events_per_second_per_watcher": updates / ((max(finished) if finished else time.perf_counter()) - started)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--pods", type=int, default=20000)
    parser.add_argument("--vmis", type=int, default=10000)
    parser.add_argument("--watchers", type=int, default=20)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--output", default=RESULTS)
    counts = parser.parse_args(argv)
    with Lab(components=[]) as lab:
        headers = {"Authorization": f"Bearer {lab.token}", "Accept": "application/json"}
        populate_seconds = populate(lab, counts)
        http = urllib3.PoolManager()
        listing = measure_list(http, lab.url, headers)
        get = measure_get(http, lab.url, headers, lambda rng: pod_path(rng.randrange(counts.pods)),
                          random.Random(1), samples=400)
        watch = measure_watchers(lab, headers, counts, counts.watchers, counts.updates)
        rss = rss_mib()
    rows = [
        ("objects created through the store", f"{populate_seconds:.1f} s", "-", True),
        (f"LIST all pods ({listing['items']}, {listing['bytes'] / 1e6:.0f} MB)", f"{listing['seconds']:.2f} s",
         "< 2 s", listing["seconds"] < 2),
        ("  the same, JSON decoded by the client", f"{listing['seconds_with_decode']:.2f} s", "-", True),
        ("GET one pod, median", f"{get['median_ms']:.2f} ms", "< 5 ms", get["median_ms"] < 5),
        ("GET one pod, p95", f"{get['p95_ms']:.2f} ms", "-", True),
        (f"{watch['watchers']} watchers x {watch['updates']} updates all received", str(watch["all_received"]),
         "True", watch["all_received"]),
        ("  lag of the last event after the last write",
         f"{watch['last_event_lag_seconds']:.2f} s" if watch["last_event_lag_seconds"] is not None else "-", "-", True),
        ("resident memory (server and bench client)", f"{rss:.0f} MiB", "< 2048 MiB", rss < 2048),
    ]
    print_targets(rows)
    result = {"counts": {"nodes": counts.nodes, "pods": counts.pods, "vmis": counts.vmis},
              "populate_seconds": populate_seconds, "list_all_pods": listing, "get_pod": get, "watch": watch,
              "rss_mib": rss, "targets_met": all(r[3] for r in rows), "cpu_count": os.cpu_count(),
              "load_average": os.getloadavg()}
    write_result(counts.output, result)
    return 0 if result["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
