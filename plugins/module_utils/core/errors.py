# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one failure type of this collection (pure).

Every failure a workflow or an adapter raises is an AvailabilityError: ``msg`` is the one-line reason (naming the
option and the fix where the input is at fault) and ``result`` what was done so far, so the user sees what is
left. AvailabilityModule turns any of them into fail_json in one place; a workflow that calls another workflow
sees the same type and may add its own partial result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class AvailabilityError(Exception):
    """A run stopped. ``result`` is the partial result (a dict, may carry ``changed``)."""

    def __init__(self, msg, result=None):
        super(AvailabilityError, self).__init__(msg)
        self.msg = msg
        self.result = dict(result or {})

    def __str__(self):
        return self.msg


class ClusterError(AvailabilityError):
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
        super(ClusterError, self).__init__(self.describe())
        self.result = {"error": self.to_dict()}

    def object_ref(self):
        if self.name and self.namespace:
            return "%s/%s" % (self.namespace, self.name)
        return self.name or (("%s/*" % self.namespace) if self.namespace else "*")

    def describe(self):
        status = "HTTP %s" % self.status if self.status is not None else "no response"
        text = "%s %s %s: %s" % (self.verb, self.kind, self.object_ref(), status)
        if self.reason:
            text += " " + self.reason
        if self.message:
            text += ": " + self.message
        return text

    def __str__(self):
        return self.describe()

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

    def describe(self):
        return "wait %s %s: %s not reached within %ss" % (self.kind, self.object_ref(), self.description,
                                                          self.timeout)


class LeaseHeld(AvailabilityError):
    """Another holder has a valid lease on the node (built by leases.held_error, which knows the wording)."""

    def __init__(self, msg, node_name, holder, expires):
        super(LeaseHeld, self).__init__(msg)
        self.node_name = node_name
        self.holder = holder
        self.expires = expires


class LeaseContended(AvailabilityError):
    """The lease changed under every attempt to write it."""


class BmcError(AvailabilityError):
    """A BMC operation failed. ``kind`` is one of unreachable, tls, auth, not_allowed, timeout, not_found, protocol,
    agent; ``state`` is the last power state read (or None); ``actions`` the actions done before the failure."""

    def __init__(self, kind, message, state=None, actions=None):
        super(BmcError, self).__init__(message)
        self.kind = kind
        self.message = message
        self.state = state
        self.actions = list(actions or [])


class InputError(AvailabilityError):
    """Input that cannot work (a BMC that cannot be determined, fence parameters FAR would refuse); the message
    names the input at fault and the fix."""
