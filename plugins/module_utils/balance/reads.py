# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a rebalance reads (shell): the cluster snapshot in one LIST per kind, and the metrics of the chosen source.

``read_snapshot(cluster, now)`` -> the planner's snapshot without metrics (nodes, pods, VMIs, migrations, the
medik8s node leases, the KubeVirt CR); ``read_metrics(cluster, prometheus, settings)`` -> the samples
``load.build_model`` takes: {query name: instant vector} from Prometheus, {"nodes", "pods"} from metrics.k8s.io, or
None for ``requests``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.balance import queries
from ansible_collections.workload.availability.plugins.module_utils.core import kinds
from ansible_collections.workload.availability.plugins.module_utils.core.errors import AvailabilityError


def read_snapshot(cluster, now):
    vmis = cluster.list_if_served(kinds.VMI)
    served = cluster.served(kinds.VMI)
    kubevirt = cluster.list(kinds.KUBEVIRT) if served else []
    return {"now": now, "nodes": cluster.list(kinds.NODE), "pods": cluster.list(kinds.POD), "vmis": vmis,
            "vmims": cluster.list(kinds.VMIM) if served else [],
            "leases": cluster.list(kinds.LEASE, namespace=medik8s.LEASE_NAMESPACE),
            "kubevirt": kubevirt[0] if kubevirt else None, "metrics": None}


def read_metrics(cluster, prometheus, settings):
    source = settings["metrics_source"]
    if source == "prometheus":
        return dict((name, prometheus.query(name, text))
                    for name, text in sorted(queries.query_set(settings["prometheus"].get("queries")).items()))
    if source == "metrics_api":
        if not cluster.served(kinds.NODE_METRICS):
            raise AvailabilityError("metrics_source=metrics_api needs metrics.k8s.io (metrics-server), which this "
                                    "cluster does not serve; choose metrics_source=prometheus or requests")
        return {"nodes": cluster.list(kinds.NODE_METRICS), "pods": cluster.list(kinds.POD_METRICS)}
    return None
