"""OpenShift kinds the collection reads or writes: KubeDescheduler (written from shared/reference/rebalancing.md),
MachineConfig and ClusterVersion."""

from __future__ import annotations

from lab.olm.crd_builder import CONDITIONS, OPEN, column, crd, root_schema

AGE = column("Age", ".metadata.creationTimestamp", "date")

DESCHEDULER_PROFILES = ["AffinityAndTaints", "TopologyAndDuplicates", "LifecycleAndUtilization",
                        "SoftTopologyAndDuplicates", "EvictPodsWithLocalStorage", "EvictPodsWithPVC",
                        "DevPreviewLongLifecycle", "LongLifecycle", "CompactAndScale", "KubeVirtRelieveAndMigrate",
                        "DevKubeVirtRelieveAndMigrate"]
ACTUAL_UTILIZATION_PROFILES = ["PrometheusCPUUsage", "PrometheusCPUPSIPressure", "PrometheusCPUPSIPressureByUtilization",
                               "PrometheusMemoryPSIPressure", "PrometheusIOPSIPressure", "PrometheusCPUCombined",
                               "PrometheusCPUMemoryCombinedProfile"]
LOG_LEVELS = ["", "Normal", "Debug", "Trace", "TraceAll"]

KUBE_DESCHEDULER_SPEC = {"type": "object", "properties": {
    "managementState": {"type": "string", "pattern": "^(Managed|Unmanaged|Force|Removed)$", "default": "Managed"},
    "logLevel": {"type": "string", "enum": LOG_LEVELS, "default": "Normal"},
    "operatorLogLevel": {"type": "string", "enum": LOG_LEVELS, "default": "Normal"},
    "unsupportedConfigOverrides": OPEN,
    "observedConfig": OPEN,
    "deschedulingIntervalSeconds": {"type": "integer", "format": "int32", "minimum": 1, "default": 3600},
    "mode": {"type": "string", "enum": ["Automatic", "Predictive"], "default": "Predictive"},
    "profiles": {"type": "array", "items": {"type": "string", "enum": DESCHEDULER_PROFILES}},
    "evictionLimits": {"type": "object", "properties": {
        "total": {"type": "integer", "format": "int32", "minimum": 0},
        "node": {"type": "integer", "format": "int32", "minimum": 0}}},
    "profileCustomizations": {"type": "object", "properties": {
        "podLifetime": {"type": "string"},
        "thresholdPriority": {"type": "integer", "format": "int32"},
        "thresholdPriorityClassName": {"type": "string"},
        "namespaces": {"type": "object", "properties": {
            "included": {"type": "array", "items": {"type": "string"}},
            "excluded": {"type": "array", "items": {"type": "string"}}}},
        "devLowNodeUtilizationThresholds": {"type": "string", "enum": ["Low", "Medium", "High"]},
        "devHighNodeUtilizationThresholds": {"type": "string", "enum": ["Minimal", "Modest", "Moderate"]},
        "devDeviationThresholds": {"type": "string", "enum": ["Low", "Medium", "High", "AsymmetricLow",
                                                              "AsymmetricMedium", "AsymmetricHigh"]},
        "devActualUtilizationProfile": {"type": "string", "enum": ACTUAL_UTILIZATION_PROFILES},
        "devEnableEvictionsInBackground": {"type": "boolean"},
        "devEnableSoftTainter": {"type": "boolean"}}}}}

KUBE_DESCHEDULER_STATUS = {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {
    "conditions": {"type": "array", "items": OPEN},
    "generations": {"type": "array", "items": OPEN},
    "observedGeneration": {"type": "integer"},
    "readyReplicas": {"type": "integer"}}}


def kube_descheduler() -> dict:
    return crd("operator.openshift.io", "KubeDescheduler", "kubedeschedulers", "Namespaced",
               versions=[{"name": "v1", "schema": root_schema(KUBE_DESCHEDULER_SPEC, KUBE_DESCHEDULER_STATUS),
                          "columns": [column("Mode", ".spec.mode"), AGE]}])


