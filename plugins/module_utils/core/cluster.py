# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one adapter between our workflows and the Kubernetes API (shell): reads, writes, evictions, Events and
waits, over core/transport.py (HTTP, retries, counting) and core/watch.py (LIST + WATCH)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import socket
import time
import uuid

from ansible_collections.workload.availability.plugins.module_utils.core import clock
from ansible_collections.workload.availability.plugins.module_utils.core import kinds
from ansible_collections.workload.availability.plugins.module_utils.core import watch
from ansible_collections.workload.availability.plugins.module_utils.core.errors import ClusterError
from ansible_collections.workload.availability.plugins.module_utils.core.transport import Transport

COMPONENT_PREFIX = "workload.availability."
FIELD_MANAGER = "workload.availability"
PATCH_CONTENT_TYPES = {
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "json": "application/json-patch+json",
    "apply": "application/apply-patch+yaml",
}


class Cluster:
    """Kubernetes API access for one module run.

    params: the kubernetes.core auth options (kubeconfig, context, host, api_key, ...); options left unset fall back
    to K8S_AUTH_* variables, in-cluster config and ~/.kube/config exactly as in kubernetes.core.
    check_mode: every write is sent with dryRun=All, and events are not recorded.
    """

    def __init__(self, params, module_name, retry=None, check_mode=False, request_timeout=30, sleep=time.sleep):
        self.module_name = module_name
        self.component = COMPONENT_PREFIX + module_name
        self.check_mode = check_mode
        self.transport = Transport(params, retry=retry, request_timeout=request_timeout, sleep=sleep)

    @property
    def host(self):
        return self.transport.host

    @property
    def requests(self):
        return self.transport.requests

    @property
    def writes(self):
        """Writes the server applied in this run (not dry runs, not Events)."""
        return self.transport.writes

    def served(self, kind):
        """Whether the server serves this Kind (one discovery request per apiVersion)."""
        return self.transport.served(kind)

    def _dry_run(self, query):
        if self.check_mode:
            query.append(("dryRun", "All"))
        return query

    def _write(self, verb, kind, method, path, name, namespace, body, query, content_type=None,
               retry_statuses=True):
        answer = self.transport.request(verb, kind, method, path, name=name, namespace=namespace, body=body,
                                        query=query, content_type=content_type, retry_statuses=retry_statuses)
        if not self.check_mode:
            self.transport.writes += 1
        return answer

    # -- reads -------------------------------------------------------------------------------------------------

    def get(self, kind, name, namespace=None):
        """The object, or None when it does not exist."""
        try:
            return self.transport.request("get", kind, "GET", kind.path(namespace, name), name=name,
                                          namespace=namespace)
        except ClusterError as exc:
            if exc.status == 404:
                return None
            raise

    def list(self, kind, namespace=None, label_selector=None, field_selector=None):
        """All objects of a kind (in one namespace, or everywhere when namespace is None) in one request."""
        items, _version = self.list_with_version(kind, namespace, label_selector, field_selector)
        return items

    def list_with_version(self, kind, namespace=None, label_selector=None, field_selector=None):
        query = []
        if label_selector:
            query.append(("labelSelector", label_selector))
        if field_selector:
            query.append(("fieldSelector", field_selector))
        body = self.transport.request("list", kind, "GET", kind.path(namespace), namespace=namespace, query=query)
        items = body.get("items") or []
        for item in items:
            # a LIST answer leaves kind and apiVersion off its items; callers pass items on as whole objects
            item.setdefault("kind", kind.kind)
            item.setdefault("apiVersion", kind.api_version)
        return items, (body.get("metadata") or {}).get("resourceVersion")

    def pods_on_node(self, node_name):
        return self.list(kinds.POD, field_selector="spec.nodeName=" + node_name)

    def list_if_served(self, kind, namespace=None):
        """The objects of a kind, or [] when the cluster does not serve it (an optional API such as KubeVirt)."""
        return self.list(kind, namespace=namespace) if self.served(kind) else []

    # -- writes ------------------------------------------------------------------------------------------------

    def create(self, kind, body, namespace=None):
        namespace = namespace or (body.get("metadata") or {}).get("namespace")
        name = (body.get("metadata") or {}).get("name") or (body.get("metadata") or {}).get("generateName")
        return self._write("create", kind, "POST", kind.path(namespace), name, namespace, body, self._dry_run([]))

    def replace(self, kind, body):
        metadata = body.get("metadata") or {}
        name, namespace = metadata.get("name"), metadata.get("namespace")
        return self._write("replace", kind, "PUT", kind.path(namespace, name), name, namespace, body,
                           self._dry_run([]))

    def patch(self, kind, name, body, namespace=None, patch_type="merge", subresource=None):
        if patch_type not in PATCH_CONTENT_TYPES:
            raise ValueError("patch_type must be one of %s" % ", ".join(sorted(PATCH_CONTENT_TYPES)))
        query = self._dry_run([])
        if patch_type == "apply":
            query += [("fieldManager", FIELD_MANAGER), ("force", "true")]
        return self._write("patch", kind, "PATCH", kind.path(namespace, name, subresource), name, namespace, body,
                           query, content_type=PATCH_CONTENT_TYPES[patch_type])

    def update_with_retry(self, kind, name, mutate, namespace=None):
        """Read, mutate(copy) -> new object or None for "nothing to change", write with the read resourceVersion.

        On 409 Conflict the object is read again and mutate applied again, up to retry.conflict_attempts times.
        Returns the stored object (the unchanged one when mutate returned None). 404 raises ClusterError.
        """
        attempt = 0
        while True:
            attempt += 1
            current = self.get(kind, name, namespace)
            if current is None:
                raise ClusterError("update", kind.kind, name, namespace, status=404, reason="NotFound",
                                   message="%s %s does not exist" % (kind.kind, name))
            desired = mutate(copy.deepcopy(current))
            if desired is None:
                return current
            desired.setdefault("metadata", {})["resourceVersion"] = current["metadata"].get("resourceVersion")
            try:
                return self.replace(kind, desired)
            except ClusterError as exc:
                if exc.status != 409 or attempt >= self.transport.retry.conflict_attempts:
                    raise
            self.transport.sleep(self.transport.retry.delay(attempt))

    def delete(self, kind, name, namespace=None, grace_period_seconds=None, propagation_policy=None):
        """Delete; returns the server's answer (the object or a Status), or None when it was already gone."""
        options = {"apiVersion": "v1", "kind": "DeleteOptions"}
        if grace_period_seconds is not None:
            options["gracePeriodSeconds"] = grace_period_seconds
        if propagation_policy is not None:
            options["propagationPolicy"] = propagation_policy
        if self.check_mode:
            options["dryRun"] = ["All"]
        try:
            return self._write("delete", kind, "DELETE", kind.path(namespace, name), name, namespace, options,
                               self._dry_run([]))
        except ClusterError as exc:
            if exc.status == 404:
                return None
            raise

    def evict(self, pod, grace_period_seconds=None):
        """Ask the API to evict a pod. A refusal (HTTP 429: a disruption budget, or KubeVirt migrating the VM
        instead) is raised at once as ClusterError(status=429) for the caller to decide; a pod already gone
        counts as evicted (returns None)."""
        metadata = pod["metadata"]
        name, namespace = metadata["name"], metadata.get("namespace")
        eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": namespace}}
        delete_options = {}
        if grace_period_seconds is not None:
            delete_options["gracePeriodSeconds"] = grace_period_seconds
        if self.check_mode:
            delete_options["dryRun"] = ["All"]
        if delete_options:
            eviction["deleteOptions"] = delete_options
        try:
            return self._write("evict", kinds.POD, "POST", kinds.POD.path(namespace, name, "eviction"), name,
                               namespace, eviction, None, retry_statuses=False)
        except ClusterError as exc:
            if exc.status == 404:
                return None
            raise

    def emit_event(self, involved, reason, message, type="Normal", action=None):
        """Record a core/v1 Event about `involved`, reported by workload.availability.<module>.
        Nothing is written in check mode (returns None). Events are the run's record, not a change."""
        if self.check_mode:
            return None
        metadata = involved.get("metadata") or {}
        namespace = metadata.get("namespace") or "default"
        now = clock.utcnow()
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "%s.%s" % (metadata.get("name", "object"), uuid.uuid4().hex[:16]),
                         "namespace": namespace},
            "involvedObject": {
                "apiVersion": involved.get("apiVersion"), "kind": involved.get("kind"),
                "name": metadata.get("name"), "namespace": metadata.get("namespace"),
                "uid": metadata.get("uid"), "resourceVersion": metadata.get("resourceVersion"),
            },
            "reason": reason,
            "message": message,
            "type": type,
            "action": action or reason,
            "source": {"component": self.component},
            "reportingComponent": self.component,
            "reportingInstance": socket.gethostname(),
            "firstTimestamp": clock.format_seconds(now),
            "lastTimestamp": clock.format_seconds(now),
            "eventTime": clock.format_time(now),
            "count": 1,
        }
        return self.transport.request("create", kinds.EVENT, "POST", kinds.EVENT.path(namespace),
                                      name=event["metadata"]["name"], namespace=namespace, body=event)

    # -- waiting -----------------------------------------------------------------------------------------------

    def wait_until(self, kind, predicate, timeout, namespace=None, name=None, label_selector=None,
                   field_selector=None, describe=None):
        """Wait until predicate(current objects) is true; returns those objects (see core/watch.py).
        Raises WaitTimeout, naming `describe`, when the deadline passes first."""
        return watch.wait_until(self.transport, self.list_with_version, kind, predicate, timeout,
                                namespace=namespace, name=name, label_selector=label_selector,
                                field_selector=field_selector, describe=describe)
