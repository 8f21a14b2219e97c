# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one adapter between our modules and the Kubernetes API.

The client comes from kubernetes.core's auth handling, so every kubernetes.core auth option and K8S_AUTH_*
variable means the same here. kubernetes.core's module_utils are not a stable API: they are used in this file only.
Every request goes through Cluster._request, which counts it and applies the retry policy.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import json
import math
import socket
import time
import traceback
import uuid
from collections import namedtuple

from ansible_collections.workload.availability.plugins.module_utils.errors import ClusterError, WaitTimeout
from ansible_collections.workload.availability.plugins.module_utils.retry import RetryPolicy, parse_retry_after

# The auth options are plain data: available (for argument specs and docs) even without the kubernetes library.
from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC

try:
    import urllib3
    from kubernetes.client.rest import ApiException
    from kubernetes.client import ApiClient
    from kubernetes.config import ConfigException
    from kubernetes.dynamic import DynamicClient
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s import client as k8s_client
    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR = None
except ImportError:
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR = traceback.format_exc()

__all__ = ["Cluster", "ClusterError", "WaitTimeout", "Kind", "AUTH_ARG_SPEC", "HAS_KUBERNETES"]

COMPONENT_PREFIX = "workload.availability."
FIELD_MANAGER = "workload.availability"
PATCH_CONTENT_TYPES = {
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "json": "application/json-patch+json",
    "apply": "application/apply-patch+yaml",
}


class Kind(namedtuple("Kind", ["api_version", "kind", "plural", "namespaced"])):
    """An API type: apiVersion, kind, the resource name in URLs and whether objects live in namespaces."""

    @property
    def group(self):
        return self.api_version.rpartition("/")[0]

    def path(self, namespace=None, name=None, subresource=None):
        base = "/api/v1" if self.api_version == "v1" else "/apis/" + self.api_version
        parts = [base]
        if self.namespaced and namespace:
            parts += ["namespaces", namespace]
        parts.append(self.plural)
        if name:
            parts.append(name)
            if subresource:
                parts.append(subresource)
        return "/".join(parts)


NODE = Kind("v1", "Node", "nodes", False)
POD = Kind("v1", "Pod", "pods", True)
NAMESPACE = Kind("v1", "Namespace", "namespaces", False)
EVENT = Kind("v1", "Event", "events", True)
SECRET = Kind("v1", "Secret", "secrets", True)
CONFIGMAP = Kind("v1", "ConfigMap", "configmaps", True)
LEASE = Kind("coordination.k8s.io/v1", "Lease", "leases", True)
PDB = Kind("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", True)
DEPLOYMENT = Kind("apps/v1", "Deployment", "deployments", True)
REPLICASET = Kind("apps/v1", "ReplicaSet", "replicasets", True)
DAEMONSET = Kind("apps/v1", "DaemonSet", "daemonsets", True)
STATEFULSET = Kind("apps/v1", "StatefulSet", "statefulsets", True)
VM = Kind("kubevirt.io/v1", "VirtualMachine", "virtualmachines", True)
VMI = Kind("kubevirt.io/v1", "VirtualMachineInstance", "virtualmachineinstances", True)
VMIM = Kind("kubevirt.io/v1", "VirtualMachineInstanceMigration", "virtualmachineinstancemigrations", True)
KUBEVIRT = Kind("kubevirt.io/v1", "KubeVirt", "kubevirts", True)
BAREMETALHOST = Kind("metal3.io/v1alpha1", "BareMetalHost", "baremetalhosts", True)
MACHINE = Kind("machine.openshift.io/v1beta1", "Machine", "machines", True)
NODE_MAINTENANCE = Kind("nodemaintenance.medik8s.io/v1beta1", "NodeMaintenance", "nodemaintenances", False)
NODE_HEALTH_CHECK = Kind("remediation.medik8s.io/v1alpha1", "NodeHealthCheck", "nodehealthchecks", False)
FENCE_AGENTS_REMEDIATION = Kind(
    "fence-agents-remediation.medik8s.io/v1alpha1", "FenceAgentsRemediation", "fenceagentsremediations", True)
