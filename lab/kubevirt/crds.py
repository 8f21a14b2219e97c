"""The kubevirt.io/v1 CustomResourceDefinitions, as virt-operator installs them.

Schemas keep unknown fields (KubeVirt's real schemas are huge) but type the fields the lab's controllers read.
"""

GROUP = "kubevirt.io"
VERSION = "v1"

VM_KEY = "virtualmachines.kubevirt.io"
VMI_KEY = "virtualmachineinstances.kubevirt.io"
VMIM_KEY = "virtualmachineinstancemigrations.kubevirt.io"
KUBEVIRT_KEY = "kubevirts.kubevirt.io"
CRD_KEY = "customresourcedefinitions.apiextensions.k8s.io"

RUN_STRATEGIES = ["Always", "RerunOnFailure", "Manual", "Halted", "Once", "WaitAsReceiver"]
EVICTION_STRATEGIES = ["None", "LiveMigrate", "LiveMigrateIfPossible", "External"]
MIGRATION_PHASES = ["", "Pending", "Scheduling", "Scheduled", "PreparingTarget", "TargetReady", "Running",
                    "Succeeded", "Failed", "WaitingForSync", "Synchronizing"]
VMI_PHASES = ["", "Pending", "Scheduling", "Scheduled", "Running", "Succeeded", "Failed", "Unknown", "WaitingForSync"]

_OPEN = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_INT_OR_STRING = {"anyOf": [{"type": "integer"}, {"type": "string"}], "x-kubernetes-int-or-string": True}
_CONDITIONS = {"type": "array", "items": {
    "type": "object", "required": ["type", "status"],
    "properties": {"type": {"type": "string"}, "status": {"type": "string"}, "reason": {"type": "string"},
                   "message": {"type": "string"}, "lastProbeTime": {"type": "string", "nullable": True},
                   "lastTransitionTime": {"type": "string", "nullable": True}}}}
_MIGRATION_STATE = {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {
    "startTimestamp": {"type": "string"}, "endTimestamp": {"type": "string"},
    "sourceNode": {"type": "string"}, "targetNode": {"type": "string"}, "targetPod": {"type": "string"},
    "sourcePod": {"type": "string"}, "completed": {"type": "boolean"}, "failed": {"type": "boolean"},
    "abortRequested": {"type": "boolean"}, "failureReason": {"type": "string"}, "mode": {"type": "string"},
    "migrationUid": {"type": "string"}}}


def _object(spec_properties: dict, status_properties: dict, spec_required=()) -> dict:
    spec = dict(_OPEN, properties=spec_properties)
    if spec_required:
        spec["required"] = list(spec_required)
    return {"type": "object", "properties": {
        "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
        "spec": spec, "status": dict(_OPEN, properties=status_properties)}}


_VMI_SPEC = {
    "evictionStrategy": {"type": "string", "enum": EVICTION_STRATEGIES},
    "nodeSelector": _STRING_MAP,
    "terminationGracePeriodSeconds": {"type": "integer", "format": "int64"},
    "domain": _OPEN, "volumes": {"type": "array", "items": _OPEN},
    "affinity": _OPEN, "tolerations": {"type": "array", "items": _OPEN},
}

_VM_SCHEMA = _object(
    {"runStrategy": {"type": "string", "enum": RUN_STRATEGIES},
     "running": {"type": "boolean"},
     "template": {"type": "object", "properties": {"metadata": _OPEN, "spec": dict(_OPEN, properties=_VMI_SPEC)}},
     "dataVolumeTemplates": {"type": "array", "items": _OPEN}},
    {"printableStatus": {"type": "string"}, "ready": {"type": "boolean"}, "created": {"type": "boolean"},
     "runStrategy": {"type": "string"}, "conditions": _CONDITIONS,
     "stateChangeRequests": {"type": "array", "items": {"type": "object", "required": ["action"], "properties": {
         "action": {"type": "string", "enum": ["Start", "Stop"]}, "uid": {"type": "string"},
         "data": _STRING_MAP}}}},
    spec_required=["template"])

