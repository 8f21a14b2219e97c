"""The OLM kinds (operators.coreos.com) the lab serves: CatalogSource, OperatorGroup, Subscription, InstallPlan,
ClusterServiceVersion. Typed where the lab's OLM controller reads them; open elsewhere."""

from __future__ import annotations

from lab.olm.crd_builder import CONDITIONS, OBJECT_REFERENCE, OPEN, LABEL_SELECTOR, column, crd, root_schema

GROUP = "operators.coreos.com"
AGE = column("Age", ".metadata.creationTimestamp", "date")

CSV_PHASES = ["", "None", "Pending", "InstallReady", "Installing", "Succeeded", "Failed", "Unknown", "Replacing",
              "Deleting"]
INSTALL_PLAN_PHASES = ["", "None", "Planning", "RequiresApproval", "Installing", "Complete", "Failed"]


def _open_with(properties: dict, required=()) -> dict:
    schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


CATALOG_SOURCE_SPEC = _open_with({
    "sourceType": {"type": "string", "enum": ["grpc", "internal", "configmap"]},
    "image": {"type": "string"}, "displayName": {"type": "string"}, "publisher": {"type": "string"},
    "priority": {"type": "integer"}, "updateStrategy": OPEN}, required=["sourceType"])

OPERATOR_GROUP_SPEC = _open_with({
    "targetNamespaces": {"type": "array", "items": {"type": "string"}},
    "selector": LABEL_SELECTOR,
    "upgradeStrategy": {"type": "object", "properties": {
        "name": {"type": "string", "enum": ["Default", "TechPreviewUnsafeFailForward"], "default": "Default"}}}})

SUBSCRIPTION_SPEC = {"type": "object", "required": ["name", "source", "sourceNamespace"], "properties": {
    "name": {"type": "string", "minLength": 1},
    "channel": {"type": "string"},
    "source": {"type": "string", "minLength": 1},
    "sourceNamespace": {"type": "string", "minLength": 1},
    "startingCSV": {"type": "string"},
    "installPlanApproval": {"type": "string", "enum": ["Automatic", "Manual"], "default": "Automatic"},
    "config": OPEN}}

SUBSCRIPTION_STATUS = _open_with({
    "state": {"type": "string", "enum": ["", "UpgradeAvailable", "UpgradeFailed", "UpgradePending",
                                         "AtLatestKnown"]},
    "currentCSV": {"type": "string"}, "installedCSV": {"type": "string"},
    "installPlanRef": OBJECT_REFERENCE, "installplan": OPEN, "installPlanGeneration": {"type": "integer"},
    "conditions": {"type": "array", "items": OPEN}, "catalogHealth": {"type": "array", "items": OPEN},
    "lastUpdated": {"type": "string"}})

INSTALL_PLAN_SPEC = {"type": "object", "required": ["approval", "approved", "clusterServiceVersionNames"],
                     "properties": {
                         "approval": {"type": "string", "enum": ["Automatic", "Manual"]},
                         "approved": {"type": "boolean"},
                         "clusterServiceVersionNames": {"type": "array", "items": {"type": "string"}},
                         "generation": {"type": "integer"},
                         "source": {"type": "string"}, "sourceNamespace": {"type": "string"}}}

INSTALL_PLAN_STATUS = _open_with({
    "phase": {"type": "string", "enum": INSTALL_PLAN_PHASES},
    "conditions": {"type": "array", "items": OPEN},
    "catalogSources": {"type": "array", "items": {"type": "string"}},
    "plan": {"type": "array", "items": OPEN},
    "bundleLookups": {"type": "array", "items": OPEN}})

CSV_SPEC = _open_with({
    "displayName": {"type": "string"}, "version": {"type": "string"}, "description": {"type": "string"},
    "replaces": {"type": "string"}, "provider": OPEN, "maturity": {"type": "string"},
    "installModes": {"type": "array", "items": {"type": "object", "required": ["type", "supported"],
                                                "properties": {"type": {"type": "string"},
                                                               "supported": {"type": "boolean"}}}},
    "install": OPEN, "customresourcedefinitions": OPEN, "minKubeVersion": {"type": "string"}},
    required=["displayName", "install"])

CSV_STATUS = _open_with({
    "phase": {"type": "string", "enum": CSV_PHASES}, "reason": {"type": "string"}, "message": {"type": "string"},
    "lastUpdateTime": {"type": "string"}, "lastTransitionTime": {"type": "string"},
    "conditions": {"type": "array", "items": OPEN}, "requirementStatus": {"type": "array", "items": OPEN}})


def definitions() -> list[dict]:
    return [
        crd(GROUP, "CatalogSource", "catalogsources", "Namespaced", short_names=("catsrc",), categories=("olm",),
            versions=[{"name": "v1alpha1", "schema": root_schema(CATALOG_SOURCE_SPEC, OPEN, True),
                       "columns": [column("Display", ".spec.displayName"), column("Type", ".spec.sourceType"),
                                   column("Publisher", ".spec.publisher"), AGE]}]),
        crd(GROUP, "OperatorGroup", "operatorgroups", "Namespaced", short_names=("og",), categories=("olm",),
            versions=[{"name": "v1", "schema": root_schema(OPERATOR_GROUP_SPEC,
                                                          _open_with({"namespaces": {"type": "array",
                                                                                     "items": {"type": "string"}},
                                                                      "lastUpdated": {"type": "string"},
                                                                      "conditions": CONDITIONS}))}]),
        crd(GROUP, "Subscription", "subscriptions", "Namespaced", short_names=("sub", "subs"), categories=("olm",),
            versions=[{"name": "v1alpha1", "schema": root_schema(SUBSCRIPTION_SPEC, SUBSCRIPTION_STATUS, True),
                       "columns": [column("Package", ".spec.name"), column("Source", ".spec.source"),
                                   column("Channel", ".spec.channel")]}]),
        crd(GROUP, "InstallPlan", "installplans", "Namespaced", short_names=("ip",), categories=("olm",),
            versions=[{"name": "v1alpha1", "schema": root_schema(INSTALL_PLAN_SPEC, INSTALL_PLAN_STATUS, True),
                       "columns": [column("CSV", ".spec.clusterServiceVersionNames[0]"),
                                   column("Approval", ".spec.approval"),
                                   column("Approved", ".spec.approved", "boolean")]}]),
        crd(GROUP, "ClusterServiceVersion", "clusterserviceversions", "Namespaced", short_names=("csv", "csvs"),
            categories=("olm",),
            versions=[{"name": "v1alpha1", "schema": root_schema(CSV_SPEC, CSV_STATUS, True),
                       "columns": [column("Display", ".spec.displayName"), column("Version", ".spec.version"),
                                   column("Replaces", ".spec.replaces"), column("Phase", ".status.phase")]}]),
    ]
