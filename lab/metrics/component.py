"""MetricsComponent: seeded workload load, node_exporter/kube-state-metrics/KubeVirt series, the descheduler's
recording rules, a Prometheus-compatible HTTP API and metrics.k8s.io."""

from __future__ import annotations

from lab.metrics import resource_metrics
from lab.metrics.collector import Collector
from lab.metrics.prometheus_api import PrometheusServer

PRESETS = {
    "fast": {"scrape_interval": 1.0, "rule_interval": 1.0, "retention_seconds": 900.0, "backfill_seconds": 120.0,
             "cpu_series_per_node": 4, "noise_period": 10.0, "diurnal_period": 600.0, "spike_every": 120.0,
             "spike_length": 20.0, "large_scrape_interval": 10.0, "large_rule_interval": 30.0,
             "large_backfill_seconds": 60.0, "large_above_nodes": 50},
    "realistic": {"scrape_interval": 15.0, "rule_interval": 30.0, "retention_seconds": 3 * 3600.0,
                  "backfill_seconds": 600.0, "cpu_series_per_node": 8, "noise_period": 30.0,
                  "diurnal_period": 86400.0, "spike_every": 1800.0, "spike_length": 180.0,
                  "large_scrape_interval": 30.0, "large_rule_interval": 30.0, "large_backfill_seconds": 300.0,
                  "large_above_nodes": 50},
}


def settings(preset: str, overrides: dict | None, node_count: int) -> dict:
    values = dict(PRESETS.get(preset, PRESETS["fast"]))
    explicit = set()
    for key, value in (overrides or {}).items():
        if key.startswith("metrics_") and key[8:] in values:
            values[key[8:]] = float(value)
            explicit.add(key[8:])
    if node_count > values["large_above_nodes"]:
        # one Python process scrapes every node: large labs scrape less often
        for key in ("scrape_interval", "rule_interval", "backfill_seconds"):
            if key not in explicit:
                values[key] = values["large_" + key]
        values["rule_interval"] = max(values["rule_interval"], values["scrape_interval"])
    return values


class MetricsComponent:
    name = "metrics"

    def __init__(self, lab):
        self.lab = lab
        self.collector: Collector | None = None
        self.prometheus: PrometheusServer | None = None
        self.settings: dict = {}

    @property
    def prometheus_url(self) -> str | None:
        return self.prometheus.url if self.prometheus else None

    def start(self) -> None:
        if "cluster" not in getattr(self.lab, "components", {}):
            raise RuntimeError("the metrics component needs the cluster component (machines, ground truth) to run")
        machines = self.lab.component("cluster").machines
        self.settings = settings(getattr(self.lab, "preset", "fast"), getattr(self.lab, "overrides", None),
                                 len(machines.names()))
        self.collector = Collector(self.lab, self.settings)
        self.collector.start()
        self.prometheus = PrometheusServer(self.collector.evaluator, self.collector.series)
        self.prometheus.start()
        server = getattr(self.lab, "server", None)
        if server is not None and hasattr(server, "register_aggregated"):
            from lab.apiserver.selectors import parse_label_selector
            server.register_aggregated(resource_metrics.GROUP, resource_metrics.VERSION,
                                       resource_metrics.resource_types(),
                                       resource_metrics.handler(lambda: self.collector.usage, parse_label_selector,
                                                                self._node_labels, self._pod_labels))

    def stop(self) -> None:
        if self.prometheus is not None:
            self.prometheus.stop()
        if self.collector is not None:
            self.collector.stop()

    def _node_labels(self, name: str) -> dict:
        try:
            return self.lab.store.get_entry("nodes", None, name).obj["metadata"].get("labels") or {}
        except Exception:  # noqa: BLE001 - deleted node
            return {}

    def _pod_labels(self, namespace: str, name: str) -> dict:
        try:
            return self.lab.store.get_entry("pods", namespace, name).obj["metadata"].get("labels") or {}
        except Exception:  # noqa: BLE001
            return {}

    def inventory_vars(self) -> dict:
        return {"lab_prometheus_url": self.prometheus_url} if self.prometheus else {}

    def status(self) -> dict:
        if self.collector is None:
            return {"running": False}
        usage = self.collector.usage
        return {"running": True, "prometheus_url": self.prometheus_url,
                "scrape_interval": self.settings["scrape_interval"], "scrapes": self.collector.scrapes,
                "errors": self.collector.errors, "series": sum(1 for _ in self.collector.series.series(None)),
                "queries": self.prometheus.queries,
                "nodes": {n: {"cpu_cores": round(c, 2), "memory_bytes": int(m)} for n, (c, m) in usage.nodes.items()}}

    def render_status(self, status: dict) -> str:
        if not status.get("running"):
            return "Metrics: not running"
        lines = [f"Metrics: Prometheus API {status['prometheus_url']} (scrape every {status['scrape_interval']} s, "
                 f"{status['series']} series)"]
        for node, usage in sorted(status.get("nodes", {}).items()):
            lines.append(f"  {node:<20} cpu {usage['cpu_cores']:>7.2f} cores  memory "
                         f"{usage['memory_bytes'] / 2 ** 30:>7.1f} GiB")
        return "\n".join(lines)
