"""VirtualMachine controller: run strategies, state change requests, the VMI lifecycle and VM status."""
import copy
from dataclasses import dataclass, field

from . import crds
from .objects import (find_condition, has_finalizer, is_deleting, annotations_of, name_of,
                      namespace_of, owner_reference, set_condition, uid_of, with_finalizer, without_finalizer)
from .launcher import INITIAL_NODE_ANNOTATION
from ..apiserver.errors import ApiError

VM_FINALIZER = "kubevirt.io/virtualMachineControllerFinalize"
VMI_FINALIZER = "foregroundDeleteVirtualMachine"
FINAL_PHASES = ("Succeeded", "Failed")


def run_strategy(vm: dict) -> str:
    spec = vm.get("spec") or {}
    if spec.get("runStrategy"):
        return spec["runStrategy"]
    return "Always" if spec.get("running") is True else "Halted"


def _requests(vm: dict) -> list:
    return list((vm.get("status") or {}).get("stateChangeRequests") or [])


def _has(requests: list, action: str) -> bool:
    return any(r.get("action") == action for r in requests)


@dataclass
class VmActions:
    create_vmi: dict | None = None
    delete_vmi_uid: str | None = None
    status: dict = field(default_factory=dict)
    add_finalizer: bool = False
    remove_finalizer: bool = False


def new_vmi(vm: dict) -> dict:
    template = (vm.get("spec") or {}).get("template") or {}
    template_meta = template.get("metadata") or {}
    annotations = dict(template_meta.get("annotations") or {})
    annotations["kubevirt.io/vm-generation"] = str((vm.get("metadata") or {}).get("generation", 1))
    first_start = not (vm.get("status") or {}).get("printableStatus")
    for key, value in annotations_of(vm).items():
        if key == INITIAL_NODE_ANNOTATION and not first_start:
            continue
        if key.startswith("lab.kubevirt.io/"):
            annotations.setdefault(key, value)
    return {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachineInstance",
        "metadata": {"name": name_of(vm), "namespace": namespace_of(vm),
                     "labels": dict(template_meta.get("labels") or {}),
                     "annotations": annotations,
                     "ownerReferences": [owner_reference(vm)],
                     "finalizers": [VMI_FINALIZER]},
        "spec": copy.deepcopy(template.get("spec") or {}),
    }


def _printable_status(vm: dict, vmi: dict | None, strategy: str, starting: bool) -> str:
    if is_deleting(vm):
        return "Terminating"
    if vmi is None:
        return "Starting" if starting else "Stopped"
    if is_deleting(vmi):
        return "Stopping"
    phase = (vmi.get("status") or {}).get("phase") or "Pending"
    scheduled = find_condition(vmi, "PodScheduled")
    if scheduled and scheduled.get("status") == "False" and scheduled.get("reason") == "Unschedulable":
        return "ErrorUnschedulable"
    if phase in ("Pending", "Scheduling", "Scheduled"):
        return "Starting"
    if phase == "Running":
        state = (vmi.get("status") or {}).get("migrationState") or {}
        if state and not state.get("completed") and not state.get("failed"):
            return "Migrating"
        return "Running"
    if phase == "Failed" and strategy in ("Always", "RerunOnFailure"):
        return "Starting"
    return "Stopped"


def _status(vm: dict, vmi: dict | None, strategy: str, requests: list, now: str, starting: bool = False) -> dict:
    status = dict(vm.get("status") or {})
    conditions = list(status.get("conditions") or [])
    if vmi is None:
        conditions = set_condition(conditions, "Ready", "False", "VMINotExists", "VMI does not exist", now)
    else:
        ready = find_condition(vmi, "Ready") or {"status": "False", "reason": "VMINotReady"}
        conditions = set_condition(conditions, "Ready", ready.get("status", "False"), ready.get("reason", ""),
                                   ready.get("message", ""), now)
    # KubeVirt mirrors the VMI's LiveMigratable condition on the VM while a VMI exists
    migratable = find_condition(vmi, "LiveMigratable") if vmi is not None else None
    conditions = [c for c in conditions if c.get("type") != "LiveMigratable"]
    if migratable is not None:
        conditions.append(dict(migratable))
    status.update({
        "conditions": conditions,
        "created": vmi is not None,
        "ready": bool(vmi) and (find_condition(vmi, "Ready") or {}).get("status") == "True",
        "printableStatus": _printable_status(vm, vmi, strategy, starting),
        "runStrategy": strategy,
        "observedGeneration": (vm.get("metadata") or {}).get("generation", 1),
        "desiredGeneration": (vm.get("metadata") or {}).get("generation", 1),
    })
    if requests:
        status["stateChangeRequests"] = requests
    else:
        status.pop("stateChangeRequests", None)
    return status


