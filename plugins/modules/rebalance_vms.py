#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rebalance_vms
short_description: Rebalance KubeVirt virtual machines across nodes with few, convergent live migrations
version_added: 0.1.0
description:
  - Measures how busy each node is (CPU and memory utilization and pressure from Prometheus, or metrics.k8s.io, or
    declared requests), finds the nodes above the threshold and moves VMs away from them by live migration, each
    to a node chosen for it, until the cluster is within target or no move is worth it.
  - A move is planned only when it lowers the imbalance by at least O(min_gain) of the imbalance of the two nodes
    it touches, keeps the destination below the high threshold and no busier than the source, passes the same
    placement filters as node_maintenance (resources, node selectors and affinity, taints, pod (anti-)affinity), and
    its migration is predicted to converge from the VM's memory and dirty rate and the bandwidth its link leaves
    it, under KubeVirt's completion and progress timeouts. Among such moves the one removing the most imbalance per
    GiB sent wins.
  - VMs that moved recently rest (O(cooldown), doubling with every move in O(cooldown_window)); VMs with a migration
    in flight, not live-migratable, without a live-migrating eviction strategy, annotated
    C(descheduler.alpha.kubernetes.io/prefer-no-eviction) or in protected namespaces never move. Nodes that are not
    Ready, cordoned, in maintenance or being remediated take no part.
  - Each move is a C(VirtualMachineInstanceMigration) whose C(addedNodeSelector) pins the planned node. They run
    pipelined within KubeVirt's C(parallelMigrationsPerCluster) and C(parallelOutboundMigrationsPerNode), are
    followed to their end, and the load is measured again afterwards to report predicted against observed.
  - A cluster within target is left alone (C(changed=false)); a rerun after a rebalance plans nothing new.
author:
  - Workload Availability contributors (@workload-availability)
requirements:
  - jmespath (for O(vm_query))
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - workload.availability.cluster
  - workload.availability.cluster.ACTION_GROUP
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Returns the plan (moves with VM, source, destination, memory, predicted time and gain; per-node load
      and imbalance before and predicted) and changes nothing in the cluster.
  diff_mode:
    support: none
  platform:
    platforms: kubernetes
