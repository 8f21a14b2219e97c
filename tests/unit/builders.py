# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes, KubeVirt, medik8s and metal3 objects as plain dicts, as the API returns them, for tests.

One builder per kind; every option that is None leaves its field out (as the API does), so a test gets exactly the
object it describes. Test files bind their own defaults with functools.partial.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

LEASE_NAMESPACE = "medik8s-leases"
MACHINE_API_NAMESPACE = "openshift-machine-api"
MICRO_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _ready_status(ready):
    if ready is True:
        return "True"
    if ready is False:
        return "False"
    return ready


def node(name="w1", ready="True", labels=None, annotations=None, taints=None, unschedulable=None, role=None,
         cpu=None, memory=None, pods="110", capacity=False, uuid=None, boot_id=None, machine=None,
         resource_version=None, uid=None):
    """A Node. ready: "True"/"False"/"Unknown" or a bool, None for no Ready condition; role adds
    node-role.kubernetes.io/<role>; cpu/memory set status.allocatable (and status.capacity when capacity);
    machine sets the machine.openshift.io/machine annotation ("namespace/name")."""
    labels = dict(labels or {})
    if role:
        labels["node-role.kubernetes.io/%s" % role] = ""
    metadata = {"name": name, "labels": labels}
    if annotations is not None or machine:
        metadata["annotations"] = dict(annotations or {})
    if machine:
        metadata["annotations"]["machine.openshift.io/machine"] = machine
    if resource_version:
        metadata["resourceVersion"] = resource_version
    if uid:
        metadata["uid"] = uid
    spec = {}
    if taints is not None:
        spec["taints"] = list(taints)
    if unschedulable is not None:
        spec["unschedulable"] = unschedulable
    status = {"conditions": [{"type": "Ready", "status": _ready_status(ready)}] if ready is not None else []}
    node_info = dict((key, value) for key, value in (("systemUUID", uuid), ("bootID", boot_id)) if value)
    if node_info:
        status["nodeInfo"] = node_info
    if cpu is not None or memory is not None:
        status["allocatable"] = {"cpu": str(cpu), "memory": memory, "pods": pods}
        if capacity:
            status["capacity"] = dict(status["allocatable"])
    return {"apiVersion": "v1", "kind": "Node", "metadata": metadata, "spec": spec, "status": status}


def pod(name="p", namespace="app", node="w1", owner="ReplicaSet", labels=None, annotations=None, mirror=False,
        terminating=False, phase="Running", cpu=None, memory=None, volumes=None, emptydir=False,
        node_selector=None):
    """A Pod bound to ``node`` (None: not scheduled). owner: the kind of its controller (None: unmanaged);
    cpu/memory: the requests of its one container; emptydir adds an emptyDir volume."""
    metadata = {"name": name, "namespace": namespace, "labels": dict(labels or {})}
    if owner:
        metadata["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner, "name": name + "-owner",
                                        "uid": "uid-" + name, "controller": True}]
    if annotations or mirror:
        metadata["annotations"] = dict(annotations or {})
    if mirror:
        metadata["annotations"]["kubernetes.io/config.mirror"] = "mirror-hash"
    if terminating:
        metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    spec = {"volumes": list(volumes or []) + ([{"name": "scratch", "emptyDir": {}}] if emptydir else [])}
    if node:
        spec["nodeName"] = node
    requests = dict((k, v) for k, v in (("cpu", cpu), ("memory", memory)) if v is not None)
    spec["containers"] = [{"name": "c", "image": "registry.example/app:1",
                           "resources": {"requests": requests} if requests else {}}]
    if node_selector:
        spec["nodeSelector"] = dict(node_selector)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": {"phase": phase}}


def launcher(vmi_name, namespace="vms", node="w1", suffix="x", phase="Running", cpu=None, memory=None, labels=None,
             annotations=None, affinity=None, tolerations=None):
    """The virt-launcher pod of a VMI (owned by it, with an emptyDir as KubeVirt gives it); labels (the VMI's, which
    KubeVirt copies), affinity and tolerations are added to what KubeVirt sets."""
    pod_labels = dict(labels or {})
    pod_labels.update({"kubevirt.io": "virt-launcher", "vm.kubevirt.io/name": vmi_name})
    made = pod("virt-launcher-%s-%s" % (vmi_name, suffix), namespace=namespace, node=node,
               owner="VirtualMachineInstance", labels=pod_labels, annotations=annotations, phase=phase, cpu=cpu,
               memory=memory, emptydir=True, node_selector={"kubevirt.io/schedulable": "true"})
    made["metadata"]["ownerReferences"][0].update(apiVersion="kubevirt.io/v1", name=vmi_name)
    if affinity:
        made["spec"]["affinity"] = dict(affinity)
    if tolerations:
        made["spec"]["tolerations"] = list(tolerations)
    return made


