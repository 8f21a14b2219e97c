# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Will a live migration converge, and how long will it take? A pre-copy model with KubeVirt's abort rules.

Pre-copy (QEMU): the first pass sends the guest's memory; every later pass re-sends what the guest dirtied during
the previous one, so the remaining data shrinks by the ratio dirty rate / bandwidth per pass. When the remainder
fits in QEMU's downtime limit (``MAX_DOWNTIME`` 0.3 s at the stream's bandwidth, QEMU's default, which KubeVirt
keeps) the guest is paused for that instant and the migration completes. With a dirty rate at or above the
bandwidth the remainder never shrinks.

Auto-converge (``allowAutoConverge``): when the guest dirtied more than half of what a pass sent, two passes in a
row, QEMU throttles its vCPUs, 20 % first and 10 points more each time up to 99 %, cutting the dirty rate by the
same share (QEMU's cpu-throttle-initial, -increment, throttle-trigger-threshold defaults).

KubeVirt's migration monitor (virt-launcher ``live-migration-source.go``), with the KubeVirt CR's values:

- completion limit = ``completionTimeoutPerGiB`` x guest memory in GB rounded up (0: no limit). Past it, with
  ``allowWorkloadDisruption`` (which defaults to ``allowPostCopy``), the migration switches to post-copy when
  ``allowPostCopy`` (the guest runs on the target and pulls the rest), else the guest is paused until the rest is
  copied; without it the migration is aborted ("not completed after N seconds").
- ``progressTimeout``: aborted ("stuck") when the remaining data has not reached a new low for that long. Here a
  pass counts as progress when it starts with less remaining data than any pass before it.

``predict(memory, dirty_rate, bandwidth, config)`` -> ``{"converges", "mode" (pre-copy | auto-converge | post-copy
| paused | aborted), "seconds" (completion or abort, setup included), "transferred_bytes", "limit_seconds",
"bandwidth", "dirty_rate", "reason"}``. ``acceptable(prediction)``: the planner's rule, converging without pausing
the guest. ``migration_config(kubevirt)`` reads the KubeVirt CR.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.workload.availability.plugins.module_utils import quantity

MAX_DOWNTIME = 0.3
THROTTLE_INITIAL = 0.20
THROTTLE_INCREMENT = 0.10
THROTTLE_MAX = 0.99
THROTTLE_TRIGGER = 0.5
THROTTLE_TRIGGER_PASSES = 2
# Target pod scheduling and start before memory moves: part of the predicted wall time, not of KubeVirt's limits.
SETUP_SECONDS = 10.0
MAX_PASSES = 2000


def migration_config(kubevirt):
    """The migration settings of the KubeVirt CR (``spec.configuration.migrations``) with KubeVirt's defaults."""
    migrations = (((kubevirt or {}).get("spec") or {}).get("configuration") or {}).get("migrations") or {}

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
    per_gib = config["completion_timeout_per_gib"]
    return per_gib * int(math.ceil(memory / 1e9)) if per_gib else None


def _disruption_allowed(config):
    allowed = config.get("allow_workload_disruption")
    return config["allow_post_copy"] if allowed is None else allowed


def _result(converges, mode, seconds, sent, limit, bandwidth, dirty_rate, reason):
    return {"converges": converges, "mode": mode, "seconds": round(seconds + SETUP_SECONDS, 1),
            "transferred_bytes": sent, "limit_seconds": limit, "bandwidth": bandwidth, "dirty_rate": dirty_rate,
            "reason": reason}


def _at_limit(config, at, remaining, sent, limit, bandwidth, dirty_rate):
    """What happens when the completion limit is reached with ``remaining`` bytes left."""
    finish = at + remaining / bandwidth
    if _disruption_allowed(config) and config["allow_post_copy"]:
        return _result(True, "post-copy", finish, sent + remaining, limit, bandwidth, dirty_rate,
                       "switches to post-copy after %d s (allowPostCopy)" % limit)
    if _disruption_allowed(config):
        return _result(True, "paused", finish, sent + remaining, limit, bandwidth, dirty_rate,
                       "completes only by pausing the guest after %d s (allowWorkloadDisruption)" % limit)
    return _result(False, "aborted", at, sent, limit, bandwidth, dirty_rate,
                   "KubeVirt would abort it: not completed after %d s (completionTimeoutPerGiB)" % limit)


def _stuck(at, sent, limit, bandwidth, dirty_rate, config):
    return _result(False, "aborted", at, sent, limit, bandwidth, dirty_rate,
                   "KubeVirt would abort it: stuck for %d s (progressTimeout); the guest dirties %.0f MiB/s, the "
                   "link gives it %.0f MiB/s" % (config["progress_timeout"], dirty_rate / 2 ** 20,
                                                 bandwidth / 2 ** 20))


def _first_abort_or_assist(config, now, pass_end, stuck_at, limit, state):
    """The outcome when KubeVirt's stuck check or completion limit fires before this pass ends, else None.
    At a tie the limit wins: KubeVirt assists (post-copy, pause) before it checks progress."""
    stuck = stuck_at is not None and stuck_at < pass_end
    at_limit = limit is not None and limit < pass_end
    remaining, sent, bandwidth, effective, memory, dirty_rate = state
    if at_limit and (not stuck or limit <= stuck_at):
        elapsed = max(0.0, limit - now)
        left = min(memory, max(0.0, remaining - elapsed * bandwidth) + effective * elapsed)
        return _at_limit(config, limit, left, sent + elapsed * bandwidth, limit, bandwidth, dirty_rate)
    if stuck:
        return _stuck(stuck_at, sent + (stuck_at - now) * bandwidth, limit, bandwidth, dirty_rate, config)
    return None


def predict(memory, dirty_rate, bandwidth, config, first_pass=None):
    """``memory``: guest memory bytes; ``dirty_rate``, ``bandwidth``: bytes/s; ``first_pass``: bytes the first pass
    really sends when known (resident memory: untouched pages cost next to nothing), else ``memory``."""
    limit = completion_limit(memory, config)
    if bandwidth <= 0:
        return _result(False, "aborted", 0.0, 0, limit, bandwidth, dirty_rate, "no migration bandwidth")
    progress_timeout = config["progress_timeout"] or None
    remaining = min(memory, first_pass) if first_pass else memory
    now = sent = throttle = 0.0
    high_passes, low_water, last_progress = 0, None, None
    for number in range(MAX_PASSES):
        if remaining <= bandwidth * MAX_DOWNTIME:
            reason = "converges with vCPUs throttled to %d %%" % round(throttle * 100) if throttle \
                else "converges in pre-copy"
            return _result(True, "auto-converge" if throttle else "pre-copy", now + remaining / bandwidth,
                           sent + remaining, limit, bandwidth, dirty_rate, reason)
        # the first pass makes progress all along; later passes only when they start lower than any before
        if number and (low_water is None or remaining < low_water):
            low_water, last_progress = remaining, now
        effective = dirty_rate * (1.0 - throttle)
        pass_end = now + remaining / bandwidth
        stuck_at = last_progress + progress_timeout if progress_timeout and last_progress is not None else None
        outcome = _first_abort_or_assist(config, now, pass_end, stuck_at, limit,
                                         (remaining, sent, bandwidth, effective, memory, dirty_rate))
        if outcome:
            return outcome
        dirtied = min(memory, effective * (pass_end - now))
        if config["allow_auto_converge"] and dirtied > THROTTLE_TRIGGER * remaining:
            high_passes += 1
            if high_passes >= THROTTLE_TRIGGER_PASSES and throttle < THROTTLE_MAX:
                throttle = min(THROTTLE_MAX, throttle + THROTTLE_INCREMENT if throttle else THROTTLE_INITIAL)
                high_passes = 0
        sent += remaining
        steady = dirtied >= remaining and (not config["allow_auto_converge"] or throttle >= THROTTLE_MAX)
        now, remaining = pass_end, dirtied
        if steady:
            # every further pass repeats this one: no new low, so only KubeVirt's limits decide
            last_progress = now if last_progress is None else last_progress
            stuck_at = last_progress + progress_timeout if progress_timeout else None
            outcome = _first_abort_or_assist(config, now, float("inf"), stuck_at, limit,
                                             (remaining, sent, bandwidth, effective, memory, dirty_rate))
            if outcome:
                return outcome
            break
    return _result(False, "aborted", now, sent, limit, bandwidth, dirty_rate,
                   "never converges: dirty rate %.0f MiB/s against %.0f MiB/s and KubeVirt sets no limit"
                   % (dirty_rate / 2 ** 20, bandwidth / 2 ** 20))


def acceptable(prediction):
    """The planner moves a VM only when its migration is predicted to complete without pausing the guest."""
    return prediction["converges"] and prediction["mode"] != "paused"