options:
  metrics_source:
    description:
      - Where node and VM load comes from.
      - V(prometheus) reads the series OpenShift monitoring exposes (node-exporter CPU and memory utilization and
        pressure (PSI), KubeVirt's C(kubevirt_vmi_*) CPU, used memory and dirty rate), so both a move's effect and
        whether its migration converges can be predicted.
      - V(metrics_api) reads C(metrics.k8s.io) NodeMetrics and PodMetrics (no pressure, no dirty rate).
      - V(requests) balances declared requests against allocatable, without any measurement.
    type: str
    choices: [prometheus, metrics_api, requests]
    default: prometheus
  prometheus:
    description:
      - How to reach Prometheus (or the Thanos querier of OpenShift monitoring) for O(metrics_source=prometheus).
    type: dict
    suboptions:
      url:
        description:
          - Base URL, for example C(https://thanos-querier-openshift-monitoring.apps.example.com).
          - Required with O(metrics_source=prometheus). Falls back to E(PROMETHEUS_URL).
        type: str
      token:
        description:
          - Bearer token (for OpenShift monitoring, a token of a service account allowed to read metrics).
          - Falls back to E(PROMETHEUS_TOKEN). Mutually exclusive with O(prometheus.token_file).
        type: str
      token_file:
        description:
          - File holding the bearer token, read on every run (a projected service account token).
          - Falls back to E(PROMETHEUS_TOKEN_FILE).
        type: path
      ca_file:
        description:
          - CA bundle to verify the server's certificate. Falls back to E(PROMETHEUS_CA_FILE).
        type: path
      validate_certs:
        description:
          - Whether to verify the server's TLS certificate.
        type: bool
        default: true
      timeout:
        description:
          - Seconds one query may take.
        type: int
        default: 30
      queries:
        description:
          - Replacements for the default queries, by name (C(node_cpu), C(node_memory), C(node_cpu_pressure),
            C(node_memory_pressure), C(vmi_cpu), C(vmi_memory), C(vmi_dirty_rate)). Each must return an instant vector
            labelled like the default (C(instance) = node name, or C(namespace) and C(name) of the VMI).
          - The defaults read node-exporter's C(node_cpu_seconds_total), C(node_memory_MemAvailable_bytes),
            C(node_memory_MemTotal_bytes) and C(node_pressure_*_waiting_seconds_total) over one minute, and
            KubeVirt's C(kubevirt_vmi_cpu_usage_seconds_total), C(kubevirt_vmi_memory_used_bytes) and
            C(kubevirt_vmi_dirty_rate_bytes_per_second).
        type: dict
        default: {}
  on_missing_metrics:
    description:
      - What to do with a node or VM the metrics do not cover (a node-exporter down, a VMI not scraped yet). It is
        never read as zero and never fails the run; the plan names it.
      - V(exclude) leaves the node out of balancing (neither source nor destination) or keeps the VM where it is.
      - V(requests) uses its declared requests instead.
    type: str
    choices: [exclude, requests]
    default: exclude
  thresholds:
    description:
      - When a node counts as underutilized (every dimension at or below low) or overutilized (any dimension above
        high), as percent pairs named like the descheduler operator's presets.
      - With O(deviation_thresholds=true) (the default) low and high are distances below and above the mean of the
        nodes - V(Low) 10:10, V(Medium) 20:20, V(High) 30:30, V(AsymmetricLow) 0:10, V(AsymmetricMedium) 0:20,
        V(AsymmetricHigh) 0:30.
      - With O(deviation_thresholds=false) they are absolute - V(Low) 10:30, V(Medium) 20:50, V(High) 40:70.
      - Defaults to V(AsymmetricLow), the KubeVirtRelieveAndMigrate profile's default. Mutually exclusive with
        O(low_threshold) and O(high_threshold).
    type: str
    choices: [Low, Medium, High, AsymmetricLow, AsymmetricMedium, AsymmetricHigh]
  low_threshold:
    description:
      - Explicit low threshold in percent (0-100), with O(high_threshold), instead of a preset.
    type: float
  high_threshold:
    description:
      - Explicit high threshold in percent (0-100), with O(low_threshold), instead of a preset.
    type: float
  deviation_thresholds:
    description:
      - Whether the thresholds are distances from the mean of the nodes (the descheduler's
        C(useDeviationThresholds)) or absolute utilization.
    type: bool
    default: true
  target_imbalance:
    description:
      - Standard deviation of the nodes' combined load (0-1) at or below which the cluster counts as balanced.
        Above it VMs move from nodes above the mean to nodes below it even when no node crosses the high threshold
        (after a maintenance returned an empty node, for example).
      - V(0) turns this off; only overutilized nodes are relieved then.
      - The default, 3 points of load, comes from bench/rebalance.py, where at 0.1 a node returned empty from
        maintenance stayed half as busy as the others and a relieved hotspot stayed 10 points above them.
    type: float
    default: 0.03
  min_gain:
    description:
      - The least share (0 to below 1) of the imbalance of the two nodes it touches (their squared distance from
        the mean) that a move must remove; smaller moves are not worth a migration. Proxmox calls this the margin.
    type: float
    default: 0.1
  weights:
    description:
      - Weights of CPU and memory in a node's combined load,
        C(sqrt((cpu_weight * cpu^2 + memory_weight * memory^2\) / (cpu_weight + memory_weight\)\)).
    type: dict
    suboptions:
      cpu:
        description: Weight of CPU load.
        type: float
        default: 1.0
      memory:
        description: Weight of memory load.
        type: float
        default: 1.0
  max_migrations:
    description:
      - Most migrations one run plans. They run in waves within KubeVirt's C(parallelMigrationsPerCluster) and
        C(parallelOutboundMigrationsPerNode), read from the KubeVirt CR, migrations already in flight included.
    type: int
    default: 5
  cooldown:
    description:
      - Seconds a VM rests after its migration before it may move again. With n migrations in
        O(cooldown_window) (a failed one counts twice) the rest is
        C(min(cooldown_max, max(cooldown, 10 x last migration duration\) x 2^(n-1\)\)).
      - History comes from finished VirtualMachineInstanceMigrations, the VMI's C(status.migrationState) and the
        VMI annotation C(workload.availability/migrations) this module writes.
    type: int
    default: 1800
  cooldown_max:
    description:
      - Longest rest in seconds, however often a VM moved.
    type: int
    default: 21600
  cooldown_window:
    description:
      - Seconds of migration history that count for the back-off.
    type: int
    default: 172800
  exclude_namespaces:
    description:
      - Namespaces whose VMs never move, as shell-style patterns, in addition to the protected C(openshift-*),
        C(kube-*) and C(hypershift).
    type: list
    elements: str
    default: []
  label_selectors:
    description:
      - Label selectors (C(key=value), C(key!=value), C(key), C(!key), C(key in (a,b\)), C(key notin (a,b\))) a VMI
        must all match to be moved.
    type: list
    elements: str
    default: []
  vm_query:
    description:
      - A JMESPath expression evaluated on each VMI as the API returns it; only VMIs for which it is true move,
        for example C(metadata.labels.tier != 'db').
      - An invalid expression fails the run before anything happens; an expression that fails on one VMI keeps
        that VMI in place, with the error as its reason. Needs the C(jmespath) Python library.
    type: str
  node_selector:
    description:
      - Label selector of the nodes taking part (as sources and destinations).
      - Nodes that are not Ready, cordoned, in maintenance (the medik8s exclude-from-remediation label or drain
        taint), being remediated or fenced (medik8s remediation taints, the out-of-service taint) or whose medik8s
        node lease is held are always left out.
    type: str
    default: kubevirt.io/schedulable=true
  link_bandwidth:
    description:
      - Migration network bandwidth of a node in bytes per second (a quantity such as V(1250M) for 10 Gbit/s).
        Streams leaving (or entering) one node at the same time share it.
    type: str
    default: 1250M
  node_link_bandwidth:
    description:
      - Per-node exceptions to O(link_bandwidth), node name to bytes per second.
    type: dict
    default: {}
  stream_bandwidth:
    description:
      - Most bytes per second one migration stream reaches, whatever the link (one QEMU thread and TLS bound it);
        V(0) for no such ceiling. C(bandwidthPerMigration) of the KubeVirt CR applies as well when set.
    type: str
    default: 1G
  assumed_dirty_rate:
    description:
      - Dirty rate in bytes per second assumed for a VM without the C(kubevirt_vmi_dirty_rate_bytes_per_second)
        series (KubeVirt before 1.6, or O(metrics_source) other than V(prometheus)). Guests range from a few MiB/s
        when idle to hundreds of MiB/s for busy databases; the default is a moderately busy guest. Moves planned on
        an assumed rate say so (C(dirty_rate_assumed)); a migration that fails anyway cools its VM down twice as
        long.
    type: str
    default: 16Mi
  dirty_rate_margin:
    description:
      - Share added to every dirty rate before predicting convergence (0.25 = the guest is assumed to dirty memory a
        quarter faster than measured), since dirty rates change and the series is an estimate.
    type: float
    default: 0.25
  report_path:
    description:
      - Where to write the self-contained HTML report (inline CSS and SVG, no script, no network) with load bars per
        node before, predicted and after, the moves and their outcome, the imbalance figures, skipped VMs and
        excluded nodes with their reasons. Written in check mode too (before and predicted only).
    type: path
  wait_timeout:
    description:
      - Seconds to follow the migrations to their end. Migrations KubeVirt has not started by then are cancelled;
        started ones go on and are reported C(Unfinished).
    type: int
    default: 1800
  settle_time:
    description:
      - Seconds to wait after the last migration before the load is measured again, so the metrics' rate windows
        (one minute in the default queries) cover the new placement.
    type: int
    default: 60
notes:
  - The load of a node is its utilization plus its pressure (PSI) while utilization is above 0.7 (the gating of the
    descheduler's recording rules), per dimension; the combined load is the weighted root mean square of CPU and
    memory. A node or VM the metrics miss is never read as zero (see O(on_missing_metrics)); a node without PSI is
    balanced on utilization alone. Both are reported in RV(notes).
  - KubeVirt aborts a migration that does not complete within C(completionTimeoutPerGiB) seconds per GB of guest
    memory, and one whose remaining data stops dropping for C(progressTimeout) seconds (a stalled stream); the
    prediction follows these rules with the values of the KubeVirt CR.
seealso:
  - module: workload.availability.node_maintenance
  - name: Descheduler KubeVirtRelieveAndMigrate profile
    description: The in-cluster rebalancer whose threshold presets this module names the same way.
    link: https://docs.openshift.com/container-platform/latest/nodes/scheduling/descheduler/index.html
"""

EXAMPLES = r"""
- name: See what a rebalance would do (nothing changes)
  workload.availability.rebalance_vms:
    prometheus:
      url: https://thanos-querier-openshift-monitoring.apps.example.com
      token_file: /var/run/secrets/monitoring/token
    report_path: /tmp/rebalance.html
  check_mode: true
  register: plan

- name: Relieve hot nodes, at most five migrations, leaving databases alone
  workload.availability.rebalance_vms:
    metrics_source: prometheus
    thresholds: AsymmetricLow
    max_migrations: 5
    vm_query: "metadata.labels.tier != 'db'"
    exclude_namespaces: [legacy-*]
    report_path: "{{ playbook_dir }}/rebalance-{{ ansible_date_time.iso8601_basic_short }}.html"

- name: Without Prometheus, balance declared requests
  workload.availability.rebalance_vms:
    metrics_source: requests
    target_imbalance: 0.05
"""

RETURN = r"""
moves:
  description:
    - The planned moves in order; after execution each also carries what happened.
  returned: always
  type: list
  elements: dict
  contains:
    vm:
      description: The VMI as namespace/name.
      type: str
      sample: vms/db-1
    from:
      description: The node it leaves.
      type: str
    to:
      description: The node it is pinned to.
      type: str
    memory_gib:
      description: Guest memory in GiB.
      type: float
    predicted_seconds:
      description: Predicted migration time, the target pod's start included.
      type: float
    predicted_mode:
      description: How it is predicted to complete (pre-copy, auto-converge or post-copy).
      type: str
    predicted_gain:
      description: Share of the two nodes' imbalance the move removes.
      type: float
    wave:
      description: Which group of parallel migrations it belongs to under KubeVirt's limits.
      type: int
    status:
      description: Succeeded, Failed (with KubeVirt's reason), Unfinished (still migrating at O(wait_timeout)) or
        Skipped (with the reason); absent in check mode.
      type: str
    reason:
      description: Why it failed or was skipped.
      type: str
    seconds:
      description: How long the migration took.
      type: float
    node:
      description: Where the VM runs after the run.
      type: str
skipped:
  description: VMs that were not moved, each with the reason (not migratable, cooling down, no destination accepted
    it and why, would not converge, ...).
  returned: always
  type: list
  elements: dict
  sample: [{"vm": "vms/hot", "node": "worker-0", "reason": "no destination accepted it (3 tried): ..."}]
excluded_nodes:
  description: Nodes that took no part, each with the reason.
  returned: always
  type: list
  elements: dict
nodes:
  description: Per node its load (cpu, memory, combined) before, predicted and after (measured again after the
    moves; null in check mode), its class against the thresholds, and the moves out and in.
  returned: always
  type: list
  elements: dict
imbalance:
  description: Per dimension (cpu, memory, combined) the standard deviation, coefficient of variation, max - min,
    mean, busiest and idlest node load, C(before), C(predicted) and C(after) (null until measured).
  returned: always
  type: dict
prediction_error:
  description: Mean and largest absolute difference between predicted and measured combined load per node.
  returned: when the moves ran and the load was measured again
  type: dict
stop_reason:
  description: Why the plan stopped (within target, max_migrations reached, no move accepted).
  returned: always
  type: str
thresholds:
  description: The thresholds applied, with the bounds per dimension before the moves.
  returned: always
  type: dict
limits:
  description: KubeVirt's migration limits read from the KubeVirt CR and the migrations already in flight.
  returned: always
  type: dict
notes:
  description: What the load model had to work around (missing series, nodes without PSI, assumed dirty rates).
  returned: always
  type: list
  elements: str
report_path:
  description: Absolute path of the HTML report.
  returned: when O(report_path) is given
  type: str
run_id:
  description: The label value C(workload.availability/rebalance-run) on this run's migrations.
  returned: when migrations ran
  type: str
metrics_requests:
  description: HTTP requests made to Prometheus.
  returned: always
  type: int
timeline:
  description: Timestamped steps of the run - the plan, each migration started and ended with its outcome, the wait
    for the metrics to settle, the report written.
  returned: always
  type: list
  elements: dict
api_requests:
  description: HTTP requests made to the API server, retries included (the reads are one LIST per kind).
  returned: always
  type: int
  sample: 38
"""

from ansible_collections.workload.availability.plugins.module_utils.balance.options import ARGUMENT_SPEC, input_errors
from ansible_collections.workload.availability.plugins.module_utils.balance.workflow import rebalance_vms
from ansible_collections.workload.availability.plugins.module_utils.core.module import AvailabilityModule


def main():
    module = AvailabilityModule(ARGUMENT_SPEC)
    params = dict(module.params)
    module.fail_on(input_errors(params))
    module.run(rebalance_vms, params)


if __name__ == "__main__":
    main()
