# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core.timeline import Timeline


class Clock:
    def __init__(self):
        self.now = 1795608000.0  # 2026-11-25T12:00:00Z
        self.mono = 100.0

    def advance(self, seconds):
        self.now += seconds
        self.mono += seconds


def test_entries_carry_time_elapsed_event_and_details():
    clock = Clock()
    timeline = Timeline(clock=lambda: clock.now, monotonic=lambda: clock.mono)
    timeline.add("cordoned", node="w0")
    clock.advance(2.5)
    timeline.add("drained", node="w0", pods=3)
    assert timeline.entries() == [
        {"at": "2026-11-25T12:00:00.000000Z", "elapsed": 0.0, "event": "cordoned", "node": "w0"},
        {"at": "2026-11-25T12:00:02.500000Z", "elapsed": 2.5, "event": "drained", "node": "w0", "pods": 3},
    ]
    assert len(timeline) == 2


def test_entries_are_copies():
    timeline = Timeline()
    timeline.add("x")
    timeline.entries()[0]["event"] = "changed"
    assert timeline.entries()[0]["event"] == "x"
