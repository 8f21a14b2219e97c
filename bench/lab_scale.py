"""Scale benchmark of the whole lab: the `large` scenario (500 nodes, 10,000 VMs) started in-process.

Reports the seconds until every VM's VMI is Running, the API's latency while the controllers work (GET of one pod
during the start-up, LIST of all pods and GET once everything runs), and resident memory. Prints a table with the
targets (issue 4 item 11, issue 3) and writes bench/results/lab_scale.json.
Run: .venv/bin/python bench/lab_scale.py [--nodes N --vms N --components cluster,kubevirt --timeout S]
Uses most of the machine for a few minutes; the lab is stopped at the end whatever happens.
"""
import argparse
import os
import random
import sys
import time

import urllib3

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lab.lab import Lab  # noqa: E402
from _measure import latency_summary, measure_get, measure_list, print_targets, rss_mib, write_result  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "lab_scale.json")
TARGET_START_SECONDS = 180.0
TARGET_LIST_SECONDS = 2.0
TARGET_GET_MS = 5.0


def running_vmis(lab) -> tuple[int, int]:
    """From KubeVirt's index (cheap), so that polling adds little load of its own."""
    vmis = lab.component("kubevirt").index.vmis()
    running = sum(1 for v in vmis if (v.get("status") or {}).get("phase") == "Running")
    return running, len(vmis)


def any_pod_path(lab):
    """A picker of one random pod's path among those the lab has now (None while it has none)."""
    def pick(rng):
        pods = lab.component("cluster").cache.list("pods")
        if not pods:
            return None
        meta = rng.choice(pods)["metadata"]
        return f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}"
    return pick


def wait_all_running(lab, http, headers, want, timeout, progress) -> dict:
    """Polls until `want` VMIs are Running; meanwhile samples GET latency (the API under the controllers' load)."""
    rng = random.Random(2)
    started = time.monotonic()
    under_load, timeline, last_print = [], [], 0.0
    while True:
        running, total = running_vmis(lab)
        now = time.monotonic() - started
        timeline.append((round(now, 1), total, running))
        if progress and now - last_print >= 10:
            print(f"  {now:6.0f} s: {total} VMIs, {running} Running", flush=True)
            last_print = now
        if running >= want or now > timeout:
            break
        sample = measure_get(http, lab.url, headers, any_pod_path(lab), rng, samples=1)
        if sample["samples"]:
            under_load.append(sample["median_ms"] / 1000)
        time.sleep(0.5)
    return {"seconds": time.monotonic() - started, "running": running, "vmis": total, "all_running": running >= want,
            "get_during_start": latency_summary(under_load),
            "timeline": timeline[::max(1, len(timeline) // 60)]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="large")
    parser.add_argument("--nodes", type=int, default=None)
    parser.add_argument("--vms", type=int, default=None)
    parser.add_argument("--components", default="cluster,kubevirt",
                        help='comma-separated lab components, or "all" (BMC emulator, OLM and metrics too)')
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--output", default=RESULTS)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    components = None if args.components == "all" else [c for c in args.components.split(",") if c]
    lab = Lab(scenario=args.scenario, nodes=args.nodes, vms=args.vms, components=components,
              bmc=components is None or "bmc" in components)
    begun = time.monotonic()
    try:
        lab.start()
        start_call = time.monotonic() - begun
        want = len(lab.component("cluster").scenario["vms"])
        headers = {"Authorization": f"Bearer {lab.token}", "Accept": "application/json"}
        http = urllib3.PoolManager()
        ramp = wait_all_running(lab, http, headers, want, args.timeout - start_call, not args.quiet)
        to_running = time.monotonic() - begun
        listing = measure_list(http, lab.url, headers)
        get = measure_get(http, lab.url, headers, any_pod_path(lab), random.Random(1), samples=300)
        rss = rss_mib()
        errors = {name: getattr(getattr(c, "runner", None), "errors", 0) for name, c in lab.components.items()}
        nodes = lab.store.count("nodes")
    finally:
        lab.stop()
    during = ramp["get_during_start"]
    rows = [
        ("Lab.start() (API server, components, VM objects)", f"{start_call:.1f} s", "-", True),
        (f"all {want} VMs Running, from the start", f"{to_running:.1f} s", f"< {TARGET_START_SECONDS:.0f} s",
         ramp["all_running"] and to_running < TARGET_START_SECONDS),
        ("GET one pod while VMs start, median",
         f"{during['median_ms']:.1f} ms" if during["median_ms"] is not None else "-", "-", True),
        ("GET one pod while VMs start, p95",
         f"{during['p95_ms']:.1f} ms" if during["p95_ms"] is not None else "-", "-", True),
        (f"LIST all pods ({listing['items']}, {listing['bytes'] / 1e6:.0f} MB), everything running",
         f"{listing['seconds']:.2f} s", f"< {TARGET_LIST_SECONDS:.0f} s", listing["seconds"] < TARGET_LIST_SECONDS),
        ("GET one pod, everything running, median", f"{get['median_ms']:.2f} ms", f"< {TARGET_GET_MS:.0f} ms",
         get["median_ms"] < TARGET_GET_MS),
        ("GET one pod, everything running, p95", f"{get['p95_ms']:.2f} ms", "-", True),
        ("resident memory (whole lab and bench client)", f"{rss:.0f} MiB", "< 2048 MiB", rss < 2048),
        ("controller errors", str(sum(errors.values())), "0", not any(errors.values())),
    ]
    print_targets(rows, width_ours=10)
    result = {"scenario": args.scenario, "nodes": nodes, "vms": want, "components": list(errors),
              "start_call_seconds": start_call, "all_running_seconds": to_running, "ramp": ramp,
              "list_all_pods": listing, "get_pod": get, "rss_mib": rss, "controller_errors": errors,
              "targets_met": all(r[3] for r in rows), "cpu_count": os.cpu_count(), "load_average": os.getloadavg()}
    write_result(args.output, result)
    return 0 if result["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
