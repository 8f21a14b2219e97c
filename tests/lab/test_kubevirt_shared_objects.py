"""The KubeVirt controllers read committed store objects without copying them (subscribe(copy=False),
get_entry, create/mutate(copy=False)); this checks that no committed object is ever changed afterwards."""
import json

import pytest

pytestmark = pytest.mark.lab(components=["cluster", "kubevirt"], bmc=False,
                             overrides={"kubevirt.migration_seconds": 0.3})
VMI_KEY = "virtualmachineinstances.kubevirt.io"
VMIM_KEY = "virtualmachineinstancemigrations.kubevirt.io"


def record_commits(store):
    seen = []

    def remember(event_type, key, obj, old):
        for committed in (obj, old):
            if committed is not None:
                seen.append((key, committed, json.dumps(committed, sort_keys=True)))
    return seen, store.subscribe(remember, copy=False)


def phase(store, key, namespace, name):
    try:
        return (store.get(key, namespace, name).get("status") or {}).get("phase")
    except Exception:  # noqa: BLE001 - absent for now
        return None


def test_committed_objects_stay_unchanged_through_start_migration_and_stop(lab):
    store = lab.store
    seen, token = record_commits(store)
    try:
        vms = [vm["name"] for vm in lab.component("cluster").scenario["vms"]]
        lab.wait_for(lambda: all(phase(store, VMI_KEY, "vms", n) == "Running" for n in vms), 60)
        mover = next(vm["name"] for vm in lab.component("cluster").scenario["vms"] if vm.get("migratable", True))
        store.create(VMIM_KEY, {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstanceMigration",
                                "metadata": {"name": "move-it", "namespace": "vms"}, "spec": {"vmiName": mover}})
        lab.wait_for(lambda: phase(store, VMIM_KEY, "vms", "move-it") == "Succeeded", 30)
        store.mutate("virtualmachines.kubevirt.io", "vms", vms[0],
                     lambda vm: dict(vm, spec=dict(vm["spec"], runStrategy="Halted")))
        lab.wait_for(lambda: phase(store, VMI_KEY, "vms", vms[0]) is None, 30)
    finally:
        store.unsubscribe(token)
    kinds = {key for key, _, _ in seen}
    assert {"pods", VMI_KEY, VMIM_KEY, "virtualmachines.kubevirt.io"} <= kinds
    changed = [(key, obj["metadata"]["name"]) for key, obj, encoded in seen
               if json.dumps(obj, sort_keys=True) != encoded]
    assert changed == []
