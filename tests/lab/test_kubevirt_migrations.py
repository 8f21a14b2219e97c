"""Live migrations in the lab over HTTP: limits from the KubeVirt CR, phases, target placement, injected
failures, history garbage collection and the subresources.kubevirt.io API."""
import json

import pytest
import urllib3
from kubernetes import client, config

GROUP, VERSION, NS = "kubevirt.io", "v1", "default"
IN_FLIGHT = {"Scheduling", "Scheduled", "PreparingTarget", "TargetReady", "Running"}
pytestmark = pytest.mark.lab(components=["cluster", "kubevirt"], bmc=False, tls=True, vms=0,
                             overrides={"kubevirt.migration_seconds": 1.5})


class Http:
    def __init__(self, lab):
        self.lab = lab
        self.pool = urllib3.PoolManager(ca_certs=lab.ca_path)

    def call(self, method, path, body=None):
        response = self.pool.request(method, self.lab.url + path, body=json.dumps(body) if body is not None else None,
                                     headers={"Authorization": f"Bearer {self.lab.token}",
                                              "Content-Type": "application/json"}, retries=False)
        return response.status, (json.loads(response.data) if response.data else None)


def custom_api(lab):
    return client.CustomObjectsApi(config.new_client_from_config(config_file=lab.kubeconfig_path))


def vm_body(name, node=None, memory="1Gi"):
    metadata = {"name": name, "namespace": NS}
    if node:
        metadata["annotations"] = {"lab.kubevirt.io/initial-node": node}
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "metadata": metadata,
            "spec": {"runStrategy": "Always", "template": {"spec": {
                "domain": {"cpu": {"cores": 1}, "memory": {"guest": memory}, "devices": {}}}}}}


def start(lab, names, node=None):
    custom = custom_api(lab)
    for name in names:
        custom.create_namespaced_custom_object(GROUP, VERSION, NS, "virtualmachines", vm_body(name, node))
    lab.wait_for(lambda: all(phase(vmi(custom, n)) == "Running" for n in names), 20)
    return custom


def vmi(custom, name):
    try:
        return custom.get_namespaced_custom_object(GROUP, VERSION, NS, "virtualmachineinstances", name)
    except client.ApiException as error:
        if error.status != 404:     # no VMI right now: stopped, or between deletion and recreation
            raise
        return {}


def phase(obj):
    return (obj.get("status") or {}).get("phase")


def migrate(custom, vmi_name, name=None, **spec):
    body = {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstanceMigration",
            "metadata": {"name": name or f"mig-{vmi_name}", "namespace": NS},
            "spec": dict(spec, vmiName=vmi_name)}
    return custom.create_namespaced_custom_object(GROUP, VERSION, NS, "virtualmachineinstancemigrations", body)


def migrations(custom):
    return custom.list_namespaced_custom_object(GROUP, VERSION, NS, "virtualmachineinstancemigrations")["items"]


def test_outbound_limit_keeps_the_third_migration_pending_until_a_slot_frees(lab):
    custom = start(lab, ["a", "b", "c"], node="worker-0")
    for name in ("a", "b", "c"):
        migrate(custom, name)
    lab.wait_for(lambda: sum(phase(m) in IN_FLIGHT for m in migrations(custom)) == 2, 5)
    pending = [m for m in migrations(custom) if phase(m) == "Pending"]
    assert [m["spec"]["vmiName"] for m in pending] == ["c"]
    lab.wait_for(lambda: {phase(m) for m in migrations(custom)} == {"Succeeded"}, 30)
    history = {m["spec"]["vmiName"]: m for m in migrations(custom)}
    for name in ("a", "b", "c"):
        state = history[name]["status"]["migrationState"]
        assert state["sourceNode"] == "worker-0" and state["targetNode"] != "worker-0"
        assert state["completed"] is True and state["startTimestamp"] and state["endTimestamp"]
        assert [t["phase"] for t in history[name]["status"]["phaseTransitionTimestamps"]] == [
            "Pending", "Scheduling", "Scheduled", "PreparingTarget", "TargetReady", "Running", "Succeeded"]
        assert vmi(custom, name)["status"]["nodeName"] == state["targetNode"]
    # the source launcher pods completed and are gone: one launcher per VMI remains
    pods = client.CoreV1Api(config.new_client_from_config(config_file=lab.kubeconfig_path)) \
        .list_namespaced_pod(NS, label_selector="kubevirt.io=virt-launcher").items
    assert sorted(p.spec.node_name != "worker-0" for p in pods) == [True, True, True]


