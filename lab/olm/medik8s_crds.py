"""CRDs of the medik8s workload-availability operators, written from their documented fields
(shared/reference/medik8s.md): types, enums, patterns, defaults and required fields."""

from __future__ import annotations

from lab.olm.crd_builder import (CONDITIONS, INT_OR_STRING, LABEL_SELECTOR, OBJECT_REFERENCE, OPEN, STRING_MAP,
                                 column, crd, root_schema)

DURATION_PATTERN = r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"
SIGNED_DURATION_PATTERN = r"^-?([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"
PERCENT_OR_COUNT_PATTERN = r"^((100|[0-9]{1,2})%|[0-9]+)$"
DURATION = {"type": "string", "pattern": DURATION_PATTERN}
PERCENT_OR_COUNT = dict(INT_OR_STRING, pattern=PERCENT_OR_COUNT_PATTERN)
AGE = column("Age", ".metadata.creationTimestamp", "date")


def _remediator_status() -> dict:
    return {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {
        "conditions": CONDITIONS, "lastUpdateTime": {"type": "string", "format": "date-time"}}}


def _template(spec: dict) -> dict:
    """A *Template kind: the remediation's spec under spec.template.spec, as NHC copies it."""
    return {"type": "object", "required": ["template"], "properties": {
        "template": {"type": "object", "required": ["spec"], "properties": {"spec": spec}}}}


# ------------------------------------------------------------------------------------------ NodeHealthCheck
NHC_SPEC = {"type": "object", "required": ["selector"], "properties": {
    "selector": LABEL_SELECTOR,
    "unhealthyConditions": {
        "type": "array",
        "default": [{"type": "Ready", "status": "False", "duration": "300s"},
                    {"type": "Ready", "status": "Unknown", "duration": "300s"}],
        "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type", "status"],
        "items": {"type": "object", "required": ["type", "status", "duration"], "properties": {
            "type": {"type": "string", "minLength": 1},
            "status": {"type": "string", "minLength": 1},
            "duration": DURATION}}},
    "minHealthy": PERCENT_OR_COUNT,
    "maxUnhealthy": PERCENT_OR_COUNT,
    "stormCooldownDuration": DURATION,
    "remediationTemplate": OBJECT_REFERENCE,
    "escalatingRemediations": {"type": "array", "items": {
        "type": "object", "required": ["remediationTemplate", "order", "timeout"], "properties": {
            "remediationTemplate": OBJECT_REFERENCE,
            "order": {"type": "integer"},
            "timeout": DURATION}}},
    "pauseRequests": {"type": "array", "items": {"type": "string"}},
    "healthyDelay": {"type": "string", "pattern": SIGNED_DURATION_PATTERN}}}

NHC_STATUS = {"type": "object", "properties": {
    "observedNodes": {"type": "integer"},
    "healthyNodes": {"type": "integer"},
    "unhealthyNodes": {"type": "array", "items": {"type": "object", "properties": {
        "name": {"type": "string"},
        "remediations": {"type": "array", "items": {"type": "object", "properties": {
            "resource": OBJECT_REFERENCE, "started": {"type": "string", "format": "date-time"},
            "timedOut": {"type": "string", "format": "date-time"}, "templateName": {"type": "string"}}}},
        "conditionsHealthyTimestamp": {"type": "string", "format": "date-time"},
        "healthyDelayed": {"type": "boolean"}}}},
    "inFlightRemediations": {"type": "object", "additionalProperties": {"type": "string"}},
    "conditions": CONDITIONS,
    "phase": {"type": "string", "enum": ["Disabled", "Paused", "Remediating", "Enabled"]},
    "reason": {"type": "string"},
    "lastUpdateTime": {"type": "string", "format": "date-time"}}}


def node_health_check() -> dict:
    return crd("remediation.medik8s.io", "NodeHealthCheck", "nodehealthchecks", "Cluster", short_names=("nhc",),
               versions=[{"name": "v1alpha1", "schema": root_schema(NHC_SPEC, NHC_STATUS),
                          "columns": [column("Phase", ".status.phase"), AGE,
                                      column("Reason", ".status.reason", priority=1)]}])


# ------------------------------------------------------------------------------------------ NodeMaintenance
NM_SPEC = {"type": "object", "required": ["nodeName"], "properties": {
    "nodeName": {"type": "string", "minLength": 1},
    "reason": {"type": "string"}}}
NM_STATUS = {"type": "object", "properties": {
    "phase": {"type": "string", "enum": ["Running", "Succeeded", "Failed"]},
    "drainProgress": {"type": "integer", "minimum": 0, "maximum": 100},
    "lastUpdate": {"type": "string", "format": "date-time"},
    "lastError": {"type": "string"},
    "pendingPods": {"type": "array", "items": {"type": "string"}},
    "pendingPodsRefs": {"type": "array", "items": {"type": "object", "properties": {
        "namespace": {"type": "string"}, "name": {"type": "string"}}}},
    "totalpods": {"type": "integer"},
    "evictionPods": {"type": "integer"},
    "errorOnLeaseCount": {"type": "integer"}}}


def node_maintenance() -> dict:
    return crd("nodemaintenance.medik8s.io", "NodeMaintenance", "nodemaintenances", "Cluster", short_names=("nm",),
               versions=[{"name": "v1beta1", "schema": root_schema(NM_SPEC, NM_STATUS, spec_required=True),
                          "columns": [column("Node", ".spec.nodeName"), column("Phase", ".status.phase"),
                                      column("Progress", ".status.drainProgress", "integer"), AGE]}])


