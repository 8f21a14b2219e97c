# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rebalance_vms's decisions (pure) and its workflow (shell).

Pure, in the order a plan is made: ``options`` (argument spec, validated settings), ``queries`` (the PromQL and
instant-vector parsing), ``inventory`` (VMs as placement items), ``eligibility`` (with ``vm_query``: which nodes take
part and which VMs may move), ``load`` and ``imbalance`` (per-node load, the combined score, stddev/CV/max-min),
``thresholds`` (the descheduler's presets), ``cooldown`` (migration history and back-off), ``convergence`` and
``waves`` (will a migration converge, at what bandwidth), ``search`` (the best-move search, on the shared placement
filters), ``planner`` (everything in order: ``plan_rebalance(snapshot, settings)``, ``observe``), ``execution``
(migration bodies, starts within limits, outcomes), ``results`` (the module result), ``report_svg`` and
``report_html`` (the self-contained HTML report).

Shell: ``workflow`` (``rebalance_vms(ctx, params)``), ``reads`` (snapshot and metrics), ``prometheus`` (the HTTP
client), ``executor`` (migrations through migrations/runner.py).
"""
