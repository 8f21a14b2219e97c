"""Helpers of the node_maintenance integration tests: build lab objects, run the module through ansible-playbook."""
import json
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
PLAYBOOK = os.path.join(HERE, "run_module.yml")
ANSIBLE_PLAYBOOK = os.path.join(ROOT, ".venv", "bin", "ansible-playbook")
LEASES = "leases.coordination.k8s.io"


def node(name, role="worker", cpu="8", memory="32Gi", ready=True, taints=None):
    labels = {"kubernetes.io/hostname": name, "node-role.kubernetes.io/" + role: "",
              "kubevirt.io/schedulable": "true"}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels},
            "spec": {"taints": taints} if taints else {},
            "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                       "allocatable": {"cpu": cpu, "memory": memory, "pods": "110"},
                       "capacity": {"cpu": cpu, "memory": memory, "pods": "110"}}}


def pod(name, node_name, owner="ReplicaSet", emptydir=False, namespace="default", cpu="500m", memory="1Gi",
        labels=None):
    meta = {"name": name, "namespace": namespace, "labels": labels or {}}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner, "name": name + "-owner",
                                    "uid": "uid-" + name, "controller": True}]
    spec = {"nodeName": node_name, "containers": [{"name": "c", "image": "registry.example/app:1", "resources": {
        "requests": {"cpu": cpu, "memory": memory}}}]}
    if emptydir:
        spec["volumes"] = [{"name": "scratch", "emptyDir": {}}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": {"phase": "Running"}}


def run_module(lab, args, check=False, timeout=600, background=False):
    """Run the module through ansible-playbook; returns the registered result (dict), or the Popen and the
    result path when background=True."""
    handle, result_file = tempfile.mkstemp(suffix=".json", prefix="nm-result-")
    os.close(handle)
    extra = {"nm_args": args, "nm_check": check, "result_file": result_file}
    env = dict(os.environ, K8S_AUTH_KUBECONFIG=lab.kubeconfig_path, ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1")
    argv = [ANSIBLE_PLAYBOOK, PLAYBOOK, "-e", json.dumps(extra)]
    if background:
        # its own session, so a test can kill the whole run (ansible-playbook, its worker and the module) at once
        return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True), result_file
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    return read_result(result_file, proc.stdout + proc.stderr)


def read_result(result_file, output=""):
    try:
        with open(result_file) as handle:
            text = handle.read()
        return json.loads(text)
    except ValueError:
        raise AssertionError("no module result; ansible-playbook said:\n" + output[-4000:])
    finally:
        os.unlink(result_file)


def node_state(lab, name):
    obj = lab.store.get("nodes", None, name)
    return {"unschedulable": bool(obj["spec"].get("unschedulable")), "taints": obj["spec"].get("taints") or [],
            "labels": obj["metadata"].get("labels") or {}, "annotations": obj["metadata"].get("annotations") or {}}


def lease(lab, node_name):
    try:
        return lab.store.get(LEASES, "medik8s-leases", "node-" + node_name)
    except Exception:  # pylint: disable=broad-except  # the store raises ApiError when it is absent
        return None