# ------------------------------------------------------------------------------------------ Fence Agents Remediation
FAR_SPEC = {"type": "object", "required": ["agent"], "properties": {
    "agent": {"type": "string", "pattern": "fence_.+"},
    "retrycount": {"type": "integer", "default": 5, "minimum": 0},
    "retryinterval": dict(DURATION, default="5s"),
    "timeout": dict(DURATION, default="60s"),
    "sharedparameters": STRING_MAP,
    "nodeparameters": {"type": "object", "additionalProperties": STRING_MAP},
    "remediationStrategy": {"type": "string", "enum": ["ResourceDeletion", "OutOfServiceTaint"],
                            "default": "ResourceDeletion"},
    "sharedSecretName": {"type": "string"},
    "nodeSecretNames": STRING_MAP}}
FAR_TEMPLATE_STATUS = {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {
    "conditions": CONDITIONS,
    "lastUpdateTime": {"type": "string", "format": "date-time"}}}


def far_template_spec() -> dict:
    spec = _template(FAR_SPEC)
    spec["properties"]["statusValidationSample"] = INT_OR_STRING
    return spec


def fence_agents_remediation() -> list[dict]:
    group = "fence-agents-remediation.medik8s.io"
    return [
        crd(group, "FenceAgentsRemediation", "fenceagentsremediations", "Namespaced", short_names=("far",),
            versions=[{"name": "v1alpha1", "schema": root_schema(FAR_SPEC, _remediator_status(), True),
                       "columns": [column("Agent", ".spec.agent"), AGE]}]),
        crd(group, "FenceAgentsRemediationTemplate", "fenceagentsremediationtemplates", "Namespaced",
            short_names=("fartemplate",),
            versions=[{"name": "v1alpha1", "schema": root_schema(far_template_spec(), FAR_TEMPLATE_STATUS, True)}]),
    ]


# ------------------------------------------------------------------------------------------ Self Node Remediation
SNR_SPEC = {"type": "object", "properties": {
    "remediationStrategy": {"type": "string", "enum": ["Automatic", "ResourceDeletion", "OutOfServiceTaint"],
                            "default": "Automatic"}}}
SNR_CONFIG_SPEC = {"type": "object", "properties": {
    "watchdogFilePath": {"type": "string", "default": "/dev/watchdog"},
    "safeTimeToAssumeNodeRebootedSeconds": {"type": "integer", "minimum": 0},
    "peerApiServerTimeout": dict(DURATION, default="5s"),
    "apiCheckInterval": dict(DURATION, default="15s"),
    "peerUpdateInterval": dict(DURATION, default="15m"),
    "apiServerTimeout": dict(DURATION, default="5s"),
    "peerDialTimeout": dict(DURATION, default="5s"),
    "peerRequestTimeout": dict(DURATION, default="7s"),
    "maxApiErrorThreshold": {"type": "integer", "minimum": 1, "default": 3},
    "isSoftwareRebootEnabled": {"type": "boolean", "default": True},
    "endpointHealthCheckUrl": {"type": "string"},
    "hostPort": {"type": "integer", "minimum": 1, "maximum": 65535, "default": 30001},
    "customDsTolerations": {"type": "array", "items": OPEN},
    "minPeersForRemediation": {"type": "integer", "minimum": 0, "default": 1}}}


def self_node_remediation() -> list[dict]:
    group = "self-node-remediation.medik8s.io"
    return [
        crd(group, "SelfNodeRemediation", "selfnoderemediations", "Namespaced", short_names=("snr",),
            versions=[{"name": "v1alpha1", "schema": root_schema(SNR_SPEC, _remediator_status()),
                       "columns": [AGE]}]),
        crd(group, "SelfNodeRemediationTemplate", "selfnoderemediationtemplates", "Namespaced",
            short_names=("snrt", "snrtemplate"),
            versions=[{"name": "v1alpha1", "schema": root_schema(_template(SNR_SPEC), OPEN, True)}]),
        crd(group, "SelfNodeRemediationConfig", "selfnoderemediationconfigs", "Namespaced", short_names=("snrc",),
            versions=[{"name": "v1alpha1", "schema": root_schema(SNR_CONFIG_SPEC, OPEN)}]),
    ]


def self_node_remediation_defaults(namespace: str) -> list[tuple[str, dict]]:
    """The objects SNR creates in its namespace when it starts: the config and the default template."""
    return [
        ("selfnoderemediationconfigs.self-node-remediation.medik8s.io", {
            "apiVersion": "self-node-remediation.medik8s.io/v1alpha1", "kind": "SelfNodeRemediationConfig",
            "metadata": {"name": "self-node-remediation-config", "namespace": namespace}, "spec": {}}),
        ("selfnoderemediationtemplates.self-node-remediation.medik8s.io", {
            "apiVersion": "self-node-remediation.medik8s.io/v1alpha1", "kind": "SelfNodeRemediationTemplate",
            "metadata": {"name": "self-node-remediation-automatic-strategy-template", "namespace": namespace,
                         "labels": {"remediation.medik8s.io/default-template": "true"}},
            "spec": {"template": {"spec": {"remediationStrategy": "Automatic"}}}}),
    ]


# ------------------------------------------------------------------------------------------ Machine Deletion Remediation
MDR_SPEC = {"type": "object", "properties": {}}


def machine_deletion_remediation() -> list[dict]:
    group = "machine-deletion-remediation.medik8s.io"
    return [
        crd(group, "MachineDeletionRemediation", "machinedeletionremediations", "Namespaced", short_names=("mdr",),
            versions=[{"name": "v1alpha1", "schema": root_schema(MDR_SPEC, _remediator_status())}]),
        crd(group, "MachineDeletionRemediationTemplate", "machinedeletionremediationtemplates", "Namespaced",
            short_names=("mdrtemplate",),
            versions=[{"name": "v1alpha1", "schema": root_schema(_template(MDR_SPEC), OPEN, True)}]),
    ]
