# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Will a live migration converge, and how long will it take? A pre-copy model with KubeVirt's abort rules.

Pre-copy (QEMU): the first pass sends the guest's memory (the part it uses when known: untouched pages cost next
to nothing); every later pass re-sends what the guest dirtied during the previous one, at most its working set
(the memory it uses), so the remaining data shrinks by the ratio dirty rate / bandwidth per pass. When the
remainder fits in QEMU's downtime limit (``MAX_DOWNTIME`` 0.3 s at the stream's bandwidth, QEMU's default, which
KubeVirt keeps) the guest is paused for that instant and the migration completes. With a dirty rate at or above
the bandwidth the remainder never shrinks. Dirtied pages are counted as written (rate x time, capped by the
working set), the pessimistic end for random writes, whose distinct pages grow more slowly.

Auto-converge (``allowAutoConverge``): when the guest dirtied more than half of what a pass sent, two passes in a
row, QEMU throttles its vCPUs, 20 % first and 10 points more each time up to 99 %, cutting the dirty rate by the
same share (QEMU's cpu-throttle-initial, -increment, throttle-trigger-threshold defaults).

KubeVirt's migration monitor (virt-launcher ``live-migration-source.go``, v0.53 to v1.7 without the alpha
MigrationStallDetection gate) samples libvirt's DataRemaining every 400 ms, with the CR's values:

- completion limit = ``completionTimeoutPerGiB`` x the guest memory in GB rounded up (``ScaledValue(Giga)``; 0: no
  limit), checked as whole elapsed seconds greater than the limit, so it acts one second after it. Then, with
  ``allowWorkloadDisruption`` (which defaults to ``allowPostCopy``), the migration switches to post-copy when
  ``allowPostCopy`` (the guest runs on the target and pulls the rest), else the guest is paused and the limit
  doubled; without it the migration is aborted ("not completed after N seconds").
- ``progressTimeout``: aborted ("stuck") when DataRemaining has not dropped between two samples for that long. The
  watermark is the previous sample (since v0.53), and within every pass the remainder drops as pages are sent, so
  a flowing stream is never stuck however hot its guest: only a stream that sends nothing is. A migration that
  cannot converge therefore runs until its completion limit.

``predict(memory, dirty_rate, bandwidth, config)`` -> ``{"converges", "mode" (pre-copy | auto-converge | post-copy
| paused | aborted), "seconds" (completion or abort, setup included), "transferred_bytes", "limit_seconds",
"bandwidth", "dirty_rate", "reason"}``. ``acceptable(prediction)``: the planner's rule, converging without pausing
the guest. ``migration_config(kubevirt)`` reads the KubeVirt CR.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.workload.availability.plugins.module_utils.core import quantity
from ansible_collections.workload.availability.plugins.module_utils.migrations.state import migration_settings

MAX_DOWNTIME = 0.3
THROTTLE_INITIAL = 0.20
THROTTLE_INCREMENT = 0.10
THROTTLE_MAX = 0.99
THROTTLE_TRIGGER = 0.5
THROTTLE_TRIGGER_PASSES = 2
# KubeVirt compares whole elapsed seconds with the limit: it acts in the second after it
MONITOR_GRACE_SECONDS = 1
# Target pod scheduling and start before memory moves: part of the predicted wall time, not of KubeVirt's limits.
SETUP_SECONDS = 10.0
MAX_PASSES = 2000


def migration_config(kubevirt):
    """The migration settings of the KubeVirt CR (``spec.configuration.migrations``) with KubeVirt's defaults."""
    migrations = migration_settings(kubevirt)

    def value(field, default):
        return migrations.get(field) if migrations.get(field) is not None else default

    post_copy = bool(value("allowPostCopy", False))
    return {
        "bandwidth_per_migration": quantity.parse(value("bandwidthPerMigration", 0)),
        "completion_timeout_per_gib": int(value("completionTimeoutPerGiB", 150)),
        "progress_timeout": int(value("progressTimeout", 150)),
        "allow_auto_converge": bool(value("allowAutoConverge", False)),
        "allow_post_copy": post_copy,
        "allow_workload_disruption": bool(value("allowWorkloadDisruption", post_copy)),
    }


def completion_limit(memory, config):
    """KubeVirt's acceptable completion time in seconds, or None when unlimited."""
    limit = config["completion_timeout_per_gib"] * int(math.ceil(memory / 1e9))
    return limit or None


