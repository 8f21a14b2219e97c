# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bounded waits on the Kubernetes API through LIST + WATCH (shell)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math
import time

from ansible_collections.workload.availability.plugins.module_utils.core import objects
from ansible_collections.workload.availability.plugins.module_utils.core.errors import ClusterError, WaitTimeout
from ansible_collections.workload.availability.plugins.module_utils.core.transport import CONNECTION_ERRORS


def _object_key(obj):
    return objects.namespace_of(obj), objects.name_of(obj)


def wait_until(transport, list_with_version, kind, predicate, timeout, namespace=None, name=None,
               label_selector=None, field_selector=None, describe=None):
    """Wait until predicate(current objects) is true; returns those objects.

    One LIST (``list_with_version(kind, namespace, label_selector, field_selector)`` -> (items, resourceVersion)),
    then a WATCH from its resourceVersion; the predicate is evaluated on the list and after every event. A watch the
    server ends early, or one that expired (410 Gone), is replaced by a new LIST + WATCH.
    Raises WaitTimeout, naming `describe`, when the deadline passes first.
    """
    describe = describe or "condition on %s" % kind.kind
    if name:
        name_selector = "metadata.name=" + name
        field_selector = name_selector + ("," + field_selector if field_selector else "")
    deadline = time.monotonic() + timeout
    found = {}
    relists = 0
    while True:
        if relists:
            # a server that keeps ending watches at once must not turn the wait into a request loop
            transport.sleep(min(transport.retry.delay(relists), max(0.0, deadline - time.monotonic())))
        relists += 1
        items, version = list_with_version(kind, namespace, label_selector, field_selector)
        found = dict((_object_key(item), item) for item in items)
        if predicate(list(found.values())):
            return list(found.values())
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        if _watch(transport, kind, predicate, found, version, deadline, namespace, label_selector, field_selector):
            return list(found.values())
        if time.monotonic() >= deadline:
            break
    raise WaitTimeout(kind.kind, describe, timeout, name=name, namespace=namespace, last_seen=list(found.values()))


def _watch(transport, kind, predicate, found, version, deadline, namespace, label_selector, field_selector):
    """Apply watch events to `found` until the predicate holds (True) or the watch ends (False)."""
    remaining = deadline - time.monotonic()
    query = [("watch", "true"), ("resourceVersion", version or "0"), ("allowWatchBookmarks", "true"),
             ("timeoutSeconds", str(max(1, int(math.ceil(remaining)))))]
    if label_selector:
        query.append(("labelSelector", label_selector))
    if field_selector:
        query.append(("fieldSelector", field_selector))
    try:
        response = transport.request("watch", kind, "GET", kind.path(namespace), namespace=namespace, query=query,
                                     stream=True, timeout=(transport.request_timeout, max(0.1, remaining)))
    except ClusterError as exc:
        if exc.status == 410:
            return False
        raise
    try:
        for event in _watch_events(response):
            if event.get("type") == "ERROR":
                return False
            obj = event.get("object") or {}
            if event.get("type") == "BOOKMARK":
                continue
            obj.setdefault("kind", kind.kind)
            obj.setdefault("apiVersion", kind.api_version)
            if event.get("type") == "DELETED":
                found.pop(_object_key(obj), None)
            else:
                found[_object_key(obj)] = obj
            if predicate(list(found.values())):
                return True
            if time.monotonic() >= deadline:
                return False
    except CONNECTION_ERRORS:
        # read timeout at the deadline, or the server dropped the stream: the caller relists or gives up
        return False
    finally:
        # an unfinished stream must not go back to the pool: the next request would read its leftovers
        response.close()
        response.release_conn()
    return False


def _watch_events(response):
    """Decode a watch stream: one JSON object per line."""
    buffered = b""
    for chunk in response.stream(4096, decode_content=True):
        buffered += chunk
        while b"\n" in buffered:
            line, buffered = buffered.split(b"\n", 1)
            if line.strip():
                yield json.loads(line)
    if buffered.strip():
        yield json.loads(buffered)