_VMI_SCHEMA = _object(
    _VMI_SPEC,
    {"phase": {"type": "string", "enum": VMI_PHASES}, "nodeName": {"type": "string"},
     "evacuationNodeName": {"type": "string"}, "conditions": _CONDITIONS, "migrationState": _MIGRATION_STATE,
     "activePods": _STRING_MAP, "reason": {"type": "string"}})

_VMIM_SCHEMA = _object(
    {"vmiName": {"type": "string"}, "addedNodeSelector": _STRING_MAP,
     "priority": {"type": "string", "enum": ["system-critical", "user-triggered", "system-maintenance"]}},
    {"phase": {"type": "string", "enum": MIGRATION_PHASES}, "migrationState": _MIGRATION_STATE,
     "phaseTransitionTimestamps": {"type": "array", "items": _OPEN}, "conditions": _CONDITIONS})

_MIGRATIONS_CONFIG = {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {
    "parallelMigrationsPerCluster": {"type": "integer", "format": "int32", "minimum": 0},
    "parallelOutboundMigrationsPerNode": {"type": "integer", "format": "int32", "minimum": 0},
    "bandwidthPerMigration": _INT_OR_STRING,
    "completionTimeoutPerGiB": {"type": "integer", "format": "int64", "minimum": 0},
    "progressTimeout": {"type": "integer", "format": "int64", "minimum": 0},
    "allowAutoConverge": {"type": "boolean"}, "allowPostCopy": {"type": "boolean"}}}

_KUBEVIRT_SCHEMA = _object(
    {"configuration": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {
        "migrations": _MIGRATIONS_CONFIG,
        "evictionStrategy": {"type": "string", "enum": EVICTION_STRATEGIES}}}},
    {"phase": {"type": "string"}, "conditions": _CONDITIONS})

_AGE = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}


def _ready(type_):
    return f".status.conditions[?(@.type=='{type_}')].status"


def _crd(plural, kind, short_names, schema, columns) -> dict:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{GROUP}", "labels": {"app.kubernetes.io/component": "kubevirt",
                                                              "app.kubernetes.io/managed-by": "virt-operator"}},
        "spec": {
            "group": GROUP,
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind, "listKind": kind + "List",
                      "shortNames": list(short_names), "categories": ["all"]},
            "scope": "Namespaced",
            "versions": [{"name": VERSION, "served": True, "storage": True,
                          "schema": {"openAPIV3Schema": schema},
                          "subresources": {"status": {}},
                          "additionalPrinterColumns": columns}],
        },
    }


def kubevirt_crds() -> list[dict]:
    return [
        _crd("kubevirts", "KubeVirt", ["kv", "kvs"], _KUBEVIRT_SCHEMA, [
            _AGE, {"name": "Phase", "type": "string", "jsonPath": ".status.phase"}]),
        _crd("virtualmachines", "VirtualMachine", ["vm", "vms"], _VM_SCHEMA, [
            _AGE,
            {"name": "Status", "type": "string", "jsonPath": ".status.printableStatus",
             "description": "Human Readable Status"},
            {"name": "Ready", "type": "string", "jsonPath": _ready("Ready")}]),
        _crd("virtualmachineinstances", "VirtualMachineInstance", ["vmi", "vmis"], _VMI_SCHEMA, [
            _AGE,
            {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
            {"name": "IP", "type": "string", "jsonPath": ".status.interfaces[0].ipAddress"},
            {"name": "NodeName", "type": "string", "jsonPath": ".status.nodeName"},
            {"name": "Ready", "type": "string", "jsonPath": _ready("Ready")},
            {"name": "Live-Migratable", "type": "string", "jsonPath": _ready("LiveMigratable"), "priority": 1},
            {"name": "Paused", "type": "string", "jsonPath": _ready("Paused"), "priority": 1}]),
        _crd("virtualmachineinstancemigrations", "VirtualMachineInstanceMigration", ["vmim", "vmims"],
             _VMIM_SCHEMA, [
                 {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
                 {"name": "VMI", "type": "string", "jsonPath": ".spec.vmiName"}]),
    ]
