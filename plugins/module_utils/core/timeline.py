# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The timestamped record of what a run did, returned to the user as `timeline`; a workflow's event sink."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.workload.availability.plugins.module_utils.core.clock import format_time, from_epoch


class Timeline:
    def __init__(self, clock=time.time, monotonic=time.monotonic):
        self._clock = clock
        self._monotonic = monotonic
        self._start = monotonic()
        self._entries = []

    def add(self, what, **details):
        """Record one event; returns the entry (a plain dict, safe to return from a module)."""
        entry = {
            "at": format_time(from_epoch(self._clock())),
            "elapsed": round(self._monotonic() - self._start, 3),
            "event": what,
        }
        entry.update(details)
        self._entries.append(entry)
        return entry

    def __call__(self, what, **details):
        return self.add(what, **details)

    def elapsed(self):
        return self._monotonic() - self._start

    def entries(self):
        return [dict(entry) for entry in self._entries]

    def __len__(self):
        return len(self._entries)
