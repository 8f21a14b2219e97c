# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure rebalancing core for rebalance_vms: a snapshot of plain data in, a plan of plain data out.

Nothing in this package does I/O. The module's workflow reads the cluster and the metrics, then calls
``planner.plan_rebalance(snapshot, settings)``; check mode returns that plan, a real run executes its moves.

Files, in the order a plan is made:

- ``options``: the module's argument_spec and ``settings_from_params`` (validated settings); ``documentation``:
  the DOCUMENTATION text of every option.
- ``queries``: the PromQL the I/O layer runs, and instant-vector parsing.
- ``inventory``: Node/Pod/VMI objects to node and VM records (requests, selectors, launcher pods).
- ``eligibility`` (with ``vm_query``): which nodes take part and which VMs may move.
- ``load``: per node per dimension load, the combined score; ``imbalance``: stddev, CV, max-min.
- ``thresholds``: the descheduler's presets, over/under-utilized classification.
- ``cooldown``: migration history and the per-VM back-off.
- ``filters`` (with ``affinity``): fit filters ``filter(item, node, state) -> None | reason`` and their state.
- ``convergence``: predicted migration time and whether it converges; ``waves``: concurrency and link shares.
- ``search``: the greedy best-move search; ``planner``: everything above in order, and the plan.
- ``report_svg`` and ``report_html``: the self-contained HTML report of a plan.
"""
