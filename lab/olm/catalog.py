"""The lab's operator catalogs: which packages each CatalogSource offers, their channel heads and owned CRDs."""

from __future__ import annotations

from dataclasses import dataclass, field

from lab.olm import medik8s_crds, openshift_crds

MARKETPLACE = "openshift-marketplace"


@dataclass(frozen=True)
class Package:
    name: str
    display_name: str
    provider: str
    version: str
    csv_prefix: str
    replaces: str
    suggested_namespace: str
    crds: tuple = field(default=())          # callables returning one CRD dict or a list of them
    all_namespaces: bool = True              # supports the AllNamespaces install mode
    description: str = ""

    @property
    def csv_name(self) -> str:
        return f"{self.csv_prefix}.v{self.version}"

    def crd_definitions(self) -> list[dict]:
        result = []
        for make in self.crds:
            made = make()
            result.extend(made if isinstance(made, list) else [made])
        return result


def _medik8s(name, display, version, replaces, crds, description, prefix=None):
    return Package(name=name, display_name=display, provider="Red Hat", version=version, csv_prefix=prefix or name,
                   replaces=replaces, suggested_namespace="openshift-workload-availability", crds=crds,
                   description=description)


RED_HAT = {
    p.name: p for p in [
        _medik8s("node-healthcheck-operator", "Node Health Check Operator", "0.10.0",
                 "node-healthcheck-operator.v0.9.1", (medik8s_crds.node_health_check,),
                 "Detect failed nodes and trigger remediation with a remediation operator."),
        _medik8s("self-node-remediation", "Self Node Remediation Operator", "0.11.0",
                 "self-node-remediation.v0.10.2", (medik8s_crds.self_node_remediation,),
                 "Remediate nodes by rebooting them through their watchdog."),
        _medik8s("fence-agents-remediation", "Fence Agents Remediation Operator", "0.6.0",
                 "fence-agents-remediation.v0.5.1", (medik8s_crds.fence_agents_remediation,),
                 "Remediate nodes with the ClusterLabs fence agents."),
        _medik8s("machine-deletion-remediation", "Machine Deletion Remediation operator", "0.5.0",
                 "machine-deletion-remediation.v0.4.1", (medik8s_crds.machine_deletion_remediation,),
                 "Remediate nodes by deleting their Machine."),
        _medik8s("node-maintenance-operator", "Node Maintenance Operator", "5.4.1",
                 "node-maintenance-operator.v5.4.0", (medik8s_crds.node_maintenance,),
                 "Place nodes in maintenance mode: cordon and drain."),
        Package(name="cluster-kube-descheduler-operator", display_name="Kube Descheduler Operator",
                provider="Red Hat", version="5.3.0", csv_prefix="clusterkubedescheduleroperator",
                replaces="clusterkubedescheduleroperator.v5.2.1",
                suggested_namespace="openshift-kube-descheduler-operator",
                crds=(openshift_crds.kube_descheduler,), all_namespaces=False,
                description="Evict pods to rebalance the cluster; KubeVirtRelieveAndMigrate profile for VMs."),
    ]
}

COMMUNITY = {
    p.name: p for p in [
        Package(name=p.name, display_name=p.display_name, provider="Medik8s", version=version,
                csv_prefix=p.csv_prefix, replaces=f"{p.csv_prefix}.v{replaces}", suggested_namespace="operators",
                crds=p.crds, description=p.description)
        for p, version, replaces in [
            (RED_HAT["node-healthcheck-operator"], "0.12.0", "0.11.0"),
            (RED_HAT["self-node-remediation"], "0.12.0", "0.11.0"),
            (RED_HAT["fence-agents-remediation"], "0.7.0", "0.6.0"),
            (RED_HAT["machine-deletion-remediation"], "0.6.0", "0.5.0"),
            (RED_HAT["node-maintenance-operator"], "0.18.0", "0.17.0"),
        ]
    ]
}

CATALOGS = {
    "redhat-operators": {"displayName": "Red Hat Operators", "publisher": "Red Hat", "packages": RED_HAT,
                         "image": "registry.redhat.io/redhat/redhat-operator-index:v4.18", "priority": -100},
    "community-operators": {"displayName": "Community Operators", "publisher": "Red Hat", "packages": COMMUNITY,
                            "image": "registry.redhat.io/redhat/community-operator-index:v4.18", "priority": -400},
}

CHANNEL = "stable"


def find(source: str, package: str) -> Package | None:
    catalog = CATALOGS.get(source)
    return catalog["packages"].get(package) if catalog else None


def catalog_source(name: str, now: str) -> tuple[dict, dict]:
    info = CATALOGS[name]
    obj = {"apiVersion": "operators.coreos.com/v1alpha1", "kind": "CatalogSource",
           "metadata": {"name": name, "namespace": MARKETPLACE},
           "spec": {"sourceType": "grpc", "image": info["image"], "displayName": info["displayName"],
                    "publisher": info["publisher"], "priority": info["priority"],
                    "updateStrategy": {"registryPoll": {"interval": "10m"}}}}
    status = {"connectionState": {"address": f"{name}.{MARKETPLACE}.svc:50051", "lastConnect": now,
                                  "lastObservedState": "READY"},
              "registryService": {"protocol": "grpc", "serviceName": name, "serviceNamespace": MARKETPLACE,
                                  "port": "50051"}}
    return obj, status


def package_manifest(source: str, package: Package, namespace: str, now: str) -> dict:
    """packages.operators.coreos.com/v1 PackageManifest as OLM's package server shows it."""
    info = CATALOGS[source]
    owned = [{"name": d["metadata"]["name"], "version": d["spec"]["versions"][0]["name"],
              "kind": d["spec"]["names"]["kind"], "displayName": d["spec"]["names"]["kind"]}
             for d in package.crd_definitions()]
    csv_description = {"displayName": package.display_name, "version": package.version,
                       "provider": {"name": package.provider}, "description": package.description,
                       "installModes": install_modes(package),
                       "customresourcedefinitions": {"owned": owned},
                       "annotations": {"operatorframework.io/suggested-namespace": package.suggested_namespace}}
    return {"apiVersion": "packages.operators.coreos.com/v1", "kind": "PackageManifest",
            "metadata": {"name": package.name, "namespace": namespace, "creationTimestamp": now,
                         "labels": {"catalog": source, "catalog-namespace": MARKETPLACE,
                                    "provider": package.provider, "operatorframework.io/arch.amd64": "supported",
                                    "operatorframework.io/os.linux": "supported"}},
            "spec": {},
            "status": {"catalogSource": source, "catalogSourceDisplayName": info["displayName"],
                       "catalogSourcePublisher": info["publisher"], "catalogSourceNamespace": MARKETPLACE,
                       "packageName": package.name, "provider": {"name": package.provider},
                       "defaultChannel": CHANNEL,
                       "channels": [{"name": CHANNEL, "currentCSV": package.csv_name,
                                     "currentCSVDesc": csv_description,
                                     "entries": [{"name": package.csv_name, "version": package.version},
                                                 {"name": package.replaces,
                                                  "version": package.replaces.rsplit(".v", 1)[1]}]}]}}


def install_modes(package: Package) -> list[dict]:
    return [{"type": "OwnNamespace", "supported": True}, {"type": "SingleNamespace", "supported": True},
            {"type": "MultiNamespace", "supported": False},
            {"type": "AllNamespaces", "supported": package.all_namespaces}]


def all_manifests(namespace: str, now: str) -> list[dict]:
    return [package_manifest(source, package, namespace, now)
            for source, info in CATALOGS.items() for package in info["packages"].values()]
