"""kubectl against the lab (HTTPS: this kubectl sends bearer tokens only over TLS)."""
import os
import shutil
import subprocess
import time

import pytest
import yaml

from lab.testing import running_lab

KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed on this machine")


@pytest.fixture(scope="module")
def tls_lab(tmp_path_factory):
    with running_lab(tmp_path_factory.mktemp("kubectl-lab"), components=[], tls=True) as lab:
        yield lab


@pytest.fixture(scope="module")
def kubectl(tls_lab):
    env = dict(os.environ, KUBECONFIG=tls_lab.kubeconfig_path, HOME=os.path.dirname(tls_lab.kubeconfig_path))

    def run(*args, input=None, check=True):
        result = subprocess.run([KUBECTL, *args], env=env, input=input, capture_output=True, text=True, timeout=60)
        if check:
            assert result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr}"
        return result

    run.env = env
    return run


NODE = """apiVersion: v1
kind: Node
metadata:
  name: k-node
  labels: {node-role.kubernetes.io/worker: ""}
spec:
  taints: [{key: keep, value: "1", effect: NoSchedule}]
"""


@pytest.fixture(scope="module")
def node(kubectl, tls_lab):
    assert "node/k-node created" in kubectl("create", "-f", "-", input=NODE).stdout
    tls_lab.store.mutate("nodes", None, "k-node", lambda n: {**n, "status": {
        "conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.32.0"}}},
        subresource="status")
    return "k-node"


def _pod(tls_lab, name, grace=0, owner=None):
    meta = {"name": name, "namespace": "default"}
    if owner:
        meta["ownerReferences"] = [owner]
    tls_lab.store.create("pods", {"metadata": meta, "spec": {
        "nodeName": "k-node", "terminationGracePeriodSeconds": grace, "containers": [{"name": "c", "image": "i"}]},
        "status": {"phase": "Running"}})


def test_get_table_and_yaml(kubectl, node):
    lines = kubectl("get", "nodes").stdout.splitlines()
    assert lines[0].split()[:5] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert lines[1].split()[:3] == ["k-node", "Ready", "worker"]
    document = yaml.safe_load(kubectl("get", "node", node, "-o", "yaml").stdout)
    assert document["kind"] == "Node" and document["metadata"]["uid"]


def test_describe_node(kubectl, node):
    out = kubectl("describe", "node", node).stdout
    assert "Name:               k-node" in out and "Taints:             keep=1:NoSchedule" in out


def test_label_annotate_taint(kubectl, node, tls_lab):
    kubectl("label", "node", node, "zone=a")
    kubectl("annotate", "node", node, "note=hello")
    kubectl("taint", "node", node, "extra=x:NoExecute")
    stored = tls_lab.store.get("nodes", None, node)
    assert stored["metadata"]["labels"]["zone"] == "a" and stored["metadata"]["annotations"]["note"] == "hello"
    assert {t["key"] for t in stored["spec"]["taints"]} == {"keep", "extra"}
    kubectl("taint", "node", node, "extra-")
    assert [t["key"] for t in tls_lab.store.get("nodes", None, node)["spec"]["taints"]] == ["keep"]


def test_patch_with_each_type(kubectl, node, tls_lab):
    kubectl("patch", "node", node, "--type=strategic", "-p", '{"metadata":{"labels":{"p":"s"}}}')
    kubectl("patch", "node", node, "--type=merge", "-p", '{"metadata":{"labels":{"q":"m"}}}')
    kubectl("patch", "node", node, "--type=json", "-p", '[{"op":"add","path":"/metadata/labels/r","value":"j"}]')
    labels = tls_lab.store.get("nodes", None, node)["metadata"]["labels"]
    assert (labels["p"], labels["q"], labels["r"]) == ("s", "m", "j")
    failed = kubectl("patch", "node", node, "--type=json", "-p",
                     '[{"op":"test","path":"/metadata/labels/r","value":"nope"}]', check=False)
    assert failed.returncode == 1 and "The request is invalid" in failed.stderr
    assert tls_lab.store.get("nodes", None, node)["metadata"]["labels"]["r"] == "j"


def test_cordon_drain_uncordon(kubectl, node, tls_lab):
    _pod(tls_lab, "k-drained")
    kubectl("cordon", node)
    assert tls_lab.store.get("nodes", None, node)["spec"]["unschedulable"] is True
    out = kubectl("drain", node, "--ignore-daemonsets", "--force", "--timeout=20s").stdout
    assert "evicting pod default/k-drained" in out or "pod/k-drained evicted" in out
    assert tls_lab.store.list("pods", field_selector=f"spec.nodeName={node}")[0] == []
    kubectl("uncordon", node)
    assert not tls_lab.store.get("nodes", None, node)["spec"].get("unschedulable")


def test_apply_client_and_server_side(kubectl, tls_lab):
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: k-cm\ndata:\n  a: '1'\n"
    assert "created" in kubectl("apply", "-f", "-", input=manifest).stdout
    assert "configured" in kubectl("apply", "-f", "-", input=manifest.replace("'1'", "'2'")).stdout
    stored = tls_lab.store.get("configmaps", "default", "k-cm")
    assert stored["data"] == {"a": "2"}
    assert "kubectl.kubernetes.io/last-applied-configuration" in stored["metadata"]["annotations"]
    out = kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", input=manifest.replace("'1'", "'3'"))
    assert "serverside-applied" in out.stdout
    assert tls_lab.store.get("configmaps", "default", "k-cm")["data"] == {"a": "3"}


