# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The workflow contract (pure data).

A workflow is a function ``workflow(ctx, params) -> Outcome``:

- ``ctx`` (Context) carries the adapters (``cluster``, ``bmc_factory``), the event sink (``event(what,
  **details)``, a Timeline), ``check_mode``, the secret sink (``hide(values)``: values that must never be
  printed; a module adds them to no_log_values) and the clocks;
- ``params`` is a plain dict of the options (the module's option names, every key present: build one with
  core.options.with_defaults);
- it returns Outcome(changed, msg, result) and raises AvailabilityError (msg, partial result) when it stops.

It never sees an AnsibleModule, so a workflow can call another with the same ctx (node_health_check calls
fencing.workflow.fence_node in-process; rebalance_vms calls migrations and placement).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
from collections import namedtuple

from ansible_collections.workload.availability.plugins.module_utils.core.clock import utcnow

Outcome = namedtuple("Outcome", ["changed", "msg", "result"])


class Context:
    """What a workflow gets from its caller.

    cluster: core.cluster.Cluster; event: callable(what, **details); check_mode: writes nothing and powers
    nothing when true; secrets: a set the caller reads afterwards (AvailabilityModule passes its no_log_values);
    bmc_factory: callable(target, limits, system_uuid=None) -> BMC adapter (None: fencing's own open_bmc);
    now: aware UTC datetime; monotonic and sleep: seconds.
    """

    def __init__(self, cluster, event, check_mode=False, secrets=None, bmc_factory=None, now=utcnow,
                 monotonic=time.monotonic, sleep=time.sleep):
        self.cluster = cluster
        self.event = event
        self.check_mode = check_mode
        self.secrets = secrets if secrets is not None else set()
        self.bmc_factory = bmc_factory
        self.now = now
        self.monotonic = monotonic
        self.sleep = sleep

    def hide(self, values):
        """Add every non-empty value to the secret sink."""
        for value in values:
            if value:
                self.secrets.add(value)
