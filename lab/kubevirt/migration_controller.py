"""Live migration controller: limits, the phase walk, the target pod, the handover and the history GC."""
import time

from . import crds
from .faults import INJECTED_FAILURE
from .launcher import guest_memory_bytes, migration_target_pod
from .migration_admission import MIGRATION_FINALIZER, VMI_NAME_LABEL, mutate_migration
from .migration_plan import (FINAL_PHASES, IN_FLIGHT_PHASES, abort_reason, admissible, finished_to_collect,
                             migration_timing, phase_of)
from .objects import find_condition, is_deleting, labels_of, name_of, namespace_of, uid_of, vm_key, \
    without_finalizer
from .vmi_controller import NODE_NAME_LABEL, current_pod
from ..apiserver.errors import ApiError

ADMIT = ("admit",)
STEPS = {"Scheduled": "PreparingTarget", "PreparingTarget": "TargetReady", "TargetReady": "Running"}


def _pod_phase(pod):
    return ((pod or {}).get("status") or {}).get("phase") or "Pending"


class MigrationController:
    name = "kubevirt-migration"

    def __init__(self, store, index, truth, settings, cluster_config, faults, clock_rfc3339, requeue,
                 monotonic=time.monotonic, machines=None):
        self.store = store
        self.index = index
        self.truth = truth
        self.settings = settings
        self.cluster_config = cluster_config
        self.faults = faults
        self.now = clock_rfc3339
        self.requeue = requeue              # requeue(delay, item)
        self.monotonic = monotonic
        self._runs: dict[str, dict] = {}    # migration uid -> {"since", "copy_started", "timing", "fate"}
        self.machines = machines            # lab.cluster's Machines: a dead or cut-off host breaks the migration

    def _get(self, key, namespace, name):
        try:
            return self.store.get(key, namespace, name)
        except ApiError as error:
            if error.code == 404:
                return None
            raise

    # -- entry point ----------------------------------------------------------------------------------------
    def sync(self, item):
        if item == ADMIT:
            return self.admit()
        namespace, name = item
        migration = self._get(crds.VMIM_KEY, namespace, name)
        if migration is None:
            return None
        vmi = self._get(crds.VMI_KEY, namespace, (migration.get("spec") or {}).get("vmiName"))
        phase = phase_of(migration)
        if is_deleting(migration):
            if phase not in FINAL_PHASES and phase not in ("", "Pending"):
                self._fail(migration, vmi, "Migration aborted: the migration object was deleted")
            self._release(migration)
            self.requeue(0, ADMIT)
            return None
        if phase == "":
            self._initialize(migration)
            return None
        if phase in FINAL_PHASES:
            return None
        if vmi is None or (vmi.get("status") or {}).get("phase") != "Running":
            self._fail(migration, vmi, "VMI is not running" if vmi is not None else "VMI does not exist")
            return None
        if phase == "Pending":
            self.requeue(0, ADMIT)
            return None
        return self._advance(migration, vmi, phase)

    # -- Pending ----------------------------------------------------------------------------------------------
    def _initialize(self, migration):
        if VMI_NAME_LABEL not in labels_of(migration) or MIGRATION_FINALIZER not in \
                (migration["metadata"].get("finalizers") or []):
            def label(obj):
                mutate_migration(obj)
                return obj
            self.store.mutate(crds.VMIM_KEY, namespace_of(migration), name_of(migration), label, copy=False)
        self._set_phase(migration, "Pending")
        self.requeue(0, ADMIT)

    def admit(self):
        config = self.cluster_config().migrations
        for migration in admissible(self.index.all_migrations(), self.index.vmi_nodes(), config):
            fresh = self._get(crds.VMIM_KEY, namespace_of(migration), name_of(migration))
            if fresh is None or phase_of(fresh) != "Pending" or is_deleting(fresh):
                continue
            vmi = self._get(crds.VMI_KEY, namespace_of(fresh), fresh["spec"].get("vmiName"))
            if vmi is None or (vmi.get("status") or {}).get("phase") != "Running":
                self._fail(fresh, vmi, "VMI is not running" if vmi is not None else "VMI does not exist")
                continue
            self._start(fresh, vmi)
        return None

    def _start(self, migration, vmi):
        source_node = (vmi.get("status") or {}).get("nodeName")
        source = current_pod(vmi, self.index.launcher_pods(uid_of(vmi)))
        target = self.store.create("pods", migration_target_pod(
            vmi, migration, source_node, int(self.settings["launcher_grace_extra_seconds"])), copy=False)
        self.index.put("pods", target)
        state = {"migrationUid": uid_of(migration), "sourceNode": source_node,
                 "sourcePod": name_of(source) if source else "", "targetPod": name_of(target),
                 "mode": "PreCopy", "completed": False, "failed": False}
        self._runs[uid_of(migration)] = {"since": self.monotonic()}
        self._write_vmi_state(vmi, state, replace=True)
        self._set_phase(migration, "Scheduling", state)
        self.requeue(float(self.settings["unschedulable_target_timeout"]), (namespace_of(migration),
                                                                            name_of(migration)))

    # -- Scheduling .. Running -----------------------------------------------------------------------------
    def _advance(self, migration, vmi, phase):
        uid = uid_of(migration)
        run = self._runs.setdefault(uid, {"since": self.monotonic()})
        state = dict((migration.get("status") or {}).get("migrationState") or {})
        pods = {name_of(p): p for p in self.index.launcher_pods(uid_of(vmi))}
        target = pods.get(state.get("targetPod"))
        source = pods.get(state.get("sourcePod"))
        if target is None or _pod_phase(target) in FINAL_PHASES or is_deleting(target):
            return self._fail(migration, vmi, "target pod is down")
        if source is None or _pod_phase(source) in FINAL_PHASES:
            return self._fail(migration, vmi, "source pod is down")
        for role, node in (("source", state.get("sourceNode")), ("target", (target.get("spec") or {}).get("nodeName"))):
            if node and not self._host_reachable(node):
                return self._fail(migration, vmi, f"migration {role} node {node} is unreachable")
        if phase == "Scheduling":
            return self._scheduling(migration, vmi, run, state, target)
        if phase in STEPS:
            step = float(self.settings["migration_step_seconds"])
            waited = self.monotonic() - run["since"]
            if waited < step:
                return self._later(migration, step - waited)
            if STEPS[phase] == "Running":
                return self._begin_copy(migration, vmi, run, state)
            run["since"] = self.monotonic()
            self._set_phase(migration, STEPS[phase], state)
            return self._later(migration, step)
        return self._copying(migration, vmi, run, state, target)

    def _host_reachable(self, node) -> bool:
        if self.machines is None:
            return True
        try:
            return self.machines.is_powered(node) and not self.machines.is_partitioned(node)
        except KeyError:
            return True

    def _scheduling(self, migration, vmi, run, state, target):
        node = (target.get("spec") or {}).get("nodeName")
        if not node:
            scheduled = find_condition(target, "PodScheduled")
            waited = self.monotonic() - run["since"]
            limit = float(self.settings["unschedulable_target_timeout"])
            if scheduled and scheduled.get("status") == "False" and waited >= limit:
                return self._fail(migration, vmi, f"target pod was unschedulable for {int(limit)} seconds: "
                                                  f"{scheduled.get('message', '')}".rstrip(": "))
            return None
        if _pod_phase(target) != "Running":
            return None
        state["targetNode"] = node
        run["since"] = self.monotonic()
        self._write_vmi_state(vmi, {"targetNode": node})
        self._set_phase(migration, "Scheduled", state)
        return self._later(migration, float(self.settings["migration_step_seconds"]))

    def _begin_copy(self, migration, vmi, run, state):
        timing = migration_timing(guest_memory_bytes(vmi.get("spec") or {}), self.cluster_config().migrations,
                                  self.settings)
        run.update(since=self.monotonic(), timing=timing,
                   fate=self.faults.draw(namespace_of(vmi), name_of(vmi)))
        state["startTimestamp"] = self.now()
        self._write_vmi_state(vmi, {"startTimestamp": state["startTimestamp"],
                                    "targetNodeAddress": state.get("targetNode", "")})
        self._set_phase(migration, "Running", state)
        return self._later(migration, min(timing.copy_seconds, timing.completion_timeout))

    def _copying(self, migration, vmi, run, state, target):
        timing = run.get("timing")
        if timing is None:      # the lab restarted its controllers mid-copy: start the copy over
            return self._begin_copy(migration, vmi, run, state)
        elapsed = self.monotonic() - run["since"]
        fate = run.get("fate")
        if fate == "fail" and elapsed >= timing.copy_seconds / 2:
            return self._fail(migration, vmi, INJECTED_FAILURE)
        reason = abort_reason(elapsed, timing, stalled=fate == "stall")
        if reason is not None and (fate == "stall" or elapsed < timing.copy_seconds):
            return self._fail(migration, vmi, reason, abort=True)
        if fate != "stall" and elapsed >= timing.copy_seconds:
            return self._succeed(migration, vmi, state, target)
        if fate == "fail":
            return self._later(migration, timing.copy_seconds / 2 - elapsed)
        horizon = timing.progress_timeout if fate == "stall" else min(timing.copy_seconds,
                                                                      timing.completion_timeout)
        return self._later(migration, max(0.0, horizon - elapsed))

    # -- endings ------------------------------------------------------------------------------------------------
    def _succeed(self, migration, vmi, state, target):
        source_node = state.get("sourceNode")
        target_node = (target.get("spec") or {}).get("nodeName")
        end = self.now()
        state.update(completed=True, failed=False, endTimestamp=end, targetNode=target_node)

        def handover(obj):
            if uid_of(obj) != uid_of(vmi):
                return None
            status = obj.setdefault("status", {})
            status["nodeName"] = target_node
            status["activePods"] = {uid_of(target): target_node}
            status["migrationState"] = dict(status.get("migrationState") or {}, **state)
            if status.get("evacuationNodeName") == source_node:
                status.pop("evacuationNodeName", None)
            return obj
        moved = self.store.mutate(crds.VMI_KEY, namespace_of(vmi), name_of(vmi), handover, subresource="status",
                                  copy=False)
        if moved is not None:
            self.index.put(crds.VMI_KEY, moved)
        self._relabel_vmi(vmi, target_node)
        self.truth.moved(vm_key(namespace_of(vmi), name_of(vmi)), source_node, target_node, uid_of(target))
        self._complete_source(namespace_of(vmi), state.get("sourcePod"))
        self._set_phase(migration, "Succeeded", state)
        return self._finish(migration, vmi)

    def _fail(self, migration, vmi, reason, abort=False):
        state = dict((migration.get("status") or {}).get("migrationState") or {})
        state.update(completed=False, failed=True, failureReason=reason, endTimestamp=self.now())
        if abort:
            state["abortRequested"] = True
            state["abortStatus"] = "Succeeded"
        target_name = state.get("targetPod")
        if target_name:
            self._delete_pod(namespace_of(migration), target_name)
        if vmi is not None and ((vmi.get("status") or {}).get("migrationState") or {}).get("migrationUid") \
                == uid_of(migration):
            self._write_vmi_state(vmi, {k: state[k] for k in ("completed", "failed", "failureReason",
                                                               "endTimestamp") if k in state}
                                  | ({"abortRequested": True, "abortStatus": "Succeeded"} if abort else {}))
        self._set_phase(migration, "Failed", state)
        return self._finish(migration, vmi)

    def _finish(self, migration, vmi):
        self._runs.pop(uid_of(migration), None)
        self.requeue(0, ADMIT)
        vmi_name = (migration.get("spec") or {}).get("vmiName")
        for old in finished_to_collect(self.index.migrations_of(namespace_of(migration), vmi_name)):
            self._release(old)
            try:
                self.store.delete(crds.VMIM_KEY, namespace_of(old), name_of(old),
                                  preconditions={"uid": uid_of(old)})
            except ApiError as error:
                if error.code not in (404, 409):
                    raise
        return None

    def _release(self, migration):
        try:
            self.store.mutate(crds.VMIM_KEY, namespace_of(migration), name_of(migration),
                              lambda obj: without_finalizer(obj, MIGRATION_FINALIZER), copy=False)
        except ApiError as error:
            if error.code != 404:
                raise

    # -- writes -------------------------------------------------------------------------------------------------
    def _later(self, migration, delay):
        self.requeue(max(0.0, delay), (namespace_of(migration), name_of(migration)))
        return None

    def _set_phase(self, migration, phase, state=None):
        now = self.now()

        def apply(obj):
            if uid_of(obj) != uid_of(migration):
                return None
            status = obj.setdefault("status", {})
            changed = status.get("phase") != phase
            if changed:
                status["phase"] = phase
                status.setdefault("phaseTransitionTimestamps", []).append(
                    {"phase": phase, "phaseTransitionTimestamp": now})
            if state is not None and status.get("migrationState") != state:
                status["migrationState"] = dict(state)
                changed = True
            return obj if changed else None
        try:
            updated = self.store.mutate(crds.VMIM_KEY, namespace_of(migration), name_of(migration), apply,
                                        subresource="status", copy=False)
        except ApiError as error:
            if error.code != 404:
                raise
            return
        if updated is not None:
            self.index.put(crds.VMIM_KEY, updated)

    def _write_vmi_state(self, vmi, fields, replace=False):
        def apply(obj):
            if uid_of(obj) != uid_of(vmi):
                return None
            status = obj.setdefault("status", {})
            status["migrationState"] = dict(fields) if replace else dict(status.get("migrationState") or {},
                                                                          **fields)
            return obj
        try:
            updated = self.store.mutate(crds.VMI_KEY, namespace_of(vmi), name_of(vmi), apply, subresource="status",
                                        copy=False)
        except ApiError as error:
            if error.code != 404:
                raise
            return
        if updated is not None:
            self.index.put(crds.VMI_KEY, updated)

    def _relabel_vmi(self, vmi, node):
        def apply(obj):
            labels = obj["metadata"].setdefault("labels", {})
            if labels.get(NODE_NAME_LABEL) == node:
                return None
            labels[NODE_NAME_LABEL] = node
            return obj
        try:
            self.store.mutate(crds.VMI_KEY, namespace_of(vmi), name_of(vmi), apply, copy=False)
        except ApiError as error:
            if error.code != 404:
                raise

    def _complete_source(self, namespace, pod_name):
        """The source virt-launcher exits once the guest runs on the target; KubeVirt then removes it."""
        if not pod_name:
            return

        def completed(obj):
            status = obj.setdefault("status", {})
            if status.get("phase") in FINAL_PHASES:
                return None
            status["phase"] = "Succeeded"
            for container in status.get("containerStatuses") or []:
                container["ready"] = False
                container["started"] = False
                container["state"] = {"terminated": {"exitCode": 0, "reason": "Completed",
                                                     "finishedAt": self.now()}}
            status["conditions"] = [dict(c, status="False") if c.get("type") in ("Ready", "ContainersReady")
                                    else c for c in status.get("conditions") or []]
            return obj
        try:
            updated = self.store.mutate("pods", namespace, pod_name, completed, subresource="status", copy=False)
            if updated is not None:
                self.index.put("pods", updated)
        except ApiError as error:
            if error.code != 404:
                raise
        self._delete_pod(namespace, pod_name)

    def _delete_pod(self, namespace, name):
        try:
            result, gone = self.store.delete_ex("pods", namespace, name, copy=False)
        except ApiError as error:
            if error.code != 404:
                raise
            return
        self.index.apply("DELETED" if gone else "MODIFIED", "pods", result)

    # -- what the lab status shows --------------------------------------------------------------------------------
    def in_flight(self) -> list:
        return [m for m in self.index.all_migrations() if phase_of(m) in IN_FLIGHT_PHASES + ("Pending",)]
