"""Adapters that put the KubeVirt controllers on a controller runner (lab.cluster.runner.Runner protocol:
name, on_event(event_type, key, obj, old) that only enqueues, resync(), sync(item))."""
from . import crds
from .evacuation import ALL
from .launcher import APP_LABEL, DOMAIN_ANNOTATION
from .migration_controller import ADMIT
from .migration_plan import FINAL_PHASES, phase_of
from .objects import annotations_of, is_deleting, labels_of, name_of, namespace_of, uid_of, vm_key
from .vm_controller import run_strategy


def _ident(obj):
    return namespace_of(obj), name_of(obj)


def _launcher_of(key, obj):
    """(namespace, VMI name) of a virt-launcher pod event, else None."""
    if key != "pods" or labels_of(obj).get(APP_LABEL) != "virt-launcher":
        return None
    vmi = annotations_of(obj).get(DOMAIN_ANNOTATION)
    return (namespace_of(obj), vmi) if vmi else None


def _condition(obj, type_):
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == type_:
            return condition.get("status"), condition.get("reason")
    return None


def _summary(key, obj):
    """The parts of an object whose change can alter a KubeVirt controller's decision.

    Every write anywhere in the lab reaches the controllers; comparing summaries keeps the queues to the
    events that matter (the periodic resync still re-examines everything)."""
    if obj is None:
        return None
    meta = obj.get("metadata") or {}
    status = obj.get("status") or {}
    common = (meta.get("uid"), meta.get("generation"), meta.get("deletionTimestamp"),
              tuple(meta.get("finalizers") or ()))
    if key == crds.VM_KEY:
        return common + (repr(status.get("stateChangeRequests")), repr(meta.get("annotations")))
    if key == crds.VMI_KEY:
        state = status.get("migrationState") or {}
        return common + (status.get("phase"), status.get("nodeName"), status.get("evacuationNodeName"),
                         _condition(obj, "Ready"), _condition(obj, "PodScheduled"), _condition(obj, "LiveMigratable"),
                         state.get("migrationUid"), state.get("completed"), state.get("failed"))
    if key == "pods":
        return common + (status.get("phase"), (obj.get("spec") or {}).get("nodeName"), status.get("podIP"),
                         _condition(obj, "Ready"), _condition(obj, "PodScheduled"))
    return common + (repr(obj.get("spec")),)


def changed(key, event_type, obj, old) -> bool:
    return event_type != "MODIFIED" or _summary(key, obj) != _summary(key, old)


def expected_running(vm: dict) -> bool:
    """Whether the VM's owner wants it running now (what ground truth counts as lost when it is not)."""
    strategy = run_strategy(vm)
    status = vm.get("status") or {}
    stop_requested = any(r.get("action") == "Stop" for r in status.get("stateChangeRequests") or [])
    if strategy == "Always":
        return True
    if strategy == "RerunOnFailure":
        return not stop_requested and status.get("printableStatus") != "Stopped"
    if strategy in ("Manual", "Once"):
        return bool(status.get("created")) and status.get("printableStatus") not in ("Stopped", "Stopping")
    return False


class VmLoop:
    name = "kubevirt-vm"

    def __init__(self, runner, index, controller, truth):
        self.runner, self.index, self.controller, self.truth = runner, index, controller, truth

    def on_event(self, event_type, key, obj, old):
        if key in (crds.VM_KEY, crds.VMI_KEY) and changed(key, event_type, obj, old):
            self.runner.enqueue(self, _ident(obj))
        if key == crds.VM_KEY and event_type == "DELETED":
            self.truth.forget(vm_key(*_ident(obj)))

    def resync(self):
        for ident in self.index.vm_idents():
            self.runner.enqueue(self, ident)

    def sync(self, item):
        vm = self.controller.sync(*item)
        if vm is not None and not is_deleting(vm):
            self.truth.expect(vm_key(*item), expected_running(vm))


class VmiLoop:
    name = "kubevirt-vmi"

    def __init__(self, runner, index, controller, truth):
        self.runner, self.index, self.controller, self.truth = runner, index, controller, truth

    def on_event(self, event_type, key, obj, old):
        if key == crds.VMI_KEY:
            if changed(key, event_type, obj, old):
                self.runner.enqueue(self, _ident(obj))
            return
        launcher = _launcher_of(key, obj)
        if launcher is None or not changed(key, event_type, obj, old):
            return
        self.runner.enqueue(self, launcher)
        node = (obj.get("spec") or {}).get("nodeName")
        finished = ((obj.get("status") or {}).get("phase") in FINAL_PHASES)
        if node and (event_type == "DELETED" or finished):
            self.truth.launcher_gone(vm_key(*launcher), node, uid_of(obj))

    def resync(self):
        for vmi in self.index.vmis():
            self.runner.enqueue(self, _ident(vmi))

    def sync(self, item):
        delay = self.controller.sync(*item)
        if delay is not None:
            self.runner.enqueue_after(delay, self, item)


class MigrationLoop:
    name = "kubevirt-migration"

    def __init__(self, runner, store, index, controller):
        self.runner, self.store, self.index, self.controller = runner, store, index, controller

    def requeue(self, delay, item):
        if delay <= 0:
            self.runner.enqueue(self, item)
        else:
            self.runner.enqueue_after(delay, self, item)

    def _active_of(self, namespace, vmi_name):
        for migration in self.index.migrations_of(namespace, vmi_name):
            if phase_of(migration) not in FINAL_PHASES or is_deleting(migration):
                self.runner.enqueue(self, _ident(migration))

    def on_event(self, event_type, key, obj, old):
        if key == crds.VMIM_KEY:
            self.runner.enqueue(self, _ident(obj))
            if event_type != "MODIFIED" or phase_of(obj) != phase_of(old or {}):
                self.runner.enqueue(self, ADMIT)
        elif key == crds.KUBEVIRT_KEY:
            self.runner.enqueue(self, ADMIT)
        elif key == crds.VMI_KEY:
            if changed(key, event_type, obj, old):
                self._active_of(*_ident(obj))
        else:
            launcher = _launcher_of(key, obj)
            if launcher is not None and changed(key, event_type, obj, old):
                self._active_of(*launcher)

    def resync(self):
        for migration in self.index.all_migrations():
            if phase_of(migration) not in FINAL_PHASES or is_deleting(migration):
                self.runner.enqueue(self, _ident(migration))
        self.runner.enqueue(self, ADMIT)

    def sync(self, item):
        self.controller.sync(item)


class EvacuationLoop:
    name = "kubevirt-evacuation"

    def __init__(self, runner, controller):
        self.runner, self.controller = runner, controller

    def on_event(self, event_type, key, obj, old):
        if key == crds.VMI_KEY:
            marked = ((obj.get("status") or {}).get("evacuationNodeName")
                      or ((old or {}).get("status") or {}).get("evacuationNodeName"))
            if marked:
                self.runner.enqueue(self, ALL)
        elif key in (crds.VMIM_KEY, crds.KUBEVIRT_KEY):
            self.runner.enqueue(self, ALL)

    def resync(self):
        self.runner.enqueue(self, ALL)

    def requeue(self, delay, item):
        self.runner.enqueue_after(delay, self, item)

    def sync(self, item):
        self.controller.sync(item)
