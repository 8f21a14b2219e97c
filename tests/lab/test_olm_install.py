"""OLM in the lab: catalogs, package manifests, Subscription -> InstallPlan -> CSV phases -> CRDs served."""

import subprocess
import time

import pytest
import requests

from lab.lab import Lab

NS = "openshift-workload-availability"
MARKET = "openshift-marketplace"
OLM = "/apis/operators.coreos.com"


class Api:
    def __init__(self, lab):
        self.url, self.headers = lab.url, {"Authorization": f"Bearer {lab.token}"}

    def get(self, path, **params):
        return requests.get(self.url + path, headers=self.headers, params=params, timeout=10)

    def post(self, path, body):
        return requests.post(self.url + path, headers=self.headers, json=body, timeout=10)

    def patch(self, path, body):
        return requests.patch(self.url + path, json=body, timeout=10,
                              headers=dict(self.headers, **{"Content-Type": "application/merge-patch+json"}))

    def wait(self, path, predicate, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            response = self.get(path)
            if response.status_code == 200 and predicate(response.json()):
                return response.json()
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting on {path}: last answer {response.status_code} "
                                     f"{response.text[:500]}")
            time.sleep(0.1)


@pytest.fixture(scope="module")
def api():
    with Lab(components=["olm"], seed=3) as lab:
        yield Api(lab)


def namespace(api, name):
    api.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def operator_group(api, ns, targets=None):
    spec = {"targetNamespaces": targets} if targets else {}
    response = api.post(f"{OLM}/v1/namespaces/{ns}/operatorgroups", {
        "apiVersion": "operators.coreos.com/v1", "kind": "OperatorGroup", "metadata": {"name": f"{ns}-og"},
        "spec": spec})
    assert response.status_code == 201, response.text


def subscribe(api, ns, package, source="redhat-operators", approval="Automatic", name=None):
    response = api.post(f"{OLM}/v1alpha1/namespaces/{ns}/subscriptions", {
        "apiVersion": "operators.coreos.com/v1alpha1", "kind": "Subscription", "metadata": {"name": name or package},
        "spec": {"name": package, "channel": "stable", "source": source, "sourceNamespace": MARKET,
                 "installPlanApproval": approval}})
    assert response.status_code == 201, response.text
    return response.json()


def csv_phase(api, ns, csv):
    response = api.get(f"{OLM}/v1alpha1/namespaces/{ns}/clusterserviceversions/{csv}")
    return response.json().get("status", {}).get("phase") if response.status_code == 200 else None


def test_catalog_sources_are_ready(api):
    items = api.get(f"{OLM}/v1alpha1/namespaces/{MARKET}/catalogsources").json()["items"]
    assert {i["metadata"]["name"] for i in items} == {"redhat-operators", "community-operators"}
    assert all(i["status"]["connectionState"]["lastObservedState"] == "READY" for i in items)


def test_package_manifests_list_every_operator_on_channel_stable(api):
    listing = api.get("/apis/packages.operators.coreos.com/v1/namespaces/default/packagemanifests",
                      labelSelector="catalog=redhat-operators").json()
    assert listing["kind"] == "PackageManifestList"
    heads = {i["metadata"]["name"]: i["status"]["channels"][0]["currentCSV"] for i in listing["items"]}
    assert heads == {
        "node-healthcheck-operator": "node-healthcheck-operator.v0.10.0",
        "self-node-remediation": "self-node-remediation.v0.11.0",
        "fence-agents-remediation": "fence-agents-remediation.v0.6.0",
        "machine-deletion-remediation": "machine-deletion-remediation.v0.5.0",
        "node-maintenance-operator": "node-maintenance-operator.v5.4.1",
        "cluster-kube-descheduler-operator": "clusterkubedescheduleroperator.v5.3.0"}
    assert all(i["status"]["defaultChannel"] == "stable" for i in listing["items"])
    community = api.get("/apis/packages.operators.coreos.com/v1/namespaces/default/packagemanifests",
                        labelSelector="catalog=community-operators").json()["items"]
    assert "cluster-kube-descheduler-operator" not in {i["metadata"]["name"] for i in community}
    one = api.get(f"/apis/packages.operators.coreos.com/v1/namespaces/{MARKET}/packagemanifests/"
                  "fence-agents-remediation").json()
    owned = one["status"]["channels"][0]["currentCSVDesc"]["customresourcedefinitions"]["owned"]
    assert {o["kind"] for o in owned} == {"FenceAgentsRemediation", "FenceAgentsRemediationTemplate"}
    assert api.get(f"/apis/packages.operators.coreos.com/v1/namespaces/{MARKET}/packagemanifests/nope"
                   ).status_code == 404


