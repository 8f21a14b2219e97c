"""The operators' CRDs, once installed through OLM, enforce their documented schemas (422) and defaults."""

import time

import pytest
import requests

from lab.lab import Lab
from lab.olm import catalog

NS = "openshift-workload-availability"
TEMPLATE_REF = {"apiVersion": "self-node-remediation.medik8s.io/v1alpha1", "kind": "SelfNodeRemediationTemplate",
                "namespace": NS, "name": "self-node-remediation-automatic-strategy-template"}


class Api:
    def __init__(self, lab):
        self.url, self.headers = lab.url, {"Authorization": f"Bearer {lab.token}"}

    def get(self, path):
        return requests.get(self.url + path, headers=self.headers, timeout=10)

    def post(self, path, body):
        return requests.post(self.url + path, headers=self.headers, json=body, timeout=10)

    def put(self, path, body):
        return requests.put(self.url + path, headers=self.headers, json=body, timeout=10)


@pytest.fixture(scope="module")
def api():
    with Lab(components=["olm"], seed=5) as lab:
        api = Api(lab)
        api.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
        api.post(f"/apis/operators.coreos.com/v1/namespaces/{NS}/operatorgroups", {
            "apiVersion": "operators.coreos.com/v1", "kind": "OperatorGroup", "metadata": {"name": "wa"},
            "spec": {"targetNamespaces": [NS]}})
        for package in catalog.RED_HAT:
            api.post(f"/apis/operators.coreos.com/v1alpha1/namespaces/{NS}/subscriptions", {
                "apiVersion": "operators.coreos.com/v1alpha1", "kind": "Subscription", "metadata": {"name": package},
                "spec": {"name": package, "channel": "stable", "source": "redhat-operators",
                         "sourceNamespace": "openshift-marketplace"}})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            items = api.get(f"/apis/operators.coreos.com/v1alpha1/namespaces/{NS}/clusterserviceversions"
                            ).json()["items"]
            if len(items) == len(catalog.RED_HAT) and all(i.get("status", {}).get("phase") == "Succeeded"
                                                          for i in items):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("operators did not install")
        yield api


def nhc(name, **spec):
    body = {"selector": {"matchExpressions": [{"key": "node-role.kubernetes.io/worker", "operator": "Exists"}]},
            "remediationTemplate": TEMPLATE_REF}
    body.update(spec)
    return {"apiVersion": "remediation.medik8s.io/v1alpha1", "kind": "NodeHealthCheck", "metadata": {"name": name},
            "spec": body}


NHC_PATH = "/apis/remediation.medik8s.io/v1alpha1/nodehealthchecks"
FAR = "/apis/fence-agents-remediation.medik8s.io/v1alpha1/namespaces/" + NS


def causes(response):
    return [c["field"] for c in response.json()["details"]["causes"]]


def test_nhc_rejects_a_min_healthy_above_100_percent(api):
    response = api.post(NHC_PATH, nhc("bad-percent", minHealthy="150%"))
    assert response.status_code == 422
    assert causes(response) == ["spec.minHealthy"]


def test_nhc_defaults_its_unhealthy_conditions(api):
    response = api.post(NHC_PATH, nhc("workers", minHealthy="51%"))
    assert response.status_code == 201, response.text
    assert response.json()["spec"]["unhealthyConditions"] == [
        {"type": "Ready", "status": "False", "duration": "300s"},
        {"type": "Ready", "status": "Unknown", "duration": "300s"}]


@pytest.mark.parametrize("spec, field", [
    ({"minHealthy": "51%", "maxUnhealthy": 1}, "spec.minHealthy"),
    ({}, "spec.minHealthy"),
    ({"minHealthy": 2, "unhealthyConditions": [{"type": "Ready", "status": "False", "duration": "5 minutes"}]},
     "spec.unhealthyConditions[0].duration"),
    ({"minHealthy": 2, "remediationTemplate": None, "escalatingRemediations": [
        {"remediationTemplate": TEMPLATE_REF, "order": 0, "timeout": "30s"}]},
     "spec.escalatingRemediations[0].timeout"),
    ({"minHealthy": 2, "escalatingRemediations": [
        {"remediationTemplate": TEMPLATE_REF, "order": 0, "timeout": "5m"}]}, "spec.remediationTemplate"),
])
def test_nhc_validation(api, spec, field):
    body = nhc("invalid", **spec)
    body["spec"] = {k: v for k, v in body["spec"].items() if v is not None}
    response = api.post(NHC_PATH, body)
    assert response.status_code == 422, response.text
    assert field in causes(response)