def test_limits_are_read_from_the_kubevirt_cr_at_runtime(lab):
    custom = start(lab, ["x", "y"], node="worker-1")
    custom.patch_namespaced_custom_object(
        GROUP, VERSION, "openshift-cnv", "kubevirts", "kubevirt-kubevirt-hyperconverged",
        {"spec": {"configuration": {"migrations": {"parallelOutboundMigrationsPerNode": 1}}}})
    migrate(custom, "x")
    migrate(custom, "y")
    lab.wait_for(lambda: sum(phase(m) in IN_FLIGHT for m in migrations(custom)) == 1, 5)
    assert [phase(m) for m in migrations(custom)].count("Pending") == 1
    lab.wait_for(lambda: {phase(m) for m in migrations(custom)} == {"Succeeded"}, 30)


def test_added_node_selector_and_injected_failure(lab):
    custom = start(lab, ["web"], node="worker-0")
    http = Http(lab)
    status, _ = http.call("POST", "/lab/v1/kubevirt/fail-migrations", {"namespace": NS, "vmi": "web", "count": 1})
    assert status == 200
    migrate(custom, "web", name="first", addedNodeSelector={"kubernetes.io/hostname": "worker-2"})
    lab.wait_for(lambda: phase(custom.get_namespaced_custom_object(
        GROUP, VERSION, NS, "virtualmachineinstancemigrations", "first")) == "Failed", 20)
    failed = custom.get_namespaced_custom_object(GROUP, VERSION, NS, "virtualmachineinstancemigrations", "first")
    assert failed["status"]["migrationState"]["failed"] is True
    assert "MigrateToURI3" in failed["status"]["migrationState"]["failureReason"]
    assert vmi(custom, "web")["status"]["nodeName"] == "worker-0"
    assert lab.component("cluster").truth.running_on(f"{NS}/web") == {"worker-0"}

    migrate(custom, "web", name="second", addedNodeSelector={"kubernetes.io/hostname": "worker-2"})
    lab.wait_for(lambda: phase(custom.get_namespaced_custom_object(
        GROUP, VERSION, NS, "virtualmachineinstancemigrations", "second")) == "Succeeded", 20)
    assert vmi(custom, "web")["status"]["nodeName"] == "worker-2"
    assert lab.component("cluster").truth.running_on(f"{NS}/web") == {"worker-2"}


def test_migration_of_a_vmi_with_one_in_flight_is_refused(lab):
    custom = start(lab, ["solo"])
    migrate(custom, "solo", name="one")
    with pytest.raises(client.ApiException) as refused:
        migrate(custom, "solo", name="two")
    assert refused.value.status == 400
    assert "in-flight migration detected" in refused.value.body


@pytest.mark.lab(components=["cluster", "kubevirt"], bmc=False, tls=True, vms=0,
                 overrides={"kubevirt.migration_seconds": 0.05, "kubevirt.migration_step_seconds": 0.02})
def test_only_the_last_five_finished_migrations_are_kept(lab):
    custom = start(lab, ["busy"])
    for i in range(7):
        migrate(custom, "busy", name=f"hop-{i}")
        lab.wait_for(lambda: phase(custom.get_namespaced_custom_object(
            GROUP, VERSION, NS, "virtualmachineinstancemigrations", f"hop-{i}")) == "Succeeded", 10)
    lab.wait_for(lambda: len(migrations(custom)) == 5, 5)
    assert sorted(m["metadata"]["name"] for m in migrations(custom)) == [f"hop-{i}" for i in range(2, 7)]


def test_subresources_start_stop_restart_migrate(lab):
    custom = start(lab, ["api-vm"], node="worker-0")
    http = Http(lab)
    base = f"/apis/subresources.kubevirt.io/v1/namespaces/{NS}/virtualmachines/api-vm"
    status, body = http.call("PUT", f"{base}/start", {})
    assert status == 409 and body["message"] == \
        'Operation cannot be fulfilled on virtualmachine.kubevirt.io "api-vm": VM is already running'

    status, _ = http.call("PUT", f"{base}/migrate", {"addedNodeSelector": {"kubernetes.io/hostname": "worker-1"}})
    assert status == 202
    lab.wait_for(lambda: (vmi(custom, "api-vm").get("status") or {}).get("nodeName") == "worker-1", 20)
    assert migrations(custom)[0]["metadata"]["name"].startswith("kubevirt-migrate-vm-")

    old_uid = vmi(custom, "api-vm")["metadata"]["uid"]
    status, _ = http.call("PUT", f"{base}/restart", {})
    assert status == 202
    lab.wait_for(lambda: vmi(custom, "api-vm").get("metadata", {}).get("uid") not in (None, old_uid)
                 and phase(vmi(custom, "api-vm")) == "Running", 20)

    status, _ = http.call("PUT", f"{base}/stop", {})
    assert status == 202
    lab.wait_for(lambda: not vmi(custom, "api-vm"), 20)
    vm = custom.get_namespaced_custom_object(GROUP, VERSION, NS, "virtualmachines", "api-vm")
    assert vm["spec"]["runStrategy"] == "Halted" and vm["status"]["printableStatus"] == "Stopped"

    status, _ = http.call("PUT", f"{base}/start", {})
    assert status == 202
    lab.wait_for(lambda: phase(vmi(custom, "api-vm")) == "Running", 20)
    status, discovery = http.call("GET", "/apis/subresources.kubevirt.io/v1")
    assert {"virtualmachines/start", "virtualmachines/stop", "virtualmachines/restart",
            "virtualmachines/migrate"} <= {r["name"] for r in discovery["resources"]}