def test_automatic_subscription_installs_and_serves_the_crds(api):
    namespace(api, NS)
    operator_group(api, NS)
    assert api.get("/apis/remediation.medik8s.io/v1alpha1").status_code == 404
    subscribe(api, NS, "node-healthcheck-operator")
    csv = "node-healthcheck-operator.v0.10.0"
    api.wait(f"{OLM}/v1alpha1/namespaces/{NS}/clusterserviceversions/{csv}",
             lambda o: o.get("status", {}).get("phase") == "Succeeded")
    history = [c["phase"] for c in api.get(f"{OLM}/v1alpha1/namespaces/{NS}/clusterserviceversions/{csv}"
                                           ).json()["status"]["conditions"]]
    assert history == ["Pending", "InstallReady", "Installing", "Succeeded"]
    sub = api.wait(f"{OLM}/v1alpha1/namespaces/{NS}/subscriptions/node-healthcheck-operator",
                   lambda o: o.get("status", {}).get("state") == "AtLatestKnown")
    assert sub["status"]["installedCSV"] == csv
    plan = api.get(f"{OLM}/v1alpha1/namespaces/{NS}/installplans/{sub['status']['installPlanRef']['name']}").json()
    assert plan["status"]["phase"] == "Complete" and plan["spec"]["approved"] is True
    resources = api.get("/apis/remediation.medik8s.io/v1alpha1").json()["resources"]
    assert "nodehealthchecks" in {r["name"] for r in resources}


def test_manual_approval_waits_for_the_install_plan_to_be_approved(api):
    namespace(api, "manual-ns")
    operator_group(api, "manual-ns")
    subscribe(api, "manual-ns", "machine-deletion-remediation", approval="Manual")
    sub = api.wait(f"{OLM}/v1alpha1/namespaces/manual-ns/subscriptions/machine-deletion-remediation",
                   lambda o: o.get("status", {}).get("installPlanRef"))
    plan_path = f"{OLM}/v1alpha1/namespaces/manual-ns/installplans/{sub['status']['installPlanRef']['name']}"
    assert api.get(plan_path).json()["status"]["phase"] == "RequiresApproval"
    time.sleep(1.0)
    assert csv_phase(api, "manual-ns", "machine-deletion-remediation.v0.5.0") is None
    assert api.patch(plan_path, {"spec": {"approved": True}}).status_code == 200
    api.wait(f"{OLM}/v1alpha1/namespaces/manual-ns/clusterserviceversions/machine-deletion-remediation.v0.5.0",
             lambda o: o.get("status", {}).get("phase") == "Succeeded")


def test_csv_fails_without_operator_group_until_one_exists(api):
    namespace(api, "no-og")
    subscribe(api, "no-og", "fence-agents-remediation", source="community-operators")
    path = f"{OLM}/v1alpha1/namespaces/no-og/clusterserviceversions/fence-agents-remediation.v0.7.0"
    failed = api.wait(path, lambda o: o.get("status", {}).get("phase") == "Failed")
    assert failed["status"]["reason"] == "NoOperatorGroup"
    operator_group(api, "no-og")
    api.wait(path, lambda o: o.get("status", {}).get("phase") == "Succeeded", timeout=15)


def test_descheduler_does_not_support_all_namespaces(api):
    ns = "openshift-kube-descheduler-operator"
    namespace(api, ns)
    operator_group(api, ns)
    subscribe(api, ns, "cluster-kube-descheduler-operator")
    path = f"{OLM}/v1alpha1/namespaces/{ns}/clusterserviceversions/clusterkubedescheduleroperator.v5.3.0"
    failed = api.wait(path, lambda o: o.get("status", {}).get("phase") == "Failed")
    assert failed["status"]["reason"] == "UnsupportedOperatorGroup"


def test_unknown_package_fails_resolution(api):
    namespace(api, NS)
    subscribe(api, NS, "no-such-operator", name="bogus")
    sub = api.wait(f"{OLM}/v1alpha1/namespaces/{NS}/subscriptions/bogus",
                   lambda o: o.get("status", {}).get("conditions"))
    condition = sub["status"]["conditions"][0]
    assert condition["type"] == "ResolutionFailed" and "no-such-operator" in condition["message"]


def test_cluster_version_is_available_and_not_progressing(api):
    version = api.get("/apis/config.openshift.io/v1/clusterversions/version").json()
    conditions = {c["type"]: c["status"] for c in version["status"]["conditions"]}
    assert conditions["Available"] == "True" and conditions["Progressing"] == "False"
    assert version["status"]["desired"]["version"].startswith("4.")


def test_machine_config_is_served(api):
    response = api.post("/apis/machineconfiguration.openshift.io/v1/machineconfigs", {
        "apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig",
        "metadata": {"name": "99-worker-psi", "labels": {"machineconfiguration.openshift.io/role": "worker"}},
        "spec": {"kernelArguments": ["psi=1"]}})
    assert response.status_code == 201, response.text
    bad = api.post("/apis/machineconfiguration.openshift.io/v1/machineconfigs", {
        "apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig",
        "metadata": {"name": "99-bad"}, "spec": {"kernelArguments": "psi=1"}})
    assert bad.status_code == 422


def test_kubectl_lists_package_manifests_with_their_catalog():
    with Lab(components=["olm"], tls=True) as lab:   # kubectl sends its token only over TLS
        result = subprocess.run(["kubectl", "--kubeconfig", lab.kubeconfig_path, "get", "packagemanifests", "-n",
                                 MARKET, "-l", "catalog=redhat-operators"], capture_output=True, text=True,
                                timeout=30)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "CATALOG", "AGE"]
    assert any(line.split()[0] == "fence-agents-remediation" and "Red Hat Operators" in line for line in lines[1:])
    assert len(lines) == 7