SELF_NODE_REMEDIATION = Kind(
    "self-node-remediation.medik8s.io/v1alpha1", "SelfNodeRemediation", "selfnoderemediations", True)
NODE_METRICS = Kind("metrics.k8s.io/v1beta1", "NodeMetrics", "nodes", False)
POD_METRICS = Kind("metrics.k8s.io/v1beta1", "PodMetrics", "pods", True)

_CONNECTION_ERRORS = (socket.error, OSError)
if HAS_KUBERNETES:
    _CONNECTION_ERRORS = (urllib3.exceptions.HTTPError, socket.error, OSError)


def _now_rfc3339(micro=False):
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if micro else "%Y-%m-%dT%H:%M:%SZ")


def _status_parts(body, fallback_reason):
    """(reason, message, details) from a metav1 Status body (raw bytes or text), tolerating anything else."""
    try:
        status = json.loads(body) if body else {}
    except (TypeError, ValueError):
        status = {}
    if not isinstance(status, dict):
        status = {}
    message = status.get("message") or (body.decode("utf-8", "replace") if isinstance(body, bytes) else body) or ""
    return status.get("reason") or fallback_reason or "", message.strip(), status.get("details") or {}


def _header(headers, name):
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


class Cluster:
    """Kubernetes API access for one module run.

    params: the kubernetes.core auth options (kubeconfig, context, host, api_key, ...); options left unset fall back
    to K8S_AUTH_* variables, in-cluster config and ~/.kube/config exactly as in kubernetes.core.
    check_mode: every write is sent with dryRun=All, and events are not recorded.
    """

    def __init__(self, params, module_name, retry=None, check_mode=False, request_timeout=30, sleep=time.sleep):
        if not HAS_KUBERNETES:
            raise ClusterError("connect", "Cluster", reason="MissingLibrary",
                               message="the kubernetes Python library and the kubernetes.core collection are required")
        self.module_name = module_name
        self.component = COMPONENT_PREFIX + module_name
        self.retry = retry or RetryPolicy()
        self.check_mode = check_mode
        self.request_timeout = request_timeout
        self.requests = 0
        self._sleep = sleep
        self._served = {}
        auth = dict((key, value) for key, value in (params or {}).items() if key in AUTH_ARG_SPEC and value is not None)
        try:
            self._client = _RequestClient(_api_client(auth))
        except (ConfigException, ValueError, TypeError, OSError) as exc:
            raise ClusterError("connect", "Cluster", reason="ConfigError", message=str(exc))

    @property
    def host(self):
        return self._client.client.configuration.host

    # -- transport ---------------------------------------------------------------------------------------------

    def _request(self, verb, kind, method, path, name=None, namespace=None, query=None, body=None,
                 content_type=None, retry_statuses=True, stream=False, timeout=None):
        """One logical request: counted per try, retried by the policy; returns the parsed body (or the raw
        response when stream=True). retry_statuses=False turns off retries on HTTP statuses (not on lost
        connections) for requests whose refusal is an answer, such as evictions."""
        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            try:
                response = self._client.request(
                    method, path, body=body, query_params=list(query or []), content_type=content_type,
                    serialize=False, _request_timeout=timeout or self.request_timeout)
                if stream:
                    return response
                data = response.data
                return json.loads(data) if data else {}
            except ApiException as exc:
                status = exc.status or None
                retry_after = parse_retry_after(_header(exc.headers, "Retry-After"))
                reason, message, details = _status_parts(exc.body, exc.reason)
                error = ClusterError(verb, kind.kind, name, namespace, status=status, reason=reason,
                                     message=message, details=details)
                may_retry = status is None or retry_statuses
            except _CONNECTION_ERRORS as exc:
                retry_after = None
                error = ClusterError(verb, kind.kind, name, namespace, status=None, reason="ConnectionError",
                                     message=str(exc))
                may_retry = True
            if not (may_retry and self.retry.should_retry(error.status, attempt)):
                raise error
            self._sleep(self.retry.delay(attempt, retry_after))

    def _dry_run(self, query):
        if self.check_mode:
            query.append(("dryRun", "All"))
        return query

    # -- reads -------------------------------------------------------------------------------------------------

    def get(self, kind, name, namespace=None):
        """The object, or None when it does not exist."""
        try:
            return self._request("get", kind, "GET", kind.path(namespace, name), name=name, namespace=namespace)
        except ClusterError as exc:
            if exc.status == 404:
                return None
            raise

    def list(self, kind, namespace=None, label_selector=None, field_selector=None):
        """All objects of a kind (in one namespace, or everywhere when namespace is None) in one request."""
        items, _version = self._list(kind, namespace, label_selector, field_selector)
        return items

    def _list(self, kind, namespace, label_selector, field_selector):
        query = []
        if label_selector:
            query.append(("labelSelector", label_selector))
        if field_selector:
            query.append(("fieldSelector", field_selector))
        body = self._request("list", kind, "GET", kind.path(namespace), namespace=namespace, query=query)
        items = body.get("items") or []
        for item in items:
            # a LIST answer leaves kind and apiVersion off its items; callers pass items on as whole objects
            item.setdefault("kind", kind.kind)
            item.setdefault("apiVersion", kind.api_version)
        return items, (body.get("metadata") or {}).get("resourceVersion")

    def pods_on_node(self, node_name):
        return self.list(POD, field_selector="spec.nodeName=" + node_name)

    def served(self, api_version, kind):
        """Whether the server serves this apiVersion and kind (one discovery request per apiVersion)."""
        if api_version not in self._served:
            path = "/api/v1" if api_version == "v1" else "/apis/" + api_version
            try:
                body = self._request("discover", Kind(api_version, "APIResourceList", "", False), "GET", path,
                                     name=api_version)
                self._served[api_version] = set(r.get("kind") for r in body.get("resources") or [])
            except ClusterError as exc:
                if exc.status not in (404, 503):
                    raise
                self._served[api_version] = set()
        return kind in self._served[api_version]

    # -- writes ------------------------------------------------------------------------------------------------

    def create(self, kind, body, namespace=None):
        namespace = namespace or (body.get("metadata") or {}).get("namespace")
        name = (body.get("metadata") or {}).get("name") or (body.get("metadata") or {}).get("generateName")
        return self._request("create", kind, "POST", kind.path(namespace), name=name, namespace=namespace,
                             body=body, query=self._dry_run([]))

    def replace(self, kind, body):
        metadata = body.get("metadata") or {}
        name, namespace = metadata.get("name"), metadata.get("namespace")
        return self._request("replace", kind, "PUT", kind.path(namespace, name), name=name, namespace=namespace,
                             body=body, query=self._dry_run([]))

    def patch(self, kind, name, body, namespace=None, patch_type="merge", subresource=None):
        if patch_type not in PATCH_CONTENT_TYPES:
            raise ValueError("patch_type must be one of %s" % ", ".join(sorted(PATCH_CONTENT_TYPES)))
        query = self._dry_run([])
        if patch_type == "apply":
            query += [("fieldManager", FIELD_MANAGER), ("force", "true")]
        return self._request("patch", kind, "PATCH", kind.path(namespace, name, subresource), name=name,
                             namespace=namespace, body=body, query=query,
                             content_type=PATCH_CONTENT_TYPES[patch_type])

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
                if exc.status != 409 or attempt >= self.retry.conflict_attempts:
                    raise
            self._sleep(self.retry.delay(attempt))

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
            return self._request("delete", kind, "DELETE", kind.path(namespace, name), name=name,
                                 namespace=namespace, body=options, query=self._dry_run([]))
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
            return self._request("evict", POD, "POST", POD.path(namespace, name, "eviction"), name=name,
                                 namespace=namespace, body=eviction, retry_statuses=False)
        except ClusterError as exc:
            if exc.status == 404:
                return None
            raise

    def emit_event(self, involved, reason, message, type="Normal", action=None):
        """Record a core/v1 Event about `involved`, reported by workload.availability.<module>.
        Nothing is written in check mode (returns None)."""
        if self.check_mode:
            return None
        metadata = involved.get("metadata") or {}
        namespace = metadata.get("namespace") or "default"
        now = _now_rfc3339()
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
            "firstTimestamp": now,
            "lastTimestamp": now,
            "eventTime": _now_rfc3339(micro=True),
            "count": 1,
        }
        return self._request("create", EVENT, "POST", EVENT.path(namespace), name=event["metadata"]["name"],
                             namespace=namespace, body=event)

    # -- waiting -----------------------------------------------------------------------------------------------

    def wait_until(self, kind, predicate, timeout, namespace=None, name=None, label_selector=None,
                   field_selector=None, describe=None):
        """Wait until predicate(current objects) is true; returns those objects.

        One LIST, then a WATCH from its resourceVersion; the predicate is evaluated on the list and after every
        event. A watch the server ends early, or one that expired (410 Gone), is replaced by a new LIST + WATCH.
        Raises WaitTimeout, naming `describe`, when the deadline passes first.
        """
        describe = describe or "condition on %s" % kind.kind
        if name:
            name_selector = "metadata.name=" + name
            field_selector = name_selector + ("," + field_selector if field_selector else "")
        deadline = time.monotonic() + timeout
        objects = {}
        relists = 0
        while True:
            if relists:
                # a server that keeps ending watches at once must not turn the wait into a request loop
                self._sleep(min(self.retry.delay(relists), max(0.0, deadline - time.monotonic())))
            relists += 1
            items, version = self._list(kind, namespace, label_selector, field_selector)
            objects = dict((_object_key(item), item) for item in items)
            if predicate(list(objects.values())):
                return list(objects.values())
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            if self._watch(kind, predicate, objects, version, deadline, namespace, label_selector, field_selector):
                return list(objects.values())
            if time.monotonic() >= deadline:
                break
        raise WaitTimeout(kind.kind, describe, timeout, name=name, namespace=namespace,
                          last_seen=list(objects.values()))

    def _watch(self, kind, predicate, objects, version, deadline, namespace, label_selector, field_selector):
        """Apply watch events to `objects` until the predicate holds (True) or the watch ends (False)."""
        remaining = deadline - time.monotonic()
        query = [("watch", "true"), ("resourceVersion", version or "0"), ("allowWatchBookmarks", "true"),
                 ("timeoutSeconds", str(max(1, int(math.ceil(remaining)))))]
        if label_selector:
            query.append(("labelSelector", label_selector))
        if field_selector:
            query.append(("fieldSelector", field_selector))
        try:
            response = self._request("watch", kind, "GET", kind.path(namespace), namespace=namespace, query=query,
                                     stream=True, timeout=(self.request_timeout, max(0.1, remaining)))
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
                    objects.pop(_object_key(obj), None)
                else:
                    objects[_object_key(obj)] = obj
                if predicate(list(objects.values())):
                    return True
                if time.monotonic() >= deadline:
                    return False
        except _CONNECTION_ERRORS:
            # read timeout at the deadline, or the server dropped the stream: the caller relists or gives up
            return False
        finally:
            # an unfinished stream must not go back to the pool: the next request would read its leftovers
            response.close()
            response.release_conn()
        return False


def _api_client(auth):
    """An ApiClient configured exactly as kubernetes.core configures its own (options, K8S_AUTH_* variables,
    in-cluster config, kubeconfig, impersonation headers), but private to this Cluster: kubernetes.core's client
    pool shares clients between configurations and runs discovery on creation, neither of which we want."""
    spec = k8s_client._create_auth_spec(None, **auth)
    configuration = copy.deepcopy(k8s_client._create_configuration(spec))
    # urllib3 would silently repeat failed connections; our policy retries instead, so every try is counted.
    configuration.retries = False
    api_client = ApiClient(configuration)
    for header, value in k8s_client._create_headers(None, **auth).items():
        k8s_client._set_header(api_client, header, value)
    return api_client


if HAS_KUBERNETES:
    class _RequestClient(DynamicClient):
        """DynamicClient's request() (paths, query parameters, content types, errors) without its discovery."""

        def __init__(self, api_client):  # pylint: disable=super-init-not-called
            self.client = api_client


def _object_key(obj):
    metadata = obj.get("metadata") or {}
    return metadata.get("namespace"), metadata.get("name")


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