MACHINE_CONFIG_SPEC = {"type": "object", "properties": {
    "config": OPEN,
    "kernelArguments": {"type": "array", "items": {"type": "string"}},
    "extensions": {"type": "array", "items": {"type": "string"}},
    "fips": {"type": "boolean"},
    "kernelType": {"type": "string", "enum": ["", "default", "realtime", "64k-pages"]},
    "osImageURL": {"type": "string"},
    "baseOSExtensionsContainerImage": {"type": "string"}}}


def machine_config() -> dict:
    return crd("machineconfiguration.openshift.io", "MachineConfig", "machineconfigs", "Cluster",
               short_names=("mc",),
               versions=[{"name": "v1", "status": False,
                          "schema": root_schema(MACHINE_CONFIG_SPEC, OPEN),
                          "columns": [column("GeneratedByController",
                                             ".metadata.annotations.machineconfiguration\\.openshift\\.io/"
                                             "generated-by-controller-version"),
                                      column("IgnitionVersion", ".spec.config.ignition.version"), AGE]}])


CLUSTER_VERSION_SPEC = {"type": "object", "required": ["clusterID"], "properties": {
    "clusterID": {"type": "string"},
    "channel": {"type": "string"},
    "upstream": {"type": "string"},
    "desiredUpdate": {"type": "object", "properties": {
        "version": {"type": "string"}, "image": {"type": "string"}, "force": {"type": "boolean"}}},
    "capabilities": OPEN,
    "overrides": {"type": "array", "items": OPEN}}}

CLUSTER_VERSION_STATUS = {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {
    "desired": {"type": "object", "properties": {
        "version": {"type": "string"}, "image": {"type": "string"},
        "channels": {"type": "array", "items": {"type": "string"}}}},
    "history": {"type": "array", "items": OPEN},
    "observedGeneration": {"type": "integer"},
    "versionHash": {"type": "string"},
    "conditions": CONDITIONS,
    "availableUpdates": {"type": "array", "nullable": True, "items": OPEN}}}


def cluster_version() -> dict:
    return crd("config.openshift.io", "ClusterVersion", "clusterversions", "Cluster",
               versions=[{"name": "v1", "schema": root_schema(CLUSTER_VERSION_SPEC, CLUSTER_VERSION_STATUS, True),
                          "columns": [column("Version", ".status.history[?(@.state==\"Completed\")].version"),
                                      column("Available",
                                             ".status.conditions[?(@.type==\"Available\")].status"),
                                      column("Progressing",
                                             ".status.conditions[?(@.type==\"Progressing\")].status"),
                                      column("Since",
                                             ".status.conditions[?(@.type==\"Progressing\")].lastTransitionTime",
                                             "date"),
                                      column("Status",
                                             ".status.conditions[?(@.type==\"Progressing\")].message")]}])


OPENSHIFT_VERSION = "4.18.21"


def cluster_version_object(cluster_id: str, now: str) -> tuple[dict, dict]:
    """The singleton `version` and its status: installed, Available, not Progressing."""
    obj = {"apiVersion": "config.openshift.io/v1", "kind": "ClusterVersion", "metadata": {"name": "version"},
           "spec": {"clusterID": cluster_id, "channel": "stable-4.18"}}
    image = "quay.io/openshift-release-dev/ocp-release@sha256:" + "0" * 64
    status = {
        "desired": {"version": OPENSHIFT_VERSION, "image": image, "channels": ["stable-4.18", "fast-4.18"]},
        "history": [{"state": "Completed", "version": OPENSHIFT_VERSION, "image": image, "verified": False,
                     "startedTime": now, "completionTime": now}],
        "observedGeneration": 1, "versionHash": "lab",
        "availableUpdates": None,
        "conditions": [
            {"type": "Available", "status": "True", "lastTransitionTime": now,
             "message": f"Done applying {OPENSHIFT_VERSION}"},
            {"type": "Failing", "status": "False", "lastTransitionTime": now},
            {"type": "Progressing", "status": "False", "lastTransitionTime": now,
             "message": f"Cluster version is {OPENSHIFT_VERSION}"},
            {"type": "RetrievedUpdates", "status": "False", "lastTransitionTime": now, "reason": "NoChannel"}]}
    return obj, status
