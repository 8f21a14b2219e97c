"""The KubeVirt controllers read committed store objects without copying them (subscribe(copy=False),
get_entry, create/mutate(copy=False)); this checks that no committed object is ever changed afterwards."""
import json

from lab.apiserver.store import Store

VMI_KEY = "virtualmachineinstances.kubevirt.io"
VMIM_KEY = "virtualmachineinstancemigrations.kubevirt.io"
VM_KEY = "virtualmachines.kubevirt.io"


def encode_every_commit(monkeypatch) -> list:
    """Every committed object with its encoding taken at commit time."""
    commits = []
    original = Store._commit

    def commit(self, key, event_type, entry, old_entry):
        commits.append((key, entry.obj, entry.json()))
        original(self, key, event_type, entry, old_entry)
    monkeypatch.setattr(Store, "_commit", commit)
    return commits


def phase(store, key, namespace, name):
    try:
        return (store.get(key, namespace, name).get("status") or {}).get("phase")
    except Exception:  # noqa: BLE001 - absent for now
        return None


def test_committed_objects_stay_unchanged_through_start_migration_and_stop(make_lab, monkeypatch):
    commits = encode_every_commit(monkeypatch)
    lab = make_lab(components=["cluster", "kubevirt"], bmc=False, overrides={"kubevirt.migration_seconds": 0.3})
    store = lab.store
    scenario_vms = lab.component("cluster").scenario["vms"]
    names = [vm["name"] for vm in scenario_vms]
    lab.wait_for(lambda: all(phase(store, VMI_KEY, "vms", n) == "Running" for n in names), 60)
    mover = next(vm["name"] for vm in scenario_vms if vm.get("migratable", True))
    store.create(VMIM_KEY, {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstanceMigration",
                            "metadata": {"name": "move-it", "namespace": "vms"}, "spec": {"vmiName": mover}})
    lab.wait_for(lambda: phase(store, VMIM_KEY, "vms", "move-it") == "Succeeded", 30)
    store.mutate(VM_KEY, "vms", names[0], lambda vm: dict(vm, spec=dict(vm["spec"], runStrategy="Halted")))
    lab.wait_for(lambda: phase(store, VMI_KEY, "vms", names[0]) is None, 30)
    kinds = {key for key, _, _ in commits}
    assert {"pods", VMI_KEY, VMIM_KEY, VM_KEY} <= kinds
    changed = [(key, obj["metadata"]["name"]) for key, obj, encoded in commits
               if json.dumps(obj, separators=(",", ":")).encode() != encoded]
    assert changed == []
