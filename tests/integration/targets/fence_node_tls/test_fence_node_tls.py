"""fence_node against lab BMCs that speak HTTPS: certificate verification is on by default, a custom CA works,
insecure only when asked; and ClusterLabs fence_redfish (HTTPS only) as the agent binary, its result confirmed by
``--action status``."""

import base64
import json
import os
import shutil
import time

import pytest

from playbook_runner import run_module

PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run_fence.yml")
FENCE_REDFISH = shutil.which("fence_redfish") or "/usr/sbin/fence_redfish"


def run_fence(lab, **fence_args):
    return run_module(lab, PLAYBOOK, {"fence_args": fence_args}, inventory=True)


def bmc_vars(lab, node):
    import yaml
    with open(os.path.join(lab.workdir, "inventory.yml")) as handle:
        inventory = yaml.safe_load(handle)
    return inventory["all"]["vars"]["lab_bmc_hosts"][node]


def wait_not_ready(lab, node, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conditions = (lab.store.get("nodes", None, node).get("status") or {}).get("conditions") or []
        if any(c["type"] == "Ready" and c["status"] != "True" for c in conditions):
            return
        time.sleep(0.2)
    raise AssertionError("node %s stayed Ready" % node)


@pytest.mark.lab(bmc_tls=True)
def test_tls_verification_default_custom_ca_and_insecure(lab):
    node = "worker-0"
    bmc = bmc_vars(lab, node)
    assert bmc["bmc_address"].startswith("https://") and bmc["bmc_ca_path"]
    explicit = {"address": bmc["bmc_address"], "username": bmc["bmc_username"], "password": bmc["bmc_password"],
                "systems_uri": bmc["bmc_systems_uri"]}

    unverified = run_fence(lab, name=node, action="status", bmc=explicit)
    assert unverified["failed"] and unverified["bmc_error"]["kind"] == "tls"
    assert "ca_path" in unverified["msg"]

    with_ca = run_fence(lab, name=node, action="status", bmc=dict(explicit, ca_path=bmc["bmc_ca_path"]))
    assert not with_ca.get("failed") and with_ca["power_state"]["before"] == "On"
    assert with_ca["bmc"]["validate_certs"] is True

    insecure = run_fence(lab, name=node, action="status", bmc=dict(explicit, validate_certs=False))
    assert not insecure.get("failed") and insecure["bmc"]["validate_certs"] is False

    from_host = run_fence(lab, name=node, action="status", bmc_from="baremetalhost",
                          bmc={"ca_path": bmc["bmc_ca_path"]})
    assert not from_host.get("failed") and from_host["bmc"]["source"] == "baremetalhost"
    assert from_host["bmc"]["address"].startswith("https://")
    for result in (unverified, with_ca, insecure, from_host):
        assert bmc["bmc_password"] not in json.dumps(result)


@pytest.mark.skipif(not os.access(FENCE_REDFISH, os.X_OK), reason="fence_redfish (Debian fence-agents) not installed")
@pytest.mark.lab(bmc_tls=True)
def test_fence_redfish_binary_fences_a_dead_node(lab):
    node = "worker-1"
    bmc = bmc_vars(lab, node)
    host, port = bmc["bmc_address"].split("://", 1)[1].rstrip("/").rsplit(":", 1)
    lab.store.create("namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                    "metadata": {"name": "openshift-workload-availability"}})
    lab.store.create("secrets", {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                                 "metadata": {"name": "fence-agents-credentials-shared",
                                              "namespace": "openshift-workload-availability"},
                                 "data": {"--password": base64.b64encode(bmc["bmc_password"].encode()).decode()}})
    # FAR-style: shared parameters, the node's address as a node parameter, the password from the Secret
    shared = {"--ipport": port, "--username": bmc["bmc_username"], "--ssl-insecure": "",
              "--systems-uri": bmc["bmc_systems_uri"]}
    lab.fail(node, "power-off")
    wait_not_ready(lab, node)
    fenced = run_fence(lab, name=node, action="off", agent="fence_redfish", use_agent_binary=True,
                       secret="openshift-workload-availability/fence-agents-credentials-shared",
                       parameters=shared, node_parameters={"--ip": {node: host}}, wait_timeout=120)
    assert not fenced.get("failed"), fenced["msg"]
    assert fenced["bmc"]["protocol"] == "agent" and fenced["bmc"]["agent"] == "fence_redfish"
    assert bmc["bmc_password"] not in " ".join(fenced["bmc"]["command"])
    assert fenced["power_state"] == {"before": "Off", "after": "Off"} and fenced["verified"]
    assert "node.kubernetes.io/out-of-service" in [t["key"] for t in fenced["taints_applied"]]
    assert fenced["vms_pending"] == []
    assert bmc["bmc_password"] not in json.dumps(fenced)

    back = run_fence(lab, name=node, action="on", agent="fence_redfish", use_agent_binary=True,
                     secret="openshift-workload-availability/fence-agents-credentials-shared",
                     parameters=shared, node_parameters={"--ip": {node: host}}, wait_timeout=120)
    assert not back.get("failed"), back["msg"]
    assert [a["action"] for a in back["bmc_actions"]] == ["on"] and back["bmc_actions"][0]["verified"]
    assert back["lease"]["state"] == "released"
