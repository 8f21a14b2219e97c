# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The back-off of one pod's eviction (pure): a refusal (HTTP 429: a disruption budget, or KubeVirt migrating the
VM instead) means "not yet", retried after a growing pause; an accepted eviction is asked again only after the
longest pause, in case the pod outlives it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

FIRST_RETRY = 1.0
MAX_RETRY = 5.0


class EvictionBackoff(object):
    """attempts: evictions asked so far; next_due: when (monotonic seconds) to ask again; last_refusal: the
    server's message of the last refusal, or None."""

    __slots__ = ("attempts", "next_due", "last_refusal")

    def __init__(self, attempts=0, next_due=0.0, last_refusal=None):
        self.attempts = attempts
        self.next_due = next_due
        self.last_refusal = last_refusal

    def due(self, now):
        return self.next_due <= now

    def asked(self):
        self.attempts += 1

    def refused(self, now, message):
        """Schedule the retry; True when the refusal says something new (worth an event)."""
        self.next_due = now + min(MAX_RETRY, FIRST_RETRY * (2 ** (self.attempts - 1)))
        new = self.last_refusal != message
        self.last_refusal = message
        return new

    def accepted(self, now):
        self.next_due = now + MAX_RETRY

    def pending_reason(self):
        if self.last_refusal:
            return "eviction refused (429): %s" % self.last_refusal
        return "eviction requested, pod terminating"
