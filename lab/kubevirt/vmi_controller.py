"""VirtualMachineInstance controller: one virt-launcher pod per VMI and a VMI status that follows it.

Phases: Pending -> Scheduling (pod created) -> Scheduled (pod Running on a node) -> Running (domain booted)
-> Succeeded/Failed. A VMI whose node dies keeps its last status while the pod object exists; once the pod is
gone (force deletion, out-of-service taint) the VMI fails.
"""
import json
import time

from . import crds
from .launcher import MIGRATION_JOB_LABEL, launcher_pod, LAUNCHER_IMAGE
from .migratability import non_migratable_reason
from .objects import (find_condition, has_finalizer, is_deleting, labels_of, name_of, namespace_of,
                      set_condition, uid_of, vm_key, without_finalizer)
from .vm_controller import VMI_FINALIZER
from ..apiserver.errors import ApiError

NODE_NAME_LABEL = "kubevirt.io/nodeName"
FINAL = ("Succeeded", "Failed")


def _pod_phase(pod):
    return (pod.get("status") or {}).get("phase") or "Pending"


def current_pod(vmi: dict, pods: list) -> dict | None:
    """The launcher pod that runs (or will run) the VMI, migration targets excluded until they take over."""
    node = (vmi.get("status") or {}).get("nodeName")
    if node:
        on_node = [p for p in pods if (p.get("spec") or {}).get("nodeName") == node]
        active = [p for p in on_node if _pod_phase(p) not in FINAL]
        return (active or on_node or [None])[0]
    sources = [p for p in pods if MIGRATION_JOB_LABEL not in labels_of(p)]
    return sources[0] if sources else None


def pod_ready_condition(pod: dict) -> tuple[str, str, str]:
    if is_deleting(pod):
        return "False", "PodTerminating", "virt-launcher pod is terminating"
    ready = find_condition(pod, "Ready")
    if ready is None:
        return "False", "PodNotReady", "virt-launcher pod has not yet been scheduled"
    if ready.get("status") == "True":
        return "True", "", ""
    return "False", ready.get("reason") or "PodNotReady", ready.get("message") or ""


