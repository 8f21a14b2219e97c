"""BareMetalHost, Machine and credentials Secret objects per node, as an OpenShift bare-metal cluster has them.

Link between the three, as on OpenShift: Node annotation `machine.openshift.io/machine: <ns>/<machine>`,
Machine annotation `metal3.io/BareMetalHost: <ns>/<host>`, BareMetalHost `spec.consumerRef` -> the Machine.
The lab keeps `status.poweredOn` current from what the BMC reports (as the baremetal-operator does by polling);
it does not reconcile `spec.online` (no provisioning, no power enforcement).
"""

from __future__ import annotations

import base64

from lab.olm.crd_builder import CONDITIONS, OBJECT_REFERENCE, OPEN, column, crd, root_schema

NAMESPACE = "openshift-machine-api"
BMH_KEY = "baremetalhosts.metal3.io"
MACHINE_KEY = "machines.machine.openshift.io"
MACHINE_ANNOTATION = "machine.openshift.io/machine"
BMH_ANNOTATION = "metal3.io/BareMetalHost"

BMH_SPEC = {"type": "object", "required": ["online"], "properties": {
    "bmc": {"type": "object", "required": ["address", "credentialsName"], "properties": {
        "address": {"type": "string"},
        "credentialsName": {"type": "string"},
        "disableCertificateVerification": {"type": "boolean"}}},
    "bootMACAddress": {"type": "string"},
    "bootMode": {"type": "string", "enum": ["UEFI", "UEFISecureBoot", "legacy"]},
    "online": {"type": "boolean"},
    "externallyProvisioned": {"type": "boolean"},
    "consumerRef": OBJECT_REFERENCE,
    "hardwareProfile": {"type": "string"},
    "rootDeviceHints": OPEN,
    "description": {"type": "string"},
    "automatedCleaningMode": {"type": "string", "enum": ["metadata", "disabled"], "default": "metadata"}}}

BMH_STATUS = {"type": "object", "properties": {
    "operationalStatus": {"type": "string", "enum": ["OK", "discovered", "error", "delayed", "detached",
                                                     "servicing"]},
    "poweredOn": {"type": "boolean"},
    "errorType": {"type": "string"},
    "errorMessage": {"type": "string"},
    "errorCount": {"type": "integer"},
    "lastUpdated": {"type": "string", "format": "date-time"},
    "goodCredentials": OPEN,
    "hardwareProfile": {"type": "string"},
    "hardware": OPEN,
    "provisioning": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {
        "state": {"type": "string"}, "ID": {"type": "string"}, "bootMode": {"type": "string"}}}}}


def bmh_crd() -> dict:
    return crd("metal3.io", "BareMetalHost", "baremetalhosts", "Namespaced", short_names=("bmh", "bmhost"), versions=[{
        "name": "v1alpha1", "schema": root_schema(BMH_SPEC, BMH_STATUS),
        "columns": [column("State", ".status.provisioning.state"),
                    column("Consumer", ".spec.consumerRef.name"),
                    column("Online", ".spec.online", "boolean"),
                    column("Error", ".status.errorType"),
                    column("Age", ".metadata.creationTimestamp", "date")]}])


def machine_crd() -> dict:
    spec = {"type": "object", "properties": {
        "providerID": {"type": "string"}, "providerSpec": OPEN, "metadata": OPEN, "taints": {"type": "array",
                                                                                            "items": OPEN}}}
    status = {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {
        "phase": {"type": "string"}, "nodeRef": OBJECT_REFERENCE, "conditions": CONDITIONS,
        "addresses": {"type": "array", "items": OPEN}}}
    return crd("machine.openshift.io", "Machine", "machines", "Namespaced", short_names=("ma",), versions=[{
        "name": "v1beta1", "schema": root_schema(spec, status),
        "columns": [column("Phase", ".status.phase"), column("Node", ".status.nodeRef.name"),
                    column("Age", ".metadata.creationTimestamp", "date")]}])


def bmc_address(scheme_tls: bool, port: int, system_path: str) -> str:
    """metal3 address: `redfish://` means Redfish over HTTPS; `redfish+http://` is the plain-HTTP variant."""
    scheme = "redfish" if scheme_tls else "redfish+http"
    return f"{scheme}://127.0.0.1:{port}{system_path}"


def machine_name(node: str) -> str:
    return f"lab-{node}"


def secret_name(node: str) -> str:
    return f"{node}-bmc-secret"


def credentials_secret(node: str, username: str, password: str) -> dict:
    encode = lambda text: base64.b64encode(text.encode()).decode()  # noqa: E731
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": secret_name(node), "namespace": NAMESPACE},
            "data": {"username": encode(username), "password": encode(password)}}


def machine(node: str, role: str) -> dict:
    return {"apiVersion": "machine.openshift.io/v1beta1", "kind": "Machine",
            "metadata": {"name": machine_name(node), "namespace": NAMESPACE,
                         "labels": {"machine.openshift.io/cluster-api-machine-role": role,
                                    "machine.openshift.io/cluster-api-machine-type": role},
                         "annotations": {BMH_ANNOTATION: f"{NAMESPACE}/{node}"}},
            "spec": {"providerSpec": {"value": {"apiVersion": "baremetal.cluster.k8s.io/v1alpha1",
                                                "kind": "BareMetalMachineProviderSpec",
                                                "hostSelector": {}}}}}


def machine_status(node: str) -> dict:
    return {"phase": "Running", "nodeRef": {"kind": "Node", "name": node}}


def baremetalhost(node: str, address: str, mac: str, verify_certs: bool, role: str) -> dict:
    return {"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
            "metadata": {"name": node, "namespace": NAMESPACE},
            "spec": {"online": True, "bootMACAddress": mac, "bootMode": "UEFI",
                     "externallyProvisioned": role == "master",
                     "bmc": {"address": address, "credentialsName": secret_name(node),
                             "disableCertificateVerification": not verify_certs},
                     "consumerRef": {"apiVersion": "machine.openshift.io/v1beta1", "kind": "Machine",
                                     "name": machine_name(node), "namespace": NAMESPACE}}}


def baremetalhost_status(powered: bool, role: str, now: str) -> dict:
    return {"operationalStatus": "OK", "poweredOn": powered, "errorType": "", "errorMessage": "",
            "errorCount": 0, "lastUpdated": now, "hardwareProfile": "unknown",
            "goodCredentials": {"credentials": {"name": "", "namespace": NAMESPACE}},
            "provisioning": {"state": "externally provisioned" if role == "master" else "provisioned",
                             "ID": "", "bootMode": "UEFI"}}


def error_for_fault(mode: str) -> tuple[str, str]:
    """(errorType, errorMessage) the baremetal-operator would record while the BMC misbehaves this way."""
    if mode == "unauthorized":
        return "registration error", "Failed to get power state for node: HTTP 401 Unauthorized (bad credentials?)"
    if mode in ("refuse", "blackhole", "hang"):
        return "power management error", "Failed to get power state for node: the BMC does not answer"
    if mode == "error":
        return "power management error", "Failed to get power state for node: the BMC answered with a server error"
    return "", ""
