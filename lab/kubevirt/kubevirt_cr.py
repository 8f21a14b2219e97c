"""The KubeVirt CR and the cluster-wide configuration the controllers read from it on every pass.

The lab uses OpenShift Virtualization's name and namespace (HCO owns a KubeVirt CR called
kubevirt-kubevirt-hyperconverged in openshift-cnv) with HCO's default migration settings.
"""
from dataclasses import dataclass

from lab.quantity import parse_quantity

NAMESPACE = "openshift-cnv"
NAME = "kubevirt-kubevirt-hyperconverged"

DEFAULT_MIGRATIONS = {
    "parallelMigrationsPerCluster": 5,
    "parallelOutboundMigrationsPerNode": 2,
    "bandwidthPerMigration": "64Mi",
    "completionTimeoutPerGiB": 150,
    "progressTimeout": 150,
    "allowAutoConverge": False,
    "allowPostCopy": False,
}


def kubevirt_cr() -> dict:
    return {
        "apiVersion": "kubevirt.io/v1",
        "kind": "KubeVirt",
        "metadata": {"name": NAME, "namespace": NAMESPACE,
                     "labels": {"app": "kubevirt-hyperconverged", "app.kubernetes.io/managed-by": "hco-operator"}},
        "spec": {
            "certificateRotateStrategy": {},
            "configuration": {
                "developerConfiguration": {"featureGates": []},
                "evictionStrategy": "LiveMigrate",
                "migrations": dict(DEFAULT_MIGRATIONS),
            },
            "workloadUpdateStrategy": {"workloadUpdateMethods": ["LiveMigrate"]},
        },
    }


@dataclass(frozen=True)
class MigrationConfig:
    parallel_per_cluster: int
    parallel_outbound_per_node: int
    bandwidth_bytes_per_second: float   # 0 = unlimited
    completion_timeout_per_gib: float
    progress_timeout: float


@dataclass(frozen=True)
class ClusterConfig:
    migrations: MigrationConfig
    eviction_strategy: str | None


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def cluster_config(cr: dict | None) -> ClusterConfig:
    """Effective configuration; KubeVirt's own defaults fill what the CR leaves out."""
    configuration = ((cr or {}).get("spec") or {}).get("configuration") or {}
    migrations = configuration.get("migrations") or {}
    return ClusterConfig(
        migrations=MigrationConfig(
            parallel_per_cluster=_int(migrations.get("parallelMigrationsPerCluster"), 5),
            parallel_outbound_per_node=_int(migrations.get("parallelOutboundMigrationsPerNode"), 2),
            bandwidth_bytes_per_second=parse_quantity(migrations.get("bandwidthPerMigration")),
            completion_timeout_per_gib=float(_int(migrations.get("completionTimeoutPerGiB"), 150)),
            progress_timeout=float(_int(migrations.get("progressTimeout"), 150)),
        ),
        eviction_strategy=configuration.get("evictionStrategy") or None,
    )


def vmi_eviction_strategy(config: ClusterConfig, vmi: dict) -> str | None:
    """The VMI's own strategy wins; else the cluster-wide one; None means KubeVirt does not act."""
    return (vmi.get("spec") or {}).get("evictionStrategy") or config.eviction_strategy
