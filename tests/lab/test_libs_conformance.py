"""Patch types, server-side apply, CRD schema enforcement and Table columns through real clients.

Every test talks HTTP(S) to a running lab with kubectl (/usr/bin/kubectl) or the kubernetes Python client,
and checks what a real cluster would answer.
"""
import json
import os
import shutil
import subprocess
import time

import pytest
import yaml
from kubernetes import client, config
from kubernetes.client.rest import ApiException

from lab.testing import running_lab

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"
HAVE_KUBECTL = os.path.exists(KUBECTL)
needs_kubectl = pytest.mark.skipif(not HAVE_KUBECTL, reason="kubectl is not installed on this machine")

GROUP, VERSION, PLURAL = "lab.example.com", "v1alpha1", "healthchecks"
CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": f"{PLURAL}.{GROUP}"},
    "spec": {
        "group": GROUP, "scope": "Namespaced",
        "names": {"plural": PLURAL, "singular": "healthcheck", "kind": "HealthCheck", "shortNames": ["hc"]},
        "versions": [{
            "name": VERSION, "served": True, "storage": True, "subresources": {"status": {}},
            "additionalPrinterColumns": [
                {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
                {"name": "Ready", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
                {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
            ],
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                "spec": {"type": "object", "required": ["minHealthy"], "properties": {
                    "minHealthy": {"x-kubernetes-int-or-string": True, "pattern": "^((100|[0-9]{1,2})%|[0-9]+)$"},
                    "mode": {"type": "string", "enum": ["Automatic", "Manual"], "default": "Automatic"},
                    "replicas": {"type": "integer", "minimum": 0},
                }},
                "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            }}},
        }],
    },
}


@pytest.fixture(scope="module")
def tls_lab(tmp_path_factory):
    with running_lab(tmp_path_factory.mktemp("libs-conformance"), components=[], tls=True) as started:
        yield started


@pytest.fixture(scope="module")
def api(tls_lab):
    return config.new_client_from_config(config_file=tls_lab.kubeconfig_path)


@pytest.fixture(scope="module")
def core(api):
    return client.CoreV1Api(api)


@pytest.fixture(scope="module")
def kubectl(tls_lab, tmp_path_factory):
    home = tmp_path_factory.mktemp("kubectl-home")

    def run(*args, stdin=None, check=True):
        env = dict(os.environ, KUBECONFIG=tls_lab.kubeconfig_path, HOME=str(home))
        result = subprocess.run([KUBECTL, *args], input=stdin, capture_output=True, text=True, env=env, timeout=30)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {result.stderr}")
        return result
    return run


def _node(core, name, taints=()):
    body = {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"node-role.kubernetes.io/worker": ""}},
            "spec": {"taints": [dict(t) for t in taints]}}
    return core.create_node(body)


@needs_kubectl
def test_kubectl_strategic_patch_of_one_taint_drops_the_others(core, kubectl):
    _node(core, "taint-node", [{"key": "a", "effect": "NoSchedule"}, {"key": "b", "effect": "NoExecute"}])
    kubectl("patch", "node", "taint-node", "--type=strategic",
            "-p", json.dumps({"spec": {"taints": [{"key": "c", "effect": "NoSchedule"}]}}))
    taints = core.read_node("taint-node").spec.taints
    assert [(t.key, t.effect) for t in taints] == [("c", "NoSchedule")]


@needs_kubectl
def test_kubectl_strategic_status_patch_merges_conditions_by_type(core, kubectl):
    _node(core, "cond-node")
    status = {"status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"},
                                        {"type": "MemoryPressure", "status": "False"}]}}
    kubectl("patch", "node", "cond-node", "--subresource=status", "-p", json.dumps(status))
    kubectl("patch", "node", "cond-node", "--subresource=status",
            "-p", json.dumps({"status": {"conditions": [{"type": "Ready", "status": "False"}]}}))
    conditions = {c.type: (c.status, c.reason) for c in core.read_node("cond-node").status.conditions}
    assert conditions == {"Ready": ("False", "KubeletReady"), "MemoryPressure": ("False", None)}