def test_a_stalled_migration_is_aborted_after_progress_timeout(lab):
    custom = start(lab, ["stuck"])
    status, _ = Http(lab).call("POST", "/lab/v1/kubevirt/stall-migrations", {"namespace": NS, "vmi": "stuck"})
    assert status == 200
    source = vmi(custom, "stuck")["status"]["nodeName"]
    migrate(custom, "stuck")
    lab.wait_for(lambda: phase(custom.get_namespaced_custom_object(
        GROUP, VERSION, NS, "virtualmachineinstancemigrations", "mig-stuck")) == "Failed", 20)
    state = custom.get_namespaced_custom_object(GROUP, VERSION, NS, "virtualmachineinstancemigrations",
                                                "mig-stuck")["status"]["migrationState"]
    assert state["failureReason"] == "Live migration stuck for 150 sec and has been aborted"
    assert state["abortRequested"] is True
    assert vmi(custom, "stuck")["status"]["nodeName"] == source


def test_a_vm_that_fits_nowhere_reports_error_unschedulable(lab):
    custom = custom_api(lab)
    custom.create_namespaced_custom_object(GROUP, VERSION, NS, "virtualmachines", vm_body("huge", memory="4Ti"))

    def printable():
        vm = custom.get_namespaced_custom_object(GROUP, VERSION, NS, "virtualmachines", "huge")
        return (vm.get("status") or {}).get("printableStatus")
    lab.wait_for(lambda: printable() == "ErrorUnschedulable", 10)
    assert phase(vmi(custom, "huge")) == "Scheduling"


def test_deleting_a_running_migration_aborts_it_and_removes_the_target_pod(lab):
    custom = start(lab, ["abort-me"])
    source = vmi(custom, "abort-me")["status"]["nodeName"]
    migrate(custom, "abort-me", name="doomed")
    lab.wait_for(lambda: phase(custom.get_namespaced_custom_object(
        GROUP, VERSION, NS, "virtualmachineinstancemigrations", "doomed")) == "Running", 10)
    custom.delete_namespaced_custom_object(GROUP, VERSION, NS, "virtualmachineinstancemigrations", "doomed")
    lab.wait_for(lambda: not [m for m in migrations(custom) if m["metadata"]["name"] == "doomed"], 10)
    core = client.CoreV1Api(config.new_client_from_config(config_file=lab.kubeconfig_path))
    uid = vmi(custom, "abort-me")["metadata"]["uid"]
    lab.wait_for(lambda: len(core.list_namespaced_pod(NS, label_selector=f"kubevirt.io/created-by={uid}").items)
                 == 1, 10)
    state = vmi(custom, "abort-me")["status"]
    assert state["nodeName"] == source and state["migrationState"]["failed"] is True
    assert lab.component("cluster").truth.running_on(f"{NS}/abort-me") == {source}


def test_control_endpoint_reports_migrations_in_flight(lab):
    custom = start(lab, ["shown"], node="worker-2")
    migrate(custom, "shown", name="visible")
    lab.wait_for(lambda: phase(custom.get_namespaced_custom_object(
        GROUP, VERSION, NS, "virtualmachineinstancemigrations", "visible")) == "Running", 10)
    status, body = Http(lab).call("GET", "/lab/v1/kubevirt")
    assert status == 200
    assert body["kubevirt_cr"] == "openshift-cnv/kubevirt-kubevirt-hyperconverged"
    [shown] = body["migrations_in_flight"]
    assert (shown["name"], shown["vmi"], shown["phase"], shown["source"]) == ("visible", "shown", "Running",
                                                                             "worker-2")
    assert shown["target"] in ("worker-0", "worker-1")
    assert "visible" in lab.component("kubevirt").render_status(body)
