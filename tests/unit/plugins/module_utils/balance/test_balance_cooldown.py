# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json

from ansible_collections.workload.availability.plugins.module_utils.balance import cooldown

from balance_snapshot import NOW, vmi

SETTINGS = {"base": 1800, "max": 6 * 3600, "window": 48 * 3600}


def at(minutes_ago):
    return NOW - datetime.timedelta(minutes=minutes_ago)


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def entry(started_minutes_ago, seconds=60, failed=False, ident=None):
    start = at(started_minutes_ago)
    return {"id": ident or "m-%s" % started_minutes_ago, "start": start,
            "end": start + datetime.timedelta(seconds=seconds), "failed": failed}


def vmim(name, vmi_name, phase, start, end):
    return {"metadata": {"name": name, "namespace": "vms", "uid": "uid-" + name},
            "spec": {"vmiName": vmi_name},
            "status": {"phase": phase, "migrationState": {"startTimestamp": stamp(start), "endTimestamp": stamp(end)}}}


def test_no_history_no_cooldown():
    assert cooldown.cooldown([], NOW, SETTINGS) is None


def test_one_short_migration_rests_the_base():
    state = cooldown.cooldown([entry(10)], NOW, SETTINGS)
    assert state["wait_seconds"] == 1800
    assert state["until"] == at(10) + datetime.timedelta(seconds=60 + 1800)
    assert cooldown.cooldown([entry(40)], NOW, SETTINGS) is None            # 31 min after it ended


def test_a_long_migration_rests_ten_times_its_duration():
    state = cooldown.cooldown([entry(30, seconds=600)], NOW, SETTINGS)
    assert state["wait_seconds"] == 6000


def test_back_off_doubles_per_migration_and_a_failure_counts_twice():
    two = cooldown.cooldown([entry(300), entry(20)], NOW, SETTINGS)
    assert two["wait_seconds"] == 3600
    failed = cooldown.cooldown([entry(300), entry(20, failed=True)], NOW, SETTINGS)
    assert failed["wait_seconds"] == 7200 and failed["failed"] == 1


def test_back_off_is_capped():
    history = [entry(60 * hours) for hours in (20, 16, 12, 8, 4)] + [entry(5)]
    assert cooldown.cooldown(history, NOW, SETTINGS)["wait_seconds"] == 6 * 3600


def test_history_merges_vmims_vmi_state_and_annotation_without_duplicates_and_within_the_window():
    annotation = json.dumps([{"id": "uid-old", "start": stamp(at(60 * 50)), "end": stamp(at(60 * 50 - 1)),
                              "failed": False},
                             {"id": "uid-m1", "start": stamp(at(200)), "end": stamp(at(199)), "failed": False}])
    vmi_obj = vmi("a", "w1", annotations={cooldown.HISTORY_ANNOTATION: annotation},
                  migration_state={"migrationUid": "uid-m2", "startTimestamp": stamp(at(30)),
                                   "endTimestamp": stamp(at(29)), "failed": True})
    vmims = [vmim("m1", "a", "Succeeded", at(200), at(199)), vmim("m2", "a", "Failed", at(30), at(29)),
             vmim("m3", "a", "Running", at(1), at(1))]
    history = cooldown.merged_history(vmi_obj, cooldown.vmims_by_vmi(vmims)["vms/a"], NOW, SETTINGS["window"])
    assert [e["id"] for e in history] == ["uid-m1", "uid-m2"]
    assert [e["failed"] for e in history] == [False, True]
    state = cooldown.cooldown(history, NOW, SETTINGS)
    assert state["wait_seconds"] == 1800 * 4                                  # 1 + 2 (failed) -> 2^2
    assert cooldown.describe(state).startswith("cooling down until 2026-03-01T13:31:00")


def test_vmim_phase_transitions_serve_when_migration_state_is_missing():
    obj = {"metadata": {"name": "m", "namespace": "vms"}, "spec": {"vmiName": "a"},
           "status": {"phase": "Succeeded", "phaseTransitionTimestamps": [
               {"phase": "Running", "phaseTransitionTimestamp": stamp(at(10))},
               {"phase": "Succeeded", "phaseTransitionTimestamp": stamp(at(8))}]}}
    got = cooldown.vmim_entry(obj)
    assert (got["start"], got["end"], got["failed"]) == (at(10), at(8), False)


def test_history_annotation_appends_and_trims_to_the_window():
    old = json.dumps([{"id": "x", "start": stamp(at(60 * 60)), "end": stamp(at(60 * 60)), "failed": False},
                      {"id": "y", "start": stamp(at(60)), "end": stamp(at(59)), "failed": True}])
    vmi_obj = vmi("a", "w1", annotations={cooldown.HISTORY_ANNOTATION: old})
    text = cooldown.history_annotation(vmi_obj, entry(2, ident="z"), NOW, SETTINGS["window"])
    assert [e["id"] for e in json.loads(text)] == ["y", "z"]
    assert json.loads(text)[0]["failed"] is True


def test_a_garbled_annotation_is_ignored():
    vmi_obj = vmi("a", "w1", annotations={cooldown.HISTORY_ANNOTATION: "{not json"})
    assert cooldown.annotation_entries(vmi_obj) == []
