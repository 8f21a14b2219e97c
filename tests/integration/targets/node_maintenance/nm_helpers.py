"""Helpers of the node_maintenance integration tests: lab objects, and the module run through ansible-playbook."""
import os

import builders
from playbook_runner import run_module as run_module_playbook

PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run_module.yml")
LEASES = "leases.coordination.k8s.io"


def node(name, role="worker", cpu="8", memory="32Gi", ready=True, taints=None):
    return builders.node(name, ready=ready, role=role, cpu=cpu, memory=memory, capacity=True, taints=taints or None,
                         labels={"kubernetes.io/hostname": name, "kubevirt.io/schedulable": "true"})


def pod(name, node_name, owner="ReplicaSet", emptydir=False, namespace="default", cpu="500m", memory="1Gi",
        labels=None):
    return builders.pod(name, namespace=namespace, node=node_name, owner=owner, emptydir=emptydir, cpu=cpu,
                        memory=memory, labels=labels)


def run_module(lab, args, check=False, timeout=600, background=False):
    """node_maintenance through ansible-playbook; the registered result (dict), or the process and the result
    file when background=True."""
    return run_module_playbook(lab, PLAYBOOK, {"nm_args": args, "nm_check": check}, timeout=timeout,
                               background=background)


def node_state(lab, name):
    obj = lab.store.get("nodes", None, name)
    return {"unschedulable": bool(obj["spec"].get("unschedulable")), "taints": obj["spec"].get("taints") or [],
            "labels": obj["metadata"].get("labels") or {}, "annotations": obj["metadata"].get("annotations") or {}}


def lease(lab, node_name):
    try:
        return lab.store.get(LEASES, "medik8s-leases", "node-" + node_name)
    except Exception:  # pylint: disable=broad-except  # the store raises ApiError when it is absent
        return None