@needs_kubectl
def test_kubectl_merge_patch_sets_and_removes_labels(core, kubectl):
    _node(core, "merge-node")
    kubectl("patch", "node", "merge-node", "--type=merge", "-p", '{"metadata":{"labels":{"zone":"a"}}}')
    kubectl("patch", "node", "merge-node", "--type=merge",
            "-p", '{"metadata":{"labels":{"node-role.kubernetes.io/worker":null}}}')
    assert core.read_node("merge-node").metadata.labels == {"zone": "a"}


@needs_kubectl
def test_json_patch_with_failing_test_is_422_for_kubectl_and_the_client(core, kubectl):
    _node(core, "json-node")
    ops = [{"op": "test", "path": "/metadata/labels/zone", "value": "b"},
           {"op": "add", "path": "/metadata/labels/zone", "value": "c"}]
    result = kubectl("patch", "node", "json-node", "--type=json", "-p", json.dumps(ops), check=False)
    assert result.returncode != 0
    assert "The request is invalid: the server rejected our request due to an error in our request" in result.stderr
    with pytest.raises(ApiException) as err:
        core.patch_node("json-node", ops)
    assert err.value.status == 422
    good = [{"op": "add", "path": "/metadata/labels/zone", "value": "c"},
            {"op": "test", "path": "/metadata/labels/zone", "value": "c"}]
    assert core.patch_node("json-node", good).metadata.labels["zone"] == "c"


@needs_kubectl
def test_kubectl_patch_delete_directive_removes_a_template_container(api, kubectl):
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment("default", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "app", "image": "app:1"},
                                                      {"name": "side", "image": "side:1"}]}}}})
    kubectl("patch", "deployment", "web", "-n", "default",
            "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"},'
                  '{"name":"app","image":"app:2"}]}}}}')
    containers = apps.read_namespaced_deployment("web", "default").spec.template.spec.containers
    assert [(c.name, c.image) for c in containers] == [("app", "app:2")]


@needs_kubectl
def test_kubectl_server_side_apply_creates_then_releases_dropped_fields(core, kubectl):
    manifest = {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "settings", "namespace": "default", "labels": {"a": "1", "b": "2"}},
                "data": {"k": "v"}}
    kubectl("apply", "--server-side", "-f", "-", stdin=yaml.safe_dump(manifest))
    created = core.read_namespaced_config_map("settings", "default")
    assert created.metadata.labels == {"a": "1", "b": "2"}
    [entry] = [m for m in created.metadata.managed_fields if m.operation == "Apply"]
    assert entry.manager == "kubectl" and entry.fields_type == "FieldsV1"

    del manifest["metadata"]["labels"]["b"]
    manifest["data"]["k"] = "w"
    kubectl("apply", "--server-side", "-f", "-", stdin=yaml.safe_dump(manifest))
    updated = core.read_namespaced_config_map("settings", "default")
    assert updated.metadata.labels == {"a": "1"} and updated.data == {"k": "w"}
    assert updated.metadata.uid == created.metadata.uid


def _wait_served(api, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client.CustomObjectsApi(api).list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL)
            return
        except ApiException:
            time.sleep(0.05)
    raise AssertionError("the CRD's resource was never served")


@pytest.fixture(scope="module")
def crd(api, kubectl):
    kubectl("apply", "-f", "-", stdin=yaml.safe_dump(CRD))
    _wait_served(api)
    return client.CustomObjectsApi(api)


def _health_check(name, **spec):
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "HealthCheck",
            "metadata": {"name": name, "namespace": "default"}, "spec": spec}


@needs_kubectl
def test_crd_schema_rejects_bad_input_naming_the_field(crd, kubectl):
    bad = yaml.safe_dump(_health_check("bad", minHealthy="abc", mode="Sometimes"))
    result = kubectl("create", "-f", "-", stdin=bad, check=False)
    assert result.returncode != 0
    assert 'The HealthCheck "bad" is invalid' in result.stderr
    assert "spec.minHealthy: Invalid value: \"abc\": spec.minHealthy in body should match" in result.stderr
    assert 'spec.mode: Unsupported value: "Sometimes": supported values: "Automatic", "Manual"' in result.stderr

    with pytest.raises(ApiException) as err:
        crd.create_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, _health_check("bad2", replicas=-1))
    assert err.value.status == 422
    causes = {c["field"]: c for c in json.loads(err.value.body)["details"]["causes"]}
    assert causes["spec.minHealthy"]["reason"] == "FieldValueRequired"
    assert causes["spec.replicas"]["message"] == \
        "Invalid value: -1: spec.replicas in body should be greater than or equal to 0"


