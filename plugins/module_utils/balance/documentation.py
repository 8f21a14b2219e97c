# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documentation of every rebalance_vms option (``OPTIONS``, YAML in ansible-doc's format), kept beside
``options.ARGUMENT_SPEC`` so a unit test holds the two together. ansible-doc reads a module's documentation without
importing it, so the module gets this text through a doc fragment built from it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

OPTIONS = r"""
options:
  metrics_source:
    description:
      - Where node and VM load comes from.
      - V(prometheus) reads the series OpenShift monitoring exposes (node-exporter CPU and memory utilization and
        pressure (PSI), KubeVirt's C(kubevirt_vmi_*) CPU, resident memory and dirty rate), so both a move's effect and
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
        type: path
      ca_file:
        description:
          - CA bundle to verify the server's certificate.
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
    type: float
    default: 0.1
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
        series (KubeVirt before 1.6, or O(metrics_source) other than V(prometheus)).
    type: str
    default: 64Mi
  dirty_rate_margin:
    description:
      - Share added to every dirty rate before predicting convergence (0.25 = the guest is assumed to dirty memory a
        quarter faster than measured), since dirty rates change and the series is an estimate.
    type: float
    default: 0.25
  report_path:
    description:
      - Where to write the self-contained HTML report (load bars before, predicted and after, the moves, the
        imbalance, skipped VMs with their reasons).
    type: path
  wait_timeout:
    description:
      - Seconds to follow the migrations to their end before the run reports them as unfinished.
    type: int
    default: 1800
"""