def test_dry_run_server_stores_nothing(kubectl, tls_lab):
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: k-dry\n"
    assert "(server dry run)" in kubectl("create", "-f", "-", "--dry-run=server", input=manifest).stdout
    assert tls_lab.store.list("configmaps", field_selector="metadata.name=k-dry")[0] == []


def test_server_errors_reach_the_user(kubectl):
    result = kubectl("get", "pod", "missing-pod", check=False)
    assert result.returncode == 1 and 'pods "missing-pod" not found' in result.stderr
    bad = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n"
    result = kubectl("create", "-f", "-", input=bad, check=False)
    assert result.returncode == 1 and "is invalid" in result.stderr


def test_delete(kubectl, tls_lab):
    tls_lab.store.create("configmaps", {"metadata": {"name": "k-del", "namespace": "default"}})
    assert 'configmap "k-del" deleted' in kubectl("delete", "configmap", "k-del").stdout
    assert tls_lab.store.list("configmaps", field_selector="metadata.name=k-del")[0] == []


def test_get_watch_streams_changes(kubectl, tls_lab):
    tls_lab.store.create("configmaps", {"metadata": {"name": "k-watch", "namespace": "default"}})
    process = subprocess.Popen([KUBECTL, "get", "configmaps", "-w", "--output-watch-events"], env=kubectl.env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        tls_lab.store.mutate("configmaps", "default", "k-watch", lambda o: {**o, "data": {"x": "y"}})
        tls_lab.store.delete("configmaps", "default", "k-watch")
        time.sleep(1.0)
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    events = [line.split()[:2] for line in out.splitlines() if "k-watch" in line]
    assert events == [["ADDED", "k-watch"], ["MODIFIED", "k-watch"], ["DELETED", "k-watch"]]


def test_api_resources_lists_short_names(kubectl):
    out = kubectl("api-resources").stdout
    pods = next(line.split() for line in out.splitlines() if line.startswith("pods "))
    assert pods == ["pods", "po", "v1", "true", "Pod"]


def test_strict_field_validation_of_custom_resources(kubectl, tls_lab):
    from test_api_crd import CRD
    tls_lab.install_crd(CRD)
    widget = "apiVersion: lab.example.com/v1\nkind: Widget\nmetadata: {name: k-w}\nspec: {size: small, colour: red}\n"
    result = kubectl("create", "-f", "-", input=widget, check=False)
    assert result.returncode == 1 and 'strict decoding error: unknown field "spec.colour"' in result.stderr
    kubectl("create", "-f", "-", input=widget.replace(", colour: red", ""))
    lines = kubectl("get", "widgets").stdout.splitlines()
    assert lines[0].split() == ["NAME", "SIZE", "REPLICAS"] and lines[1].split() == ["k-w", "small", "1"]
    kubectl("scale", "widget", "k-w", "--replicas=3")
    assert tls_lab.store.get("widgets.lab.example.com", "default", "k-w")["spec"]["replicas"] == 3


def test_typed_create_commands_send_protobuf(kubectl, tls_lab):
    kubectl("create", "namespace", "k-proto")
    kubectl("create", "deployment", "k-web", "--image=nginx", "--replicas=2", "--port=80", "-n", "k-proto")
    kubectl("create", "configmap", "k-c", "--from-literal=a=1", "-n", "k-proto")
    kubectl("create", "secret", "generic", "k-s", "--from-literal=p=secret", "-n", "k-proto")
    kubectl("create", "pdb", "k-pdb", "--selector=app=k-web", "--max-unavailable=25%", "-n", "k-proto")
    deployment = tls_lab.store.get("deployments.apps", "k-proto", "k-web")
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["selector"] == {"matchLabels": {"app": "k-web"}}
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert (container["name"], container["image"], container["ports"][0]["containerPort"]) == ("nginx", "nginx", 80)
    assert tls_lab.store.get("configmaps", "k-proto", "k-c")["data"] == {"a": "1"}
    secret = tls_lab.store.get("secrets", "k-proto", "k-s")
    assert secret["data"] == {"p": "c2VjcmV0"} and secret["type"] == "Opaque"
    assert tls_lab.store.get("poddisruptionbudgets.policy", "k-proto", "k-pdb")["spec"]["maxUnavailable"] == "25%"


def test_auth_can_i_reflects_the_identity(kubectl):
    assert kubectl("auth", "can-i", "delete", "nodes").stdout.strip() == "yes"
    readonly = kubectl("auth", "can-i", "delete", "nodes", "--context", "lab-readonly", check=False)
    assert readonly.returncode == 1 and readonly.stdout.startswith("no")
    assert kubectl("auth", "can-i", "list", "pods", "--context", "lab-readonly").stdout.strip() == "yes"
    denied = kubectl("delete", "node", "k-node", "--context", "lab-readonly", check=False)
    assert denied.returncode == 1 and 'User "lab-readonly" cannot delete resource "nodes"' in denied.stderr
