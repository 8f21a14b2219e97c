"""The subresources.kubevirt.io/v1 aggregated API (virt-api): start, stop, restart and migrate of VMs.

Semantics and messages follow virt-api's lifecycle handlers: requests either flip the run strategy or queue a
state change request in the VM's status for the VM controller.
"""
from . import crds
from .launcher import CREATED_BY_LABEL
from .migration_admission import MigrationAdmission
from .objects import uid_of
from .vm_controller import run_strategy
from ..apiserver import errors
from ..apiserver.admission import AdmissionRequest
from ..apiserver.resources import ResourceType

GROUP = "subresources.kubevirt.io"
VERSION = "v1"
VM_RESOURCE = "virtualmachine.kubevirt.io"
VERSION_INFO = {"gitVersion": "v1.4.1", "gitCommit": "lab", "gitTreeState": "clean", "buildDate": "",
                "goVersion": "go1.22", "compiler": "gc", "platform": "linux/amd64"}


def discovery_types() -> list:
    def sub(resource, kind, verbs, namespaced=True):
        return ResourceType(GROUP, VERSION, resource, kind, namespaced, singular="", verbs=tuple(verbs))
    entries = [sub(f"virtualmachines/{action}", "VirtualMachine", ["update"])
               for action in ("start", "stop", "restart", "migrate")]
    entries += [sub("version", "", ["get"], False), sub("healthz", "", ["get"], False)]
    return entries


def _conflict(name, message):
    return errors.conflict(VM_RESOURCE, name, message)


