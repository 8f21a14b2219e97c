# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Errors raised by the cluster adapter; modules turn them into one-line failure messages."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ClusterError(Exception):
    """A Kubernetes API request failed. status is the HTTP status, or None when no response arrived."""

    def __init__(self, verb, kind, name=None, namespace=None, status=None, reason=None, message=None, details=None):
        self.verb = verb
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.status = status
        self.reason = reason or ""
        self.message = message or ""
        self.details = details or {}
        super(ClusterError, self).__init__(str(self))

    def object_ref(self):
        if self.name and self.namespace:
            return "%s/%s" % (self.namespace, self.name)
        return self.name or (("%s/*" % self.namespace) if self.namespace else "*")

    def __str__(self):
        status = "HTTP %s" % self.status if self.status is not None else "no response"
        text = "%s %s %s: %s" % (self.verb, self.kind, self.object_ref(), status)
        if self.reason:
            text += " " + self.reason
        if self.message:
            text += ": " + self.message
        return text

    def to_dict(self):
        return {
            "verb": self.verb, "kind": self.kind, "name": self.name, "namespace": self.namespace,
            "status": self.status, "reason": self.reason, "message": self.message,
        }


class WaitTimeout(ClusterError):
    """A wait reached its deadline before its condition held."""

    def __init__(self, kind, description, timeout, name=None, namespace=None, last_seen=None):
        self.description = description
        self.timeout = timeout
        self.last_seen = last_seen
        super(WaitTimeout, self).__init__(
            "wait", kind, name=name, namespace=namespace, reason="Timeout",
            message="%s not reached within %ss" % (description, timeout))

    def __str__(self):
        return "wait %s %s: %s not reached within %ss" % (self.kind, self.object_ref(), self.description, self.timeout)
