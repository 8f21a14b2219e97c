# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-VM cooldown with exponential back-off, from the VM's migration history.

History comes from three places, merged and de-duplicated by migration id (else start second): finished
VirtualMachineInstanceMigrations (KubeVirt keeps only the last five per VMI), the VMI's ``status.migrationState``
(the last one), and our annotation ``workload.availability/migrations`` on the VMI (JSON list of ``{"id", "start",
"end", "failed"}``, written by the executor with ``history_annotation``, trimmed to the window) which outlives both.

Back-off: with ``n`` migrations of the VM in the window (a failed one counts twice), the VM may move again
``min(max, max(base, 10 x last duration) x 2^(n-1))`` after its last migration ended.

Why this and not KubevirtMigrationAware's ``max(15m, last duration) x 2^(n-1)``, capped at 6 h in 48 h: the base
doubles to 30 min because we run from a playbook every few minutes rather than every minute, and a rebalance that
has to come back within half an hour to the same VM has mispredicted; ten times the last duration keeps a VM that
takes long to move (big, busy) migrating at most a tenth of its time; a failure counts twice because it means the
prediction for that VM (dirty rate, link) was wrong, and retrying it soon repeats a migration storm. The window
(48 h) and the cap (6 h) are the descheduler's: a VM is never frozen longer than a working shift.

``merged_history(vmi, vmims, now, window)`` -> [entries sorted by start] (``vmims``: that VMI's, from
``vmims_by_vmi``); ``cooldown(history, now, settings)`` ->
``{"until", "count", "last_seconds"}`` or None when the VM may move.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json

from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core.clock import format_time, parse_time
from ansible_collections.workload.availability.plugins.module_utils.migrations import state as migration_state

HISTORY_ANNOTATION = "workload.availability/migrations"
DEFAULTS = {"base": 1800, "max": 6 * 3600, "window": 48 * 3600}
DURATION_FACTOR = 10


def _time(text):
    try:
        return parse_time(text)
    except (TypeError, ValueError):
        return None


def _transition(vmim, phase):
    for entry in (vmim.get("status") or {}).get("phaseTransitionTimestamps") or []:
        if entry.get("phase") == phase:
            return _time(entry.get("phaseTransitionTimestamp"))
    return None


def vmim_entry(vmim):
    """A finished VMIM as a history entry, or None."""
    phase = migration_state.phase(vmim)
    if phase not in migration_state.FINAL_PHASES:
        return None
    state = (vmim.get("status") or {}).get("migrationState") or {}
    metadata = objects.metadata(vmim)
    start = _time(state.get("startTimestamp")) or _transition(vmim, "Running") or _time(
        metadata.get("creationTimestamp"))
    end = _time(state.get("endTimestamp")) or _transition(vmim, phase) or start
    if start is None:
        return None
    return {"id": metadata.get("uid") or metadata.get("name"), "start": start, "end": end,
            "failed": phase == "Failed"}


def vmi_state_entry(vmi):
    state = (vmi.get("status") or {}).get("migrationState") or {}
    start, end = _time(state.get("startTimestamp")), _time(state.get("endTimestamp"))
    if start is None or end is None:
        return None
    return {"id": state.get("migrationUid"), "start": start, "end": end, "failed": bool(state.get("failed"))}


def annotation_entries(vmi):
    text = ((vmi.get("metadata") or {}).get("annotations") or {}).get(HISTORY_ANNOTATION)
    try:
        records = json.loads(text) if text else []
    except ValueError:
        return []
    entries = []
    for record in records if isinstance(records, list) else []:
        start = _time((record or {}).get("start")) if isinstance(record, dict) else None
        if start is not None:
            entries.append({"id": record.get("id"), "start": start, "end": _time(record.get("end")) or start,
                            "failed": bool(record.get("failed"))})
    return entries


def vmims_by_vmi(vmims):
    """{vmi key: [its VMIMs]}, so each VMI's history is read without scanning every migration."""
    index = {}
    for vmim in vmims or []:
        index.setdefault(migration_state.vmi_key_of(vmim), []).append(vmim)
    return index


def merged_history(vmi, vmims, now, window=DEFAULTS["window"]):
    """Every migration of the VMI that ended within ``window`` seconds before ``now``, oldest first."""
    candidates = annotation_entries(vmi)
    state = vmi_state_entry(vmi)
    if state:
        candidates.append(state)
    for vmim in vmims or []:
        if migration_state.vmi_key_of(vmim) == objects.key_of(vmi):
            entry = vmim_entry(vmim)
            if entry:
                candidates.append(entry)
    horizon = now - datetime.timedelta(seconds=window)
    seen, history = set(), []
    for entry in sorted(candidates, key=lambda e: (e["start"], str(e["id"]))):
        identity = entry["id"] or entry["start"].replace(microsecond=0).isoformat()
        if identity in seen or entry["end"] < horizon:
            continue
        seen.add(identity)
        history.append(entry)
    return history


def cooldown(history, now, settings=None):
    settings = settings or DEFAULTS
    if not history:
        return None
    count = sum(2 if entry["failed"] else 1 for entry in history)
    last = max(history, key=lambda e: (e["end"], e["start"]))
    duration = max(0.0, (last["end"] - last["start"]).total_seconds())
    wait = min(settings["max"], max(settings["base"], DURATION_FACTOR * duration) * 2 ** (count - 1))
    until = last["end"] + datetime.timedelta(seconds=wait)
    if until <= now:
        return None
    return {"until": until, "count": len(history), "failed": sum(1 for e in history if e["failed"]),
            "last_seconds": duration, "wait_seconds": wait}


def describe(state):
    return "cooling down until %s (%d migration%s in the window, %d failed; last took %d s)" % (
        format_time(state["until"]), state["count"], "" if state["count"] == 1 else "s", state["failed"],
        state["last_seconds"])


def history_annotation(vmi, entry, now, window=DEFAULTS["window"]):
    """The annotation value recording ``entry`` ({"id", "start", "end", "failed"} with datetimes) in the VMI's
    history, older entries outside the window dropped."""
    horizon = now - datetime.timedelta(seconds=window)
    kept = [e for e in annotation_entries(vmi) if e["end"] >= horizon and e["id"] != entry.get("id")] + [entry]
    kept.sort(key=lambda e: e["start"])
    return json.dumps([{"id": e["id"], "start": format_time(e["start"]), "end": format_time(e["end"]),
                        "failed": bool(e["failed"])} for e in kept], separators=(",", ":"))
