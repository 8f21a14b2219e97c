# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The API types this collection reads and writes, and where they live in URLs (pure)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple


class Kind(namedtuple("Kind", ["api_version", "kind", "plural", "namespaced"])):
    """An API type: apiVersion, kind, the resource name in URLs and whether objects live in namespaces."""

    @property
    def group(self):
        return self.api_version.rpartition("/")[0]

    @property
    def group_path(self):
        """The discovery path of the apiVersion (/api/v1 or /apis/<group>/<version>)."""
        return "/api/v1" if self.api_version == "v1" else "/apis/" + self.api_version

    def path(self, namespace=None, name=None, subresource=None):
        parts = [self.group_path]
        if self.namespaced and namespace:
            parts += ["namespaces", namespace]
        parts.append(self.plural)
        if name:
            parts.append(name)
            if subresource:
                parts.append(subresource)
        return "/".join(parts)


NODE = Kind("v1", "Node", "nodes", False)
POD = Kind("v1", "Pod", "pods", True)
NAMESPACE = Kind("v1", "Namespace", "namespaces", False)
EVENT = Kind("v1", "Event", "events", True)
SECRET = Kind("v1", "Secret", "secrets", True)
CONFIGMAP = Kind("v1", "ConfigMap", "configmaps", True)
LEASE = Kind("coordination.k8s.io/v1", "Lease", "leases", True)
PDB = Kind("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", True)
VM = Kind("kubevirt.io/v1", "VirtualMachine", "virtualmachines", True)
VMI = Kind("kubevirt.io/v1", "VirtualMachineInstance", "virtualmachineinstances", True)
VMIM = Kind("kubevirt.io/v1", "VirtualMachineInstanceMigration", "virtualmachineinstancemigrations", True)
KUBEVIRT = Kind("kubevirt.io/v1", "KubeVirt", "kubevirts", True)
BAREMETALHOST = Kind("metal3.io/v1alpha1", "BareMetalHost", "baremetalhosts", True)
MACHINE = Kind("machine.openshift.io/v1beta1", "Machine", "machines", True)
NODE_METRICS = Kind("metrics.k8s.io/v1beta1", "NodeMetrics", "nodes", False)
POD_METRICS = Kind("metrics.k8s.io/v1beta1", "PodMetrics", "pods", True)
