"""Measurements and output shared by the lab benchmarks (not a benchmark itself: bench/run.py skips _ files)."""
import json
import os
import statistics
import time


def rss_mib() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure_list(http, url, headers) -> dict:
    """Three LISTs of all pods: the fastest transfer, the same with the client's JSON decoding, and the first."""
    timings, size, items = [], 0, 0
    for _ in range(3):
        started = time.perf_counter()
        response = http.request("GET", url + "/api/v1/pods", headers=headers)
        received = time.perf_counter()
        items = len(json.loads(response.data)["items"])
        timings.append((received - started, time.perf_counter() - started))
        size = len(response.data)
    return {"items": items, "bytes": size, "seconds": min(t[0] for t in timings),
            "seconds_with_decode": min(t[1] for t in timings), "first_seconds": timings[0][0]}


def measure_get(http, url, headers, pick_path, rng, samples) -> dict:
    """GET latency of the pods `pick_path(rng)` names (None: nothing to pick); only 200 answers count."""
    timings = []
    for _ in range(samples):
        path = pick_path(rng)
        if path is None:
            continue
        started = time.perf_counter()
        response = http.request("GET", url + path, headers=headers)
        if response.status == 200:
            timings.append(time.perf_counter() - started)
    return latency_summary(timings)


def latency_summary(timings) -> dict:
    """Sample count, median and 95th percentile in milliseconds of latencies in seconds (None without samples)."""
    ordered = sorted(timings)
    if not ordered:
        return {"samples": 0, "median_ms": None, "p95_ms": None}
    return {"samples": len(ordered), "median_ms": statistics.median(ordered) * 1000,
            "p95_ms": ordered[int(len(ordered) * 0.95)] * 1000}


def print_targets(rows, width_ours=12):
    """rows: (measure, our figure, target, met) -> a table, one line per measure."""
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'ours':>{width_ours}}  {'target':>{width_ours}}  ok")
    for name, ours, target, ok in rows:
        print(f"{name:<{width}}  {ours:>{width_ours}}  {target:>{width_ours}}  {'yes' if ok else 'NO'}")


def write_result(path, result):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        json.dump(result, handle, indent=2)