def vmi(name, node="w1", namespace="vms", phase="Running", migratable=True, reason="DisksNotLiveMigratable",
        migrating=False, evacuating=False, labels=None, spec=None, annotations=None, uid=None, migration_state=None):
    """A VirtualMachineInstance running on ``node`` (None: not placed). migratable: the LiveMigratable condition
    (None: no conditions); migrating: a migration has started; evacuating: KubeVirt evacuates it;
    migration_state: status.migrationState as given."""
    status = {"phase": phase}
    if node:
        status["nodeName"] = node
    if migratable is not None:
        condition = {"type": "LiveMigratable", "status": "True" if migratable else "False"}
        if not migratable:
            condition["reason"] = reason
        status["conditions"] = [condition]
    if migrating:
        status["migrationState"] = {"startTimestamp": "2026-01-01T00:00:00Z"}
    if migration_state is not None:
        status["migrationState"] = dict(migration_state)
    if evacuating:
        status["evacuationNodeName"] = node
    metadata = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = dict(labels)
    if annotations:
        metadata["annotations"] = dict(annotations)
    if uid:
        metadata["uid"] = uid
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance", "metadata": metadata,
            "spec": dict(spec or {}), "status": status}


def vm(name, namespace="vms", **spec):
    """A VirtualMachine with the given spec fields (runStrategy=..., running=...)."""
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def vmim(name, vmi_name, phase=None, namespace="vms", labels=None, failure=None, created=None):
    """A VirtualMachineInstanceMigration of ``vmi_name``; failure sets status.migrationState.failureReason."""
    metadata = {"name": name, "namespace": namespace, "labels": dict(labels or {})}
    if created:
        metadata["creationTimestamp"] = created
    status = {"phase": phase} if phase else {}
    if failure:
        status["migrationState"] = {"failureReason": failure}
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstanceMigration", "metadata": metadata,
            "spec": {"vmiName": vmi_name}, "status": status}


def lease(holder, renewed, duration=3600, node="w1", acquire_only=False, resource_version=None):
    """The medik8s node lease of ``node`` held by ``holder`` (None: no holder), renewed at ``renewed`` (an aware
    datetime; acquire_only: only acquireTime is set)."""
    stamp = renewed.astimezone(datetime.timezone.utc).strftime(MICRO_FORMAT)
    spec = {"holderIdentity": holder, "leaseDurationSeconds": duration, "acquireTime": stamp}
    if not acquire_only:
        spec["renewTime"] = stamp
    metadata = {"name": "node-" + node, "namespace": LEASE_NAMESPACE}
    if resource_version:
        metadata["resourceVersion"] = resource_version
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata, "spec": spec}


def machine(name, host=None, namespace=MACHINE_API_NAMESPACE):
    """An OpenShift Machine; host: "namespace/name" of its BareMetalHost (the metal3.io/BareMetalHost annotation)."""
    metadata = {"name": name, "namespace": namespace}
    if host:
        metadata["annotations"] = {"metal3.io/BareMetalHost": host}
    return {"apiVersion": "machine.openshift.io/v1beta1", "kind": "Machine", "metadata": metadata}


def baremetalhost(name, namespace=MACHINE_API_NAMESPACE, powered_on=None, address=None, credentials=None,
                  insecure=None):
    """A metal3 BareMetalHost: spec.bmc (address, credentialsName, disableCertificateVerification) and
    status.poweredOn, each only when given."""
    made = {"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
            "metadata": {"name": name, "namespace": namespace}}
    if address is not None:
        made["spec"] = {"bmc": {"address": address, "credentialsName": credentials}}
        if insecure is not None:
            made["spec"]["bmc"]["disableCertificateVerification"] = insecure
    if powered_on is not None:
        made["status"] = {"poweredOn": powered_on}
    return made


def node_maintenance(node_name, name="x", ours=True):
    """A NodeMaintenance CR for ``node_name``; ours: labelled as managed by this collection."""
    labels = {"app.kubernetes.io/managed-by": "workload.availability"} if ours else {}
    return {"apiVersion": "nodemaintenance.medik8s.io/v1beta1", "kind": "NodeMaintenance",
            "metadata": {"name": name, "labels": labels}, "spec": {"nodeName": node_name}}