def decide_vm(vm: dict, vmi: dict | None, now: str) -> VmActions:
    """What the VM controller does in one pass (pure)."""
    actions = VmActions()
    strategy = run_strategy(vm)
    requests = _requests(vm)
    observed_strategy = (vm.get("status") or {}).get("runStrategy")
    vmi_live = vmi is not None and not is_deleting(vmi)
    phase = ((vmi or {}).get("status") or {}).get("phase")

    if is_deleting(vm):
        if vmi_live:
            actions.delete_vmi_uid = uid_of(vmi)
        elif vmi is None and has_finalizer(vm, VM_FINALIZER):
            actions.remove_finalizer = True
        actions.status = _status(vm, vmi, strategy, requests, now)
        return actions
    actions.add_finalizer = not has_finalizer(vm, VM_FINALIZER)

    stop = next((r for r in requests if r.get("action") == "Stop"), None)
    if stop is not None:
        if vmi_live and stop.get("uid") in (None, "", uid_of(vmi)):
            actions.delete_vmi_uid = uid_of(vmi)
        elif vmi is None or stop.get("uid") not in (None, "", uid_of(vmi)):
            requests = [r for r in requests if r is not stop]

    if actions.delete_vmi_uid is None and vmi_live:
        if strategy == "Halted":
            actions.delete_vmi_uid = uid_of(vmi)
        elif strategy == "Always" and phase in FINAL_PHASES:
            actions.delete_vmi_uid = uid_of(vmi)
        elif strategy == "RerunOnFailure" and phase == "Failed":
            actions.delete_vmi_uid = uid_of(vmi)
            if not _has(requests, "Start"):
                requests.append({"action": "Start"})
    elif vmi is None and not _has(requests, "Stop"):
        start = (strategy == "Always"
                 or (strategy in ("RerunOnFailure", "Once")
                     and (_has(requests, "Start") or observed_strategy != strategy))
                 or (strategy == "Manual" and _has(requests, "Start")))
        if start:
            actions.create_vmi = new_vmi(vm)
            requests = [r for r in requests if r.get("action") != "Start"]
    if strategy == "Halted":
        requests = [r for r in requests if r.get("action") != "Start"]
    starting = actions.create_vmi is not None or (strategy == "Always" and vmi is None)
    actions.status = _status(vm, vmi, strategy, requests, now, starting)
    return actions


class VmController:
    def __init__(self, store, clock_rfc3339, index=None):
        self.store = store
        self.now = clock_rfc3339
        self.index = index      # when given, the VMI is read from it (no copy); writes stay guarded

    def sync(self, namespace: str, name: str) -> dict | None:
        """One pass over a VM; returns the VM as last seen (None when it is gone)."""
        try:
            # the committed object itself, read-only: decide_vm is pure and every write goes through mutate
            vm = self.store.get_entry(crds.VM_KEY, namespace, name).obj
        except ApiError as error:
            if error.code == 404:
                return None
            raise
        vmi = self._get_vmi(namespace, name)
        if vmi is not None and not any(ref.get("uid") == uid_of(vm)
                                       for ref in vmi["metadata"].get("ownerReferences") or []):
            return vm    # a standalone VMI of the same name: left alone
        actions = decide_vm(vm, vmi, self.now())
        if actions.add_finalizer:
            self.store.mutate(crds.VM_KEY, namespace, name, lambda obj: with_finalizer(obj, VM_FINALIZER), copy=False)
        if actions.delete_vmi_uid:
            self._delete_vmi(namespace, name, actions.delete_vmi_uid)
        if actions.create_vmi is not None:
            try:
                created = self.store.create(crds.VMI_KEY, actions.create_vmi, copy=False)
                if self.index is not None:
                    self.index.put(crds.VMI_KEY, created)
            except ApiError as error:
                if error.code != 409:
                    raise
        if (vm.get("status") or {}) != actions.status:
            self._write_status(namespace, name, actions.status, _requests(vm))
        if actions.remove_finalizer:
            self.store.mutate(crds.VM_KEY, namespace, name, lambda obj: without_finalizer(obj, VM_FINALIZER),
                              copy=False)
        return dict(vm, status=actions.status)

    def _get_vmi(self, namespace, name):
        if self.index is not None:
            return self.index.vmi(namespace, name)
        try:
            return self.store.get(crds.VMI_KEY, namespace, name)
        except ApiError as error:
            if error.code == 404:
                return None
            raise

    def _delete_vmi(self, namespace, name, uid):
        try:
            self.store.delete(crds.VMI_KEY, namespace, name, preconditions={"uid": uid})
        except ApiError as error:
            if error.code not in (404, 409):
                raise

    def _write_status(self, namespace, name, status, requests_seen):
        def apply(obj):
            if _requests(obj) != requests_seen:
                return None     # a start/stop request arrived meanwhile: its event brings us back
            if (obj.get("status") or {}) == status:
                return None
            obj["status"] = status
            return obj
        try:
            self.store.mutate(crds.VM_KEY, namespace, name, apply, subresource="status", copy=False)
        except ApiError as error:
            if error.code != 404:
                raise
