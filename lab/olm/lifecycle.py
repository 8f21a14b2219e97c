"""Pure OLM decisions: resolve a Subscription in the catalogs, check the OperatorGroup, walk the CSV phases."""

from __future__ import annotations

from lab.olm import catalog

CSV_STEPS = [
    ("Pending", "RequirementsUnknown", "requirements not yet checked"),
    ("InstallReady", "AllRequirementsMet", "all requirements found, attempting install"),
    ("Installing", "InstallSucceeded", "waiting for install components to report healthy"),
    ("Succeeded", "InstallSucceeded", "install strategy completed with no errors"),
]


def resolve(spec: dict) -> tuple[catalog.Package | None, str | None]:
    """The package a Subscription asks for, or why it cannot be resolved (message as OLM words it)."""
    source, namespace, name = spec.get("source"), spec.get("sourceNamespace"), spec.get("name")
    channel = spec.get("channel") or catalog.CHANNEL
    if source not in catalog.CATALOGS or namespace != catalog.MARKETPLACE:
        return None, f"failed to populate resolver cache from source {source}/{namespace}: catalogsource not found"
    package = catalog.find(source, name)
    if package is None:
        return None, (f"no operators found in package {name} in the catalog referenced by subscription "
                      f"(source {source}/{namespace})")
    if channel != catalog.CHANNEL:
        return None, f"no operators found in channel {channel} of package {name} in the catalog referenced by " \
                     f"subscription (source {source}/{namespace})"
    starting = spec.get("startingCSV")
    if starting and starting != package.csv_name:
        return None, f"no operators found with name {starting} in channel {channel} of package {name}"
    return package, None


def package_of_csv(csv_name: str, source: str) -> catalog.Package | None:
    packages = catalog.CATALOGS.get(source, {}).get("packages", {})
    return next((p for p in packages.values() if p.csv_name == csv_name), None)


def operator_group_problem(groups: list[dict], package: catalog.Package) -> tuple[str, str] | None:
    """Why a CSV cannot install in a namespace with these OperatorGroups, or None."""
    if not groups:
        return "NoOperatorGroup", "csv in namespace with no operatorgroups"
    if len(groups) > 1:
        return "TooManyOperatorGroups", "csv created in namespace with multiple operatorgroups, can't pick one " \
                                        "automatically"
    targets = [t for t in (groups[0].get("spec") or {}).get("targetNamespaces") or [] if t]
    if not targets and not package.all_namespaces:
        return "UnsupportedOperatorGroup", "AllNamespaces InstallModeType not supported, cannot configure to " \
                                           "watch all namespaces"
    if len(targets) > 1:
        return "UnsupportedOperatorGroup", "MultiNamespace InstallModeType not supported, cannot configure to " \
                                           "watch multiple namespaces"
    return None


def next_step(phase: str | None) -> int:
    """Index in CSV_STEPS of the phase that follows `phase` (0 for a new CSV)."""
    names = [step[0] for step in CSV_STEPS]
    if phase not in names:
        return 0
    return min(names.index(phase) + 1, len(names) - 1)


def csv_object(package: catalog.Package, namespace: str, subscription: str) -> dict:
    deployment = f"{package.name}-controller-manager"
    owned = [{"name": d["metadata"]["name"], "version": d["spec"]["versions"][0]["name"],
              "kind": d["spec"]["names"]["kind"], "displayName": d["spec"]["names"]["kind"]}
             for d in package.crd_definitions()]
    return {"apiVersion": "operators.coreos.com/v1alpha1", "kind": "ClusterServiceVersion",
            "metadata": {"name": package.csv_name, "namespace": namespace,
                         "labels": {f"operators.coreos.com/{package.name}.{namespace}": ""},
                         "annotations": {"olm.operatorNamespace": namespace,
                                         "operatorframework.io/suggested-namespace": package.suggested_namespace,
                                         "lab.workload.availability/subscription": subscription}},
            "spec": {"displayName": package.display_name, "version": package.version,
                     "replaces": package.replaces, "provider": {"name": package.provider},
                     "description": package.description, "maturity": "stable",
                     "installModes": catalog.install_modes(package),
                     "customresourcedefinitions": {"owned": owned},
                     "install": {"strategy": "deployment", "spec": {"deployments": [
                         {"name": deployment, "spec": {"replicas": 1}}]}}}}


def install_plan_object(package: catalog.Package, subscription: dict) -> dict:
    spec = subscription["spec"]
    approval = spec.get("installPlanApproval") or "Automatic"
    meta = subscription["metadata"]
    return {"apiVersion": "operators.coreos.com/v1alpha1", "kind": "InstallPlan",
            "metadata": {"generateName": "install-", "namespace": meta["namespace"],
                         "ownerReferences": [{"apiVersion": "operators.coreos.com/v1alpha1", "kind": "Subscription",
                                              "name": meta["name"], "uid": meta.get("uid", ""),
                                              "blockOwnerDeletion": False, "controller": False}]},
            "spec": {"approval": approval, "approved": approval == "Automatic",
                     "clusterServiceVersionNames": [package.csv_name], "generation": 1,
                     "source": spec["source"], "sourceNamespace": spec["sourceNamespace"]}}