def _result(converges, mode, seconds, sent, limit, bandwidth, dirty_rate, reason):
    return {"converges": converges, "mode": mode, "seconds": round(seconds + SETUP_SECONDS, 1),
            "transferred_bytes": sent, "limit_seconds": limit, "bandwidth": bandwidth, "dirty_rate": dirty_rate,
            "reason": reason}


def _at_limit(config, state, limit):
    """What KubeVirt does when the completion limit passes with ``remaining`` bytes left at ``at`` seconds."""
    at, remaining, sent, bandwidth, dirty_rate = state
    finish = at + remaining / bandwidth
    if config["allow_workload_disruption"] and config["allow_post_copy"]:
        return _result(True, "post-copy", finish, sent + remaining, limit, bandwidth, dirty_rate,
                       "switches to post-copy after %d s (allowPostCopy)" % limit)
    if config["allow_workload_disruption"] and finish <= 2 * limit + MONITOR_GRACE_SECONDS:
        return _result(True, "paused", finish, sent + remaining, limit, bandwidth, dirty_rate,
                       "completes only by pausing the guest after %d s (allowWorkloadDisruption)" % limit)
    return _result(False, "aborted", at, sent, limit, bandwidth, dirty_rate,
                   "KubeVirt would abort it: not completed after %d s (completionTimeoutPerGiB); the guest dirties "
                   "%.0f MiB/s, the link gives it %.0f MiB/s" % (limit, dirty_rate / 2 ** 20, bandwidth / 2 ** 20))


def predict(memory, dirty_rate, bandwidth, config, first_pass=None):
    """``memory``: guest memory bytes; ``dirty_rate``, ``bandwidth``: bytes/s; ``first_pass``: bytes the guest uses when
    known, else ``memory``."""
    limit = completion_limit(memory, config)
    if bandwidth <= 0:
        return _result(False, "aborted", float(config["progress_timeout"]), 0, limit, bandwidth, dirty_rate,
                       "KubeVirt would abort it: stuck (no migration bandwidth)")
    deadline = limit + MONITOR_GRACE_SECONDS if limit else None
    working_set = min(memory, first_pass) if first_pass else memory
    remaining = working_set
    now = sent = throttle = 0.0
    high_passes = 0
    for _number in range(MAX_PASSES):
        if remaining <= bandwidth * MAX_DOWNTIME:
            reason = "converges with vCPUs throttled to %d %%" % round(throttle * 100) if throttle \
                else "converges in pre-copy"
            return _result(True, "auto-converge" if throttle else "pre-copy", now + remaining / bandwidth,
                           sent + remaining, limit, bandwidth, dirty_rate, reason)
        effective = dirty_rate * (1.0 - throttle)
        pass_end = now + remaining / bandwidth
        if deadline is not None and pass_end > deadline:
            elapsed = deadline - now
            left = min(working_set, remaining - elapsed * bandwidth + effective * elapsed)
            return _at_limit(config, (deadline, left, sent + elapsed * bandwidth, bandwidth, dirty_rate), limit)
        dirtied = min(working_set, effective * (pass_end - now))
        if config["allow_auto_converge"] and dirtied > THROTTLE_TRIGGER * remaining:
            high_passes += 1
            if high_passes >= THROTTLE_TRIGGER_PASSES and throttle < THROTTLE_MAX:
                throttle = min(THROTTLE_MAX, throttle + THROTTLE_INCREMENT if throttle else THROTTLE_INITIAL)
                high_passes = 0
        steady = dirtied >= remaining and (not config["allow_auto_converge"] or throttle >= THROTTLE_MAX)
        sent += remaining
        now, remaining = pass_end, dirtied
        if steady:
            # every further pass repeats this one: only the completion limit ends it
            if deadline is not None:
                cycles = math.floor((deadline - now) / (remaining / bandwidth))
                at = now + cycles * remaining / bandwidth
                return _at_limit(config, (deadline, remaining, sent + cycles * remaining + (deadline - at)
                                          * bandwidth, bandwidth, dirty_rate), limit)
            break
    return _result(False, "aborted", now, sent, limit, bandwidth, dirty_rate,
                   "never converges: dirty rate %.0f MiB/s against %.0f MiB/s and KubeVirt sets no limit"
                   % (dirty_rate / 2 ** 20, bandwidth / 2 ** 20))


def acceptable(prediction):
    """The planner moves a VM only when its migration is predicted to complete without pausing the guest."""
    return prediction["converges"] and prediction["mode"] != "paused"