def test_far_template_pattern_enum_and_defaults(api):
    template = {"apiVersion": "fence-agents-remediation.medik8s.io/v1alpha1",
                "kind": "FenceAgentsRemediationTemplate", "metadata": {"name": "redfish"},
                "spec": {"template": {"spec": {"agent": "fence_redfish",
                                               "sharedparameters": {"--ssl-insecure": ""},
                                               "nodeparameters": {"--ip": {"worker-0": "127.0.0.1"}}}}}}
    created = api.post(f"{FAR}/fenceagentsremediationtemplates", template)
    assert created.status_code == 201, created.text
    spec = created.json()["spec"]["template"]["spec"]
    assert (spec["retrycount"], spec["retryinterval"], spec["timeout"], spec["remediationStrategy"]) == \
        (5, "5s", "60s", "ResourceDeletion")
    bad = dict(template, metadata={"name": "ipmi"})
    bad["spec"] = {"template": {"spec": {"agent": "ipmitool"}}}
    assert api.post(f"{FAR}/fenceagentsremediationtemplates", bad).status_code == 422
    wrong = {"apiVersion": "fence-agents-remediation.medik8s.io/v1alpha1", "kind": "FenceAgentsRemediation",
             "metadata": {"name": "worker-0"},
             "spec": {"agent": "fence_redfish", "remediationStrategy": "Reboot"}}
    response = api.post(f"{FAR}/fenceagentsremediations", wrong)
    assert response.status_code == 422 and causes(response) == ["spec.remediationStrategy"]


def test_snr_install_creates_its_default_template_and_config(api):
    base = f"/apis/self-node-remediation.medik8s.io/v1alpha1/namespaces/{NS}"
    template = api.get(f"{base}/selfnoderemediationtemplates/self-node-remediation-automatic-strategy-template")
    assert template.status_code == 200
    assert template.json()["metadata"]["labels"]["remediation.medik8s.io/default-template"] == "true"
    config = api.get(f"{base}/selfnoderemediationconfigs/self-node-remediation-config").json()
    assert config["spec"]["watchdogFilePath"] == "/dev/watchdog"
    assert config["spec"]["maxApiErrorThreshold"] == 3 and config["spec"]["isSoftwareRebootEnabled"] is True
    bad = api.post(f"{base}/selfnoderemediations", {
        "apiVersion": "self-node-remediation.medik8s.io/v1alpha1", "kind": "SelfNodeRemediation",
        "metadata": {"name": "worker-1"}, "spec": {"remediationStrategy": "Reboot"}})
    assert bad.status_code == 422


def test_node_maintenance_requires_an_existing_node(api):
    path = "/apis/nodemaintenance.medik8s.io/v1beta1/nodemaintenances"
    missing = api.post(path, {"apiVersion": "nodemaintenance.medik8s.io/v1beta1", "kind": "NodeMaintenance",
                              "metadata": {"name": "nm"}, "spec": {"reason": "no node"}})
    assert missing.status_code == 422 and causes(missing) == ["spec.nodeName"]
    unknown = api.post(path, {"apiVersion": "nodemaintenance.medik8s.io/v1beta1", "kind": "NodeMaintenance",
                              "metadata": {"name": "nm"}, "spec": {"nodeName": "ghost"}})
    assert unknown.status_code == 422 and "ghost" in unknown.text


def test_kube_descheduler_enums_and_defaults(api):
    path = "/apis/operator.openshift.io/v1/namespaces/openshift-kube-descheduler-operator/kubedeschedulers"
    api.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                    "metadata": {"name": "openshift-kube-descheduler-operator"}})
    body = {"apiVersion": "operator.openshift.io/v1", "kind": "KubeDescheduler", "metadata": {"name": "cluster"},
            "spec": {"profiles": ["KubeVirtRelieveAndMigrate"], "deschedulingIntervalSeconds": 60,
                     "profileCustomizations": {"devDeviationThresholds": "AsymmetricLow"}}}
    created = api.post(path, body)
    assert created.status_code == 201, created.text
    assert created.json()["spec"]["mode"] == "Predictive"
    bad = dict(body, metadata={"name": "bad"})
    bad["spec"] = {"profiles": ["RelieveEverything"], "mode": "Eager"}
    response = api.post(path, bad)
    assert response.status_code == 422
    assert set(causes(response)) == {"spec.profiles[0]", "spec.mode"}


def test_machine_deletion_remediation_template_is_served(api):
    response = api.post(f"/apis/machine-deletion-remediation.medik8s.io/v1alpha1/namespaces/{NS}/"
                        "machinedeletionremediationtemplates", {
                            "apiVersion": "machine-deletion-remediation.medik8s.io/v1alpha1",
                            "kind": "MachineDeletionRemediationTemplate", "metadata": {"name": "mdr"},
                            "spec": {"template": {"spec": {}}}})
    assert response.status_code == 201, response.text