class VmiController:
    name = "kubevirt-vmi"

    def __init__(self, store, index, truth, settings: dict, clock_rfc3339, monotonic=time.monotonic):
        self.store = store
        self.index = index
        self.truth = truth
        self.settings = settings
        self.now = clock_rfc3339
        self.monotonic = monotonic
        self._scheduled_at: dict[str, float] = {}

    # -- reading ------------------------------------------------------------------------------------------
    def _peek(self, key, namespace, name):
        """The committed object itself (shared, read-only), or None."""
        try:
            return self.store.get_entry(key, namespace, name).obj
        except ApiError as error:
            if error.code == 404:
                return None
            raise

    def launcher_pods(self, vmi: dict) -> list:
        return self.index.launcher_pods(uid_of(vmi))

    def _pvc_access_modes(self, namespace):
        def lookup(claim):
            try:
                pvc = self.store.get("persistentvolumeclaims", namespace, claim)
            except (ApiError, KeyError):
                return None
            return (pvc.get("status") or {}).get("accessModes") or (pvc.get("spec") or {}).get("accessModes")
        return lookup

    def live_migratable(self, vmi: dict) -> tuple[str, str, str]:
        vm = None
        for ref in vmi["metadata"].get("ownerReferences") or []:
            if ref.get("kind") == "VirtualMachine":
                vm = self._peek(crds.VM_KEY, namespace_of(vmi), ref.get("name"))
        templates = ((vm or {}).get("spec") or {}).get("dataVolumeTemplates") or []
        annotations = dict((vm or {}).get("metadata", {}).get("annotations") or {})
        annotations.update(vmi["metadata"].get("annotations") or {})
        found = non_migratable_reason(vmi.get("spec") or {}, annotations, templates,
                                      self._pvc_access_modes(namespace_of(vmi)))
        if found is None:
            return "True", "", ""
        return "False", found[0], found[1]

    # -- the pass -----------------------------------------------------------------------------------------
    def sync(self, namespace: str, name: str) -> float | None:
        """Reconcile one VMI; returns seconds after which it wants another pass, or None."""
        vmi = self._peek(crds.VMI_KEY, namespace, name)
        if vmi is None:
            return None
        pods = self.launcher_pods(vmi)
        if is_deleting(vmi):
            return self._finalize(vmi, pods)
        phase = (vmi.get("status") or {}).get("phase") or ""
        if phase in FINAL:
            return None
        if phase == "":
            self._write(vmi, {"phase": "Pending"}, conditions=[
                ("Ready", "False", "GuestNotRunning", "Guest VM is not reported as running")])
            return 0.0
        pod = current_pod(vmi, pods)
        if phase == "Pending":
            if pod is None:
                pod = launcher_pod(vmi, int(self.settings["launcher_grace_extra_seconds"]))
                created = self.store.create("pods", pod, copy=False)
                self.index.put("pods", created)
            self._write(vmi, {"phase": "Scheduling"})
            return None
        if pod is None:
            return self._pod_vanished(vmi)
        pod_phase = _pod_phase(pod)
        if pod_phase in FINAL:
            return self._pod_finished(vmi, pod)
        if phase == "Scheduling":
            return self._scheduling(vmi, pod)
        if phase == "Scheduled":
            return self._booting(vmi, pod)
        return self._running(vmi, pod)

    def _scheduling(self, vmi, pod):
        scheduled = find_condition(pod, "PodScheduled")
        node = (pod.get("spec") or {}).get("nodeName")
        if not node:
            if scheduled and scheduled.get("status") == "False":
                self._write(vmi, {}, conditions=[("PodScheduled", "False", scheduled.get("reason", ""),
                                                  scheduled.get("message", ""))])
            return None
        if _pod_phase(pod) != "Running":
            self._write(vmi, {}, conditions=[("PodScheduled", "True", "", "")])
            return None
        self._scheduled_at[uid_of(vmi)] = self.monotonic()
        self._write(vmi, {"phase": "Scheduled", "nodeName": node, "activePods": {uid_of(pod): node},
                          "launcherContainerImageVersion": LAUNCHER_IMAGE, "qosClass": "Burstable",
                          "migrationMethod": "LiveMigration", "migrationTransport": "Unix", "guestOSInfo": {}},
                    conditions=[("PodScheduled", "True", "", "")], node_label=node)
        return float(self.settings["vmi_boot_seconds"])

    def _booting(self, vmi, pod):
        started = self._scheduled_at.get(uid_of(vmi))
        if started is not None:
            remaining = float(self.settings["vmi_boot_seconds"]) - (self.monotonic() - started)
            if remaining > 0:
                return remaining
        node = (pod.get("spec") or {}).get("nodeName")
        self._scheduled_at.pop(uid_of(vmi), None)
        self.truth.started(vm_key(namespace_of(vmi), name_of(vmi)), node, uid_of(pod))
        return self._running(vmi, pod, extra={"phase": "Running"})

    def _running(self, vmi, pod, extra=None):
        ready = pod_ready_condition(pod)
        migratable = self.live_migratable(vmi)
        fields = dict(extra or {})
        pod_ip = (pod.get("status") or {}).get("podIP")
        if pod_ip:
            fields["interfaces"] = [{"name": "default", "infoSource": "domain, guest-agent",
                                     "ipAddress": pod_ip, "ipAddresses": [pod_ip]}]
        self._write(vmi, fields, conditions=[("Ready",) + ready, ("LiveMigratable",) + migratable])
        return None

    def _pod_finished(self, vmi, pod):
        phase = "Succeeded" if _pod_phase(pod) == "Succeeded" else "Failed"
        self._write(vmi, {"phase": phase, "reason": "" if phase == "Succeeded" else "PodFailed"},
                    conditions=[("Ready", "False", "PodCompleted" if phase == "Succeeded" else "PodFailed",
                                 "virt-launcher pod has completed")])
        return None

    def _pod_vanished(self, vmi):
        phase = (vmi.get("status") or {}).get("phase")
        if phase == "Scheduling":
            self._write(vmi, {"phase": "Failed", "reason": "PodNotExists"})
        else:
            self._write(vmi, {"phase": "Failed", "reason": "PodNotExists"}, conditions=[
                ("Ready", "False", "PodNotExists", "virt-launcher pod has been deleted")])
        return None

    def _finalize(self, vmi, pods):
        for pod in pods:
            if not is_deleting(pod):
                try:
                    result, gone = self.store.delete_ex("pods", namespace_of(pod), name_of(pod),
                                                        preconditions={"uid": uid_of(pod)}, copy=False)
                    self.index.apply("DELETED" if gone else "MODIFIED", "pods", result)
                except ApiError as error:
                    if error.code not in (404, 409):
                        raise
        if pods:
            return None     # the kubelet has not finished them yet (or their node is gone)
        if (vmi.get("status") or {}).get("phase") not in FINAL:
            self._write(vmi, {"phase": "Succeeded"}, conditions=[
                ("Ready", "False", "PodNotExists", "virt-launcher pod has been deleted")])
        if has_finalizer(vmi, VMI_FINALIZER):
            try:
                self.store.mutate(crds.VMI_KEY, namespace_of(vmi), name_of(vmi),
                                  lambda obj: without_finalizer(obj, VMI_FINALIZER), copy=False)
            except ApiError as error:
                if error.code != 404:
                    raise
        return None

    # -- writing ------------------------------------------------------------------------------------------
    def _write(self, vmi, fields: dict, conditions=(), node_label: str | None = None):
        now = self.now()
        uid = uid_of(vmi)

        def apply(obj):
            if uid_of(obj) != uid:
                return None
            status = obj.setdefault("status", {})
            before = repr(status)
            if "phase" in fields and fields["phase"] != status.get("phase"):
                status.setdefault("phaseTransitionTimestamps", []).append(
                    {"phase": fields["phase"], "phaseTransitionTimestamp": now})
            for key, value in fields.items():
                if value == "" and key == "reason":
                    status.pop("reason", None)
                else:
                    status[key] = value
            merged = list(status.get("conditions") or [])
            for type_, state, reason, message in conditions:
                current = next((c for c in merged if c.get("type") == type_), None)
                if current and current.get("status") == state and current.get("reason", "") == reason \
                        and current.get("message", "") == message:
                    continue
                merged = set_condition(merged, type_, state, reason, message, now)
            status["conditions"] = merged
            return obj if repr(status) != before else None
        # vmi is shared and read-only: the no-change check runs on a copy of its status only
        probe = dict(vmi, status=json.loads(json.dumps(vmi.get("status") or {})))
        if apply(probe) is None and not (node_label and labels_of(vmi).get(NODE_NAME_LABEL) != node_label):
            return      # nothing to write: spare the store a read-modify-write
        try:
            updated = self.store.mutate(crds.VMI_KEY, namespace_of(vmi), name_of(vmi), apply, subresource="status",
                                        copy=False)
            if updated is not None:
                self.index.put(crds.VMI_KEY, updated)
            if node_label and labels_of(vmi).get(NODE_NAME_LABEL) != node_label:
                self.set_node_label(namespace_of(vmi), name_of(vmi), node_label)
        except ApiError as error:
            if error.code != 404:
                raise

    def set_node_label(self, namespace, name, node):
        def apply(obj):
            labels = obj["metadata"].setdefault("labels", {})
            if labels.get(NODE_NAME_LABEL) == node:
                return None
            labels[NODE_NAME_LABEL] = node
            return obj
        self.store.mutate(crds.VMI_KEY, namespace, name, apply, copy=False)