@needs_kubectl
def test_crd_defaults_prune_and_refuse_strategic_merge(crd, kubectl):
    created = crd.create_namespaced_custom_object(GROUP, VERSION, "default", PLURAL,
                                                  _health_check("good", minHealthy="51%", junk=1))
    assert created["spec"] == {"minHealthy": "51%", "mode": "Automatic"}
    refused = kubectl("patch", "hc", "good", "-n", "default", "-p", '{"spec":{"replicas":2}}', check=False)
    assert refused.returncode != 0
    assert "the body of the request was in an unknown format - accepted media types include: " \
           "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml" in refused.stderr
    kubectl("patch", "hc", "good", "-n", "default", "--type=merge", "-p", '{"spec":{"replicas":2}}')
    assert crd.get_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "good")["spec"]["replicas"] == 2


def _table(output: str) -> list[list[str]]:
    return [line.split() for line in output.strip().splitlines()]


@needs_kubectl
def test_kubectl_get_shows_kubectl_columns_for_nodes_and_printer_columns_for_crds(core, crd, kubectl):
    _node(core, "table-node")
    kubectl("patch", "node", "table-node", "--subresource=status", "-p", json.dumps(
        {"status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.32.1"}}}))
    kubectl("cordon", "table-node")
    rows = _table(kubectl("get", "node", "table-node").stdout)
    assert rows[0] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert rows[1][:3] == ["table-node", "Ready,SchedulingDisabled", "worker"]
    assert rows[1][4] == "v1.32.1"
    wide = _table(kubectl("get", "node", "table-node", "-o", "wide").stdout)
    assert wide[0][5:7] == ["INTERNAL-IP", "EXTERNAL-IP"]

    crd.create_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, _health_check("shown", minHealthy=1))
    kubectl("patch", "hc", "shown", "-n", "default", "--subresource=status", "--type=merge", "-p",
            json.dumps({"status": {"phase": "Healthy", "conditions": [{"type": "Ready", "status": "True"}]}}))
    rows = _table(kubectl("get", "hc", "shown", "-n", "default").stdout)
    assert rows[0] == ["NAME", "PHASE", "READY", "AGE"]
    assert rows[1][:3] == ["shown", "Healthy", "True"]


@needs_kubectl
def test_kubectl_get_pods_shows_ready_status_restarts(core, kubectl):
    core.create_namespaced_pod("default", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p1"},
                                           "spec": {"containers": [{"name": "a", "image": "a:1"}]}})
    rows = _table(kubectl("get", "pod", "p1", "-n", "default").stdout)
    assert rows[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert rows[1][:4] == ["p1", "0/1", "Pending", "0"]
    pod = core.read_namespaced_pod("p1", "default")
    assert pod.spec.scheduler_name == "default-scheduler"
    assert {(t.key, t.toleration_seconds) for t in pod.spec.tolerations} == {
        ("node.kubernetes.io/not-ready", 300), ("node.kubernetes.io/unreachable", 300)}


@needs_kubectl
def test_kubectl_client_side_apply_uses_retain_keys_and_element_order(api, kubectl):
    manifest = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "applied", "namespace": "default"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "applied"}},
                 "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
                 "template": {"metadata": {"labels": {"app": "applied"}},
                              "spec": {"containers": [{"name": "app", "image": "app:1",
                                                       "env": [{"name": "A", "value": "1"},
                                                               {"name": "B", "value": "2"}]}]}}}}
    kubectl("apply", "-f", "-", stdin=yaml.safe_dump(manifest))
    manifest["spec"]["strategy"] = {"type": "Recreate"}
    container = manifest["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [{"name": "C", "value": "3"}, {"name": "B", "value": "2"}]
    kubectl("apply", "-f", "-", stdin=yaml.safe_dump(manifest))
    live = client.AppsV1Api(api).read_namespaced_deployment("applied", "default")
    assert live.spec.strategy.type == "Recreate" and live.spec.strategy.rolling_update is None
    assert [(e.name, e.value) for e in live.spec.template.spec.containers[0].env] == [("C", "3"), ("B", "2")]
