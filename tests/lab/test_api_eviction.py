"""pods/eviction and pods/binding subresources, admission hooks and eviction guards."""
import pytest
from kubernetes import client, config

from lab.apiserver.errors import ApiError, too_many_requests


@pytest.fixture(scope="module")
def core(api_lab):
    return client.CoreV1Api(config.new_client_from_config(config_file=api_lab.kubeconfig_path))


def _running_pod(api_lab, name, labels=None):
    api_lab.store.create("pods", {"metadata": {"name": name, "namespace": "default", "labels": labels or {}},
                                  "spec": {"nodeName": "n1", "terminationGracePeriodSeconds": 0,
                                           "containers": [{"name": "c", "image": "i"}]},
                                  "status": {"phase": "Running"}})


def _eviction(name, version="policy/v1", **options):
    body = {"apiVersion": version, "kind": "Eviction", "metadata": {"name": name, "namespace": "default"}}
    if options:
        body["deleteOptions"] = options
    return body


def test_eviction_deletes_and_answers_201(raw, api_lab):
    _running_pod(api_lab, "ev-ok")
    status, body, _ = raw.post("/api/v1/namespaces/default/pods/ev-ok/eviction", _eviction("ev-ok"))
    assert status == 201 and body["kind"] == "Status" and body["status"] == "Success"
    assert raw.get("/api/v1/namespaces/default/pods/ev-ok")[0] == 404


def test_v1beta1_eviction_body_is_accepted(raw, api_lab):
    _running_pod(api_lab, "ev-beta")
    status, _, _ = raw.post("/api/v1/namespaces/default/pods/ev-beta/eviction",
                            _eviction("ev-beta", "policy/v1beta1"))
    assert status == 201


def test_eviction_respects_grace_period_of_delete_options(raw, api_lab):
    api_lab.store.create("pods", {"metadata": {"name": "ev-grace", "namespace": "default"},
                                  "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "i"}]},
                                  "status": {"phase": "Running"}})
    raw.post("/api/v1/namespaces/default/pods/ev-grace/eviction", _eviction("ev-grace", gracePeriodSeconds=7))
    _, pod, _ = raw.get("/api/v1/namespaces/default/pods/ev-grace")
    assert pod["metadata"]["deletionGracePeriodSeconds"] == 7


def test_guard_refusal_is_429_and_keeps_the_pod(raw, api_lab, core):
    _running_pod(api_lab, "ev-guarded", {"guarded": "yes"})

    def budget(pod, eviction):
        if pod["metadata"].get("labels", {}).get("guarded") == "yes":
            raise too_many_requests("Cannot evict pod as it would violate the pod's disruption budget.", 10)

    api_lab.server.admission.register_eviction_guard(budget)
    status, body, headers = raw.post("/api/v1/namespaces/default/pods/ev-guarded/eviction",
                                     _eviction("ev-guarded"))
    assert status == 429 and body["reason"] == "TooManyRequests" and headers["Retry-After"] == "10"
    assert raw.get("/api/v1/namespaces/default/pods/ev-guarded")[0] == 200
    with pytest.raises(client.ApiException) as caught:
        core.create_namespaced_pod_eviction("ev-guarded", "default", client.V1Eviction(
            metadata=client.V1ObjectMeta(name="ev-guarded", namespace="default")))
    assert caught.value.status == 429


def test_pending_pods_skip_the_guards(raw, api_lab):
    api_lab.store.create("pods", {"metadata": {"name": "ev-pending", "namespace": "default",
                                               "labels": {"guarded": "yes"}},
                                  "spec": {"containers": [{"name": "c", "image": "i"}]},
                                  "status": {"phase": "Pending"}})
    status, _, _ = raw.post("/api/v1/namespaces/default/pods/ev-pending/eviction", _eviction("ev-pending"))
    assert status == 201


def test_admission_hook_intercepts_evictions(raw, api_lab):
    _running_pod(api_lab, "ev-vm", {"kubevirt.io": "virt-launcher"})
    seen = []

    def interceptor(request):
        seen.append((request.operation, request.subresource, request.name))
        if request.old_object["metadata"]["labels"].get("kubevirt.io") == "virt-launcher":
            raise too_many_requests("Eviction triggered evacuation of VMI", 0)

    api_lab.server.admission.register("pods", "CREATE", interceptor, subresource="eviction")
    status, body, _ = raw.post("/api/v1/namespaces/default/pods/ev-vm/eviction", _eviction("ev-vm"))
    assert status == 429 and "evacuation" in body["message"]
    assert ("CREATE", "eviction", "ev-vm") in seen


def test_eviction_errors(raw, api_lab):
    _running_pod(api_lab, "ev-bad")
    status, body, _ = raw.post("/api/v1/namespaces/default/pods/ev-bad/eviction", _eviction("other"))
    assert status == 400 and body["message"] == "name in URL does not match name in Eviction object"
    status, body, _ = raw.post("/api/v1/namespaces/default/pods/ghost/eviction", _eviction("ghost"))
    assert status == 404 and body["message"] == 'pods "ghost" not found'


def test_admission_hook_mutates_and_rejects_creates(raw, api_lab):
    def label_and_check(request):
        request.object["metadata"].setdefault("labels", {})["admitted"] = "true"
        if request.object["metadata"]["name"] == "adm-reject":
            raise ApiError(422, "Invalid", "rejected by hook")

    api_lab.server.admission.register("configmaps", "CREATE", label_and_check)
    _, body, _ = raw.post("/api/v1/namespaces/default/configmaps",
                          {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "adm-ok"}})
    assert body["metadata"]["labels"] == {"admitted": "true"}
    status, _, _ = raw.post("/api/v1/namespaces/default/configmaps",
                            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "adm-reject"}})
    assert status == 422
    assert raw.get("/api/v1/namespaces/default/configmaps/adm-reject")[0] == 404
    api_lab.server.admission.unregister("configmaps", "CREATE", label_and_check)


def test_binding_assigns_a_node_once(raw, api_lab):
    raw.post("/api/v1/namespaces/default/pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bind-me"},
                                                 "spec": {"containers": [{"name": "c", "image": "i"}]}})
    binding = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "bind-me"},
               "target": {"apiVersion": "v1", "kind": "Node", "name": "n7"}}
    status, _, _ = raw.post("/api/v1/namespaces/default/pods/bind-me/binding", binding)
    assert status == 201
    _, pod, _ = raw.get("/api/v1/namespaces/default/pods/bind-me")
    assert pod["spec"]["nodeName"] == "n7"
    assert any(c["type"] == "PodScheduled" and c["status"] == "True" for c in pod["status"]["conditions"])
    status, body, _ = raw.post("/api/v1/namespaces/default/pods/bind-me/binding", binding)
    assert status == 409 and 'already assigned to node "n7"' in body["message"]