def _final(vmi):
    return ((vmi or {}).get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _dry_run(body) -> bool:
    return "All" in ((body or {}).get("dryRun") or [])


class SubresourceApi:
    def __init__(self, store):
        self.store = store
        self.migration_admission = MigrationAdmission(store)

    def __call__(self, request):
        parts = [p for p in request.path.split("/") if p][3:]    # after /apis/<group>/<version>
        if parts in (["version"], ["healthz"]) and request.method == "GET":
            return 200, dict(VERSION_INFO) if parts == ["version"] else {"apiserver": "ok", "restclient": "ok"}
        if len(parts) == 5 and parts[0] == "namespaces" and parts[2] == "virtualmachines":
            namespace, name, action = parts[1], parts[3], parts[4]
            if request.method != "PUT":
                raise errors.method_not_allowed(f"the server does not allow {request.method} on {action}")
            handler = {"start": self.start, "stop": self.stop, "restart": self.restart,
                       "migrate": self.migrate}.get(action)
            if handler is not None:
                handler(namespace, name, request.body if isinstance(request.body, dict) else {})
                return 202, None
        raise errors.ApiError(404, "NotFound", "the server could not find the requested resource", {})

    # -- reads ----------------------------------------------------------------------------------------------
    def _vm(self, namespace, name):
        try:
            return self.store.get(crds.VM_KEY, namespace, name)
        except errors.ApiError as error:
            if error.code == 404:
                raise errors.not_found(VM_RESOURCE, name)
            raise

    def _vmi(self, namespace, name):
        try:
            return self.store.get(crds.VMI_KEY, namespace, name)
        except errors.ApiError as error:
            if error.code == 404:
                return None
            raise

    # -- writes ---------------------------------------------------------------------------------------------
    def _set_running(self, vm, running: bool, dry_run: bool):
        if dry_run:
            return
        desired = "Always" if running else "Halted"

        def apply(obj):
            spec = obj.setdefault("spec", {})
            if spec.get("runStrategy"):
                spec["runStrategy"] = desired
            else:
                spec["running"] = running
            return obj
        self.store.mutate(crds.VM_KEY, vm["metadata"]["namespace"], vm["metadata"]["name"], apply)

    def _request(self, vm, changes: list, dry_run: bool):
        existing = (vm.get("status") or {}).get("stateChangeRequests") or []
        if existing and not (len(changes) == 1 and changes[0]["action"] == "Stop"):
            raise errors.internal_error("unable to complete request: stop/start already underway")
        if dry_run:
            return
        seen = list(existing)

        def apply(obj):
            status = obj.setdefault("status", {})
            if (status.get("stateChangeRequests") or []) != seen:
                raise errors.conflict(VM_RESOURCE, obj["metadata"]["name"],
                                      "the object has been modified; please apply your changes to the latest "
                                      "version and try again")
            status["stateChangeRequests"] = changes
            return obj
        self.store.mutate(crds.VM_KEY, vm["metadata"]["namespace"], vm["metadata"]["name"], apply,
                          subresource="status")

    # -- the lifecycle verbs --------------------------------------------------------------------------------
    def start(self, namespace, name, body):
        vm = self._vm(namespace, name)
        vmi = self._vmi(namespace, name)
        phase = ((vmi or {}).get("status") or {}).get("phase") or ""
        if vmi is not None and not _final(vmi) and phase not in ("", "Unknown"):
            raise _conflict(name, "VM is already running")
        strategy = run_strategy(vm)
        dry_run = _dry_run(body)
        if strategy == "Halted":
            self._set_running(vm, True, dry_run)
        elif strategy in ("RerunOnFailure", "Manual"):
            if strategy == "RerunOnFailure" and phase == "Failed":
                raise _conflict(name, "RerunOnFailure does not support starting VM from failed state")
            restart = (strategy == "RerunOnFailure" and phase == "Succeeded") or (strategy == "Manual"
                                                                                  and _final(vmi))
            changes = [{"action": "Stop", "uid": uid_of(vmi)}, {"action": "Start"}] if restart \
                else [{"action": "Start"}]
            self._request(vm, changes, dry_run)
        else:
            raise _conflict(name, f"{strategy} does not support manual start requests")

    def stop(self, namespace, name, body):
        vm = self._vm(namespace, name)
        vmi = self._vmi(namespace, name)
        strategy = run_strategy(vm)
        dry_run = _dry_run(body)
        if strategy == "Halted":
            if vmi is None or _final(vmi):
                raise _conflict(name, "VM is not running")
            raise _conflict(name, "Halted only supports manual stop requests with a shorter graceperiod")
        if strategy in ("RerunOnFailure", "Manual"):
            if vmi is None or _final(vmi):
                raise _conflict(name, "VM is not running")
            self._request(vm, [{"action": "Stop", "uid": uid_of(vmi)}], dry_run)
        else:
            self._set_running(vm, False, dry_run)

    def restart(self, namespace, name, body):
        grace = body.get("gracePeriodSeconds")
        if grace is not None and grace > 0:
            raise errors.bad_request("For force restart, only gracePeriod=0 is supported for now")
        if grace is not None and grace < 0:
            raise errors.bad_request("gracePeriod has to be greater or equal to 0")
        vm = self._vm(namespace, name)
        strategy = run_strategy(vm)
        if strategy in ("Halted", "Once"):
            raise _conflict(name, f"RunStategy {strategy} does not support manual restart requests")
        vmi = self._vmi(namespace, name)
        if vmi is None:
            raise _conflict(name, "VM is not running: Halted")
        dry_run = _dry_run(body)
        self._request(vm, [{"action": "Stop", "uid": uid_of(vmi)}, {"action": "Start"}], dry_run)
        if grace == 0 and not dry_run:
            pods, _ = self.store.list("pods", namespace, label_selector=f"{CREATED_BY_LABEL}={uid_of(vmi)}",
                                      field_selector="status.phase=Running")
            for pod in pods[:1]:
                try:
                    self.store.delete("pods", namespace, pod["metadata"]["name"], grace_period_seconds=1)
                except errors.ApiError as error:
                    if error.code != 404:
                        raise

    def migrate(self, namespace, name, body):
        self._vm(namespace, name)
        vmi = self._vmi(namespace, name)
        if vmi is None:
            raise errors.not_found("virtualmachineinstance.kubevirt.io", name)
        if (vmi.get("status") or {}).get("phase") != "Running":
            raise _conflict(name, "VM is not running")
        migration = {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstanceMigration",
                     "metadata": {"generateName": "kubevirt-migrate-vm-", "namespace": namespace},
                     "spec": {"vmiName": name}}
        if body.get("addedNodeSelector"):
            migration["spec"]["addedNodeSelector"] = dict(body["addedNodeSelector"])
        try:
            self.migration_admission(AdmissionRequest("CREATE", crds.VMIM_KEY, namespace, None, migration, None,
                                                      dry_run=_dry_run(body)))
        except errors.ApiError as error:
            raise errors.internal_error(error.message)
        if not _dry_run(body):
            self.store.create(crds.VMIM_KEY, migration)
