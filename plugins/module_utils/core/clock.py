# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one clock helper: "now" as an aware UTC datetime and RFC 3339 text in the two forms Kubernetes uses (pure
apart from reading the system clock in utcnow)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

MICRO_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"      # metav1.MicroTime (Lease times, Event eventTime, our timelines)
SECONDS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"       # metav1.Time (creationTimestamp, Event first/lastTimestamp)


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def from_epoch(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)


def format_time(moment):
    """MicroTime text of an aware datetime."""
    return moment.astimezone(datetime.timezone.utc).strftime(MICRO_FORMAT)


def format_seconds(moment):
    """Time text (whole seconds) of an aware datetime."""
    return moment.astimezone(datetime.timezone.utc).strftime(SECONDS_FORMAT)


def now_text():
    """MicroTime text of now."""
    return format_time(utcnow())


def parse_time(text):
    """An RFC 3339 Time or MicroTime (nanoseconds are cut to microseconds) as an aware datetime; None for empty
    input."""
    if not text:
        return None
    value = text.strip().replace("z", "Z")
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    if "." in value:
        head, rest = value.split(".", 1)
        digits = ""
        while rest and rest[0].isdigit():
            digits += rest[0]
            rest = rest[1:]
        value = "%s.%s%s" % (head, (digits + "000000")[:6], rest)
    return datetime.datetime.fromisoformat(value)
