"""Time constants of the simulated cluster: the `realistic` preset holds Kubernetes/OpenShift defaults, `fast`
shrinks them for tests. `lab.overrides` may replace any field by name ("node_monitor_grace_seconds" or
"node-monitor-grace"); keys that are not ours belong to other components and are ignored."""

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Timings:
    lease_duration_seconds: int          # spec.leaseDurationSeconds of node leases
    lease_renew_seconds: float           # kubelet renews its lease this often (kubelet: 1/4 of the duration)
    node_status_report_seconds: float    # kubelet re-posts an unchanged node status this often
    node_monitor_period_seconds: float   # node lifecycle controller check interval
    node_monitor_grace_seconds: float    # Ready -> Unknown after this long without a heartbeat
    default_toleration_seconds: int      # DefaultTolerationSeconds for not-ready/unreachable NoExecute
    pod_start_seconds: float             # bound pod -> Running
    pod_stop_seconds: float              # containers exit after SIGTERM (bounded by the grace period)
    boot_seconds: float                  # power on -> kubelet up
    orphan_pod_quarantine_seconds: float  # pod GC waits this long before deleting pods of a vanished node
    disrupted_pod_timeout_seconds: float  # PDB disruptedPods entries expire after this
    scheduler_retry_seconds: float       # unschedulable pods are retried at least this often
    resync_seconds: float                # every controller re-lists everything this often
    node_eviction_rate: float = 0.1      # NoExecute taints added per second in a zone (--node-eviction-rate)
    secondary_node_eviction_rate: float = 0.01   # same in a partially disrupted zone of a large cluster
    unhealthy_zone_threshold: float = 0.55       # share of unhealthy nodes (and at least 3) = partial disruption
    large_cluster_size_threshold: int = 50       # smaller zones stop evicting when partially disrupted


PRESETS = {
    "realistic": Timings(
        lease_duration_seconds=40,
        lease_renew_seconds=10.0,
        node_status_report_seconds=300.0,
        node_monitor_period_seconds=5.0,
        node_monitor_grace_seconds=40.0,
        default_toleration_seconds=300,
        pod_start_seconds=2.0,
        pod_stop_seconds=1.0,
        boot_seconds=180.0,
        orphan_pod_quarantine_seconds=40.0,
        disrupted_pod_timeout_seconds=120.0,
        scheduler_retry_seconds=10.0,
        resync_seconds=30.0,
    ),
    "fast": Timings(
        lease_duration_seconds=2,
        lease_renew_seconds=0.25,
        node_status_report_seconds=5.0,
        node_monitor_period_seconds=0.1,
        node_monitor_grace_seconds=2.0,
        default_toleration_seconds=2,
        pod_start_seconds=0.1,
        pod_stop_seconds=0.05,
        boot_seconds=0.5,
        orphan_pod_quarantine_seconds=0.5,
        disrupted_pod_timeout_seconds=2.0,
        scheduler_retry_seconds=0.5,
        resync_seconds=2.0,
        node_eviction_rate=20.0,
        secondary_node_eviction_rate=2.0,
    ),
}


def _field_name(key: str) -> str:
    name = key.replace("-", "_")
    known = {f.name for f in fields(Timings)}
    if name in known:
        return name
    if f"{name}_seconds" in known:
        return f"{name}_seconds"
    return ""


def scaled_for_cluster(timings: Timings, node_count: int, overrides: dict | None = None) -> Timings:
    """Keeps heartbeat traffic bounded on big clusters (about 200 lease renewals per second at most): the renewal
    interval grows with the node count and the grace period stays at least four renewals. Values given in the
    overrides are kept as they are."""
    given = {_field_name(str(k)) for k in (overrides or {})}
    renew = timings.lease_renew_seconds
    if "lease_renew_seconds" not in given:
        renew = max(renew, node_count / 200.0)
    grace = timings.node_monitor_grace_seconds
    if "node_monitor_grace_seconds" not in given:
        grace = max(grace, 4 * renew)
    report = max(timings.node_status_report_seconds, node_count / 50.0)
    if "node_status_report_seconds" in given:
        report = timings.node_status_report_seconds
    resync = timings.resync_seconds
    if "resync_seconds" not in given:
        resync = max(resync, node_count / 50.0)
    return replace(timings, lease_renew_seconds=renew, node_monitor_grace_seconds=grace,
                   node_status_report_seconds=report, resync_seconds=resync)


def load_timings(preset: str = "fast", overrides: dict | None = None) -> Timings:
    if preset not in PRESETS:
        raise ValueError(f"unknown timing preset {preset!r}; use one of {sorted(PRESETS)}")
    base = PRESETS[preset]
    changes = {}
    types = {f.name: f.type for f in fields(Timings)}
    for key, value in (overrides or {}).items():
        name = _field_name(str(key))
        if name:
            changes[name] = int(value) if types[name] in (int, "int") else float(value)
    return replace(base, **changes)
