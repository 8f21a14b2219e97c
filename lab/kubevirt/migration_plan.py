"""Pure decisions of the migration controllers: limits, durations and timeouts."""
from dataclasses import dataclass

from .kubevirt_cr import MigrationConfig

IN_FLIGHT_PHASES = ("Scheduling", "Scheduled", "PreparingTarget", "TargetReady", "Running",
                    "WaitingForSync", "Synchronizing")
FINAL_PHASES = ("Succeeded", "Failed")
PRIORITY_ORDER = {"system-critical": 0, "user-triggered": 1, "system-maintenance": 2}


def phase_of(migration: dict) -> str:
    return (migration.get("status") or {}).get("phase") or ""


def source_node_of(migration: dict, vmi_nodes: dict) -> str | None:
    state = (migration.get("status") or {}).get("migrationState") or {}
    if state.get("sourceNode"):
        return state["sourceNode"]
    key = (migration["metadata"].get("namespace"), (migration.get("spec") or {}).get("vmiName"))
    return vmi_nodes.get(key)


def admissible(migrations: list, vmi_nodes: dict, config: MigrationConfig) -> list:
    """Pending migrations that may start now without exceeding the cluster and per-node outbound limits.

    vmi_nodes maps (namespace, vmi name) -> the node the VMI runs on. Older migrations go first (priority first
    when set); a migration blocked by its node's limit does not block others from other nodes.
    """
    in_flight = [m for m in migrations if phase_of(m) in IN_FLIGHT_PHASES]
    total = len(in_flight)
    per_node: dict[str, int] = {}
    for migration in in_flight:
        node = source_node_of(migration, vmi_nodes)
        per_node[node] = per_node.get(node, 0) + 1
    pending = sorted((m for m in migrations if phase_of(m) == "Pending"
                      and not m["metadata"].get("deletionTimestamp")),
                     key=lambda m: (PRIORITY_ORDER.get((m.get("spec") or {}).get("priority"), 1),
                                    m["metadata"].get("creationTimestamp", ""),
                                    int(m["metadata"].get("resourceVersion") or 0)))
    chosen = []
    for migration in pending:
        if total >= config.parallel_per_cluster:
            break
        node = source_node_of(migration, vmi_nodes)
        if node is None or per_node.get(node, 0) >= config.parallel_outbound_per_node:
            continue
        chosen.append(migration)
        total += 1
        per_node[node] = per_node.get(node, 0) + 1
    return chosen


def evacuation_capacity(migrations: list, vmi_nodes: dict, config: MigrationConfig, node: str) -> int:
    """How many more migrations the evacuation controller may create for VMIs leaving node."""
    active = [m for m in migrations if phase_of(m) not in FINAL_PHASES]
    from_node = sum(1 for m in active if source_node_of(m, vmi_nodes) == node)
    return max(0, min(config.parallel_per_cluster - len(active), config.parallel_outbound_per_node - from_node))


@dataclass(frozen=True)
class MigrationTiming:
    copy_seconds: float          # how long the memory copy takes in lab time
    completion_timeout: float    # lab seconds before KubeVirt aborts for not completing
    progress_timeout: float      # lab seconds without progress before KubeVirt aborts
    completion_timeout_reported: int   # the seconds KubeVirt's message names (unscaled)
    progress_timeout_reported: int


def migration_timing(memory_bytes: float, config: MigrationConfig, settings: dict) -> MigrationTiming:
    scale = float(settings["migration_time_scale"])
    bandwidth = config.bandwidth_bytes_per_second or float(settings["migration_bandwidth"])
    fixed = settings.get("migration_seconds")
    copy_seconds = float(fixed) if fixed is not None else memory_bytes / bandwidth * scale
    gib = max(memory_bytes / 2 ** 30, 1.0 / 1024)
    completion = config.completion_timeout_per_gib * gib
    return MigrationTiming(copy_seconds=copy_seconds,
                           completion_timeout=completion * scale,
                           progress_timeout=config.progress_timeout * scale,
                           completion_timeout_reported=int(completion),
                           progress_timeout_reported=int(config.progress_timeout))


def abort_reason(elapsed: float, timing: MigrationTiming, stalled: bool) -> str | None:
    """KubeVirt's abort message when a Running migration exceeds a timeout, else None."""
    if stalled and elapsed >= timing.progress_timeout:
        return f"Live migration stuck for {timing.progress_timeout_reported} sec and has been aborted"
    if elapsed >= timing.completion_timeout:
        return (f"Live migration is not completed after {timing.completion_timeout_reported} sec "
                f"and has been aborted")
    return None


def finished_to_collect(migrations_of_vmi: list, keep: int = 5) -> list:
    """Finished migrations of one VMI beyond the newest `keep` (KubeVirt's garbage collection buffer)."""
    finished = [m for m in migrations_of_vmi if phase_of(m) in FINAL_PHASES
                and not m["metadata"].get("deletionTimestamp")]
    finished.sort(key=lambda m: (m["metadata"].get("creationTimestamp", ""),
                                 int(m["metadata"].get("resourceVersion") or 0)))
    return finished[:-keep] if len(finished) > keep else []
