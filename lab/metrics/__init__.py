"""Metrics for the lab: load profiles, node_exporter-like series, descheduler recording rules, a Prometheus API
and metrics.k8s.io."""

from lab.metrics.component import MetricsComponent

__all__ = ["MetricsComponent"]
