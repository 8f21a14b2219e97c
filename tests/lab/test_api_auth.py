"""Bearer tokens, the read-only identity, impersonation headers, TLS with the generated CA."""
import ssl
import urllib.error
import urllib.request

import pytest
from kubernetes import client, config

from conftest import RawApi
from lab.testing import running_lab


def test_requests_without_or_with_a_wrong_token_are_401(api_lab):
    for token in ("", "wrong"):
        status, body, _ = RawApi(api_lab, token=token).get("/api/v1/namespaces")
        assert status == 401 and body["reason"] == "Unauthorized" and body["kind"] == "Status"


def test_version_is_open(api_lab):
    status, body, _ = RawApi(api_lab, token="").get("/version")
    assert status == 200 and body["major"] == "1" and body["gitVersion"].startswith("v1.32")


def test_readonly_token_reads_but_gets_403_on_writes(api_lab):
    readonly = RawApi(api_lab, token=api_lab.readonly_token)
    assert readonly.get("/api/v1/namespaces/default/configmaps")[0] == 200
    status, body, _ = readonly.post("/api/v1/namespaces/default/configmaps",
                                    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ro"}})
    assert status == 403 and body["reason"] == "Forbidden"
    assert body["message"] == ('configmaps is forbidden: User "lab-readonly" cannot create resource "configmaps" '
                               'in API group "" in the namespace "default"')
    status, body, _ = readonly.delete("/api/v1/nodes/any")
    assert status == 403 and 'cannot delete resource "nodes"' in body["message"]
    assert readonly.request("PUT", "/lab/v1/faults", {"rules": []})[0] == 403


def test_readonly_kubeconfig_context_works_with_the_python_client(api_lab):
    api = client.CoreV1Api(config.new_client_from_config(config_file=api_lab.kubeconfig_path,
                                                          context="lab-readonly"))
    assert any(ns.metadata.name == "default" for ns in api.list_namespace().items)
    with pytest.raises(client.ApiException) as caught:
        api.create_namespaced_config_map("default", {"metadata": {"name": "ro-client"}})
    assert caught.value.status == 403


def test_impersonation_headers_are_accepted(api_lab):
    admin = RawApi(api_lab)
    status, _, _ = admin.get("/api/v1/namespaces", headers={"Impersonate-User": "system:serviceaccount:x:y",
                                                            "Impersonate-Group": "system:masters"})
    assert status == 200
    readonly = RawApi(api_lab, token=api_lab.readonly_token)
    status, body, _ = readonly.get("/api/v1/namespaces", headers={"Impersonate-User": "someone"})
    assert status == 403 and "cannot impersonate" in body["message"]


def test_tls_with_generated_ca(tmp_path):
    with running_lab(tmp_path / "tls", components=[], tls=True) as lab:
        assert lab.url.startswith("https://127.0.0.1:")
        api = client.CoreV1Api(config.new_client_from_config(config_file=lab.kubeconfig_path))
        assert [n.metadata.name for n in api.list_namespace().items][0] == "default"
        request = urllib.request.Request(lab.url + "/version")
        with pytest.raises(urllib.error.URLError) as caught:
            urllib.request.urlopen(request, context=ssl.create_default_context(), timeout=5)
        assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
        verified = ssl.create_default_context(cafile=lab.ca_path)
        with urllib.request.urlopen(request, context=verified, timeout=5) as response:
            assert response.status == 200
