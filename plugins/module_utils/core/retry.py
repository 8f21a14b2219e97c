# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bounded, jittered retry decisions for API requests (pure: no I/O, no sleeping)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random

# Statuses worth another attempt: throttling and server-side trouble. 409 is not here: a conflict needs a fresh
# read before the write is tried again, which only the caller that owns the mutation can do.
RETRYABLE_STATUSES = frozenset([429, 500, 502, 503, 504])


class RetryPolicy:
    """How often and how long to retry a failed API request.

    attempts counts every try, the first one included; delays grow exponentially from base_delay up to
    max_delay and are jittered ("full jitter") so parallel runs spread out. A server's Retry-After is honoured
    but never beyond max_retry_after.
    """

    def __init__(self, attempts=5, base_delay=0.2, max_delay=5.0, max_retry_after=30.0, conflict_attempts=5):
        if attempts < 1 or conflict_attempts < 1:
            raise ValueError("attempts and conflict_attempts must be at least 1")
        if base_delay < 0 or max_delay < 0 or max_retry_after < 0:
            raise ValueError("delays must not be negative")
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after
        self.conflict_attempts = conflict_attempts

    def __repr__(self):
        return "RetryPolicy(attempts=%d, base_delay=%s, max_delay=%s, max_retry_after=%s, conflict_attempts=%d)" % (
            self.attempts, self.base_delay, self.max_delay, self.max_retry_after, self.conflict_attempts)

    def should_retry(self, status, attempt):
        """status is the HTTP status, or None when the connection failed; attempt counts from 1."""
        if attempt >= self.attempts:
            return False
        return status is None or status in RETRYABLE_STATUSES

    def delay(self, attempt, retry_after=None, rand=random.random):
        """Seconds to wait after failed attempt number `attempt` (from 1)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        jittered = ceiling * rand()
        if retry_after is not None:
            return min(max(float(retry_after), jittered), self.max_retry_after)
        return jittered


def parse_retry_after(value):
    """Seconds from a Retry-After header holding delta-seconds; None when absent or not a number.

    Kubernetes sends delta-seconds only, so the HTTP-date form is not interpreted.
    """
    if value is None:
        return None
    try:
        seconds = float(str(value).strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
