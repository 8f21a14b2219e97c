# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP to the Kubernetes API (shell): the client, the retry policy, request counting and discovery.

The client comes from kubernetes.core's auth handling, so every kubernetes.core auth option and K8S_AUTH_*
variable means the same here. kubernetes.core's module_utils are not a stable API: they are used in this file only.
Every request of the collection goes through Transport.request, which counts it and applies the retry policy.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import socket
import time
import traceback

from ansible_collections.workload.availability.plugins.module_utils.core.errors import ClusterError
from ansible_collections.workload.availability.plugins.module_utils.core.kinds import Kind
from ansible_collections.workload.availability.plugins.module_utils.core.retry import RetryPolicy, parse_retry_after

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

CONNECTION_ERRORS = (socket.error, OSError)
if HAS_KUBERNETES:
    CONNECTION_ERRORS = (urllib3.exceptions.HTTPError, socket.error, OSError)


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


class Transport:
    """One connection to the API server for one module run.

    ``requests`` counts every HTTP request (each retry included); ``writes`` counts the writes the server applied
    (dry runs and refusals excluded), so a failed run can say honestly whether it changed anything.
    """

    def __init__(self, params, retry=None, request_timeout=30, sleep=time.sleep):
        if not HAS_KUBERNETES:
            raise ClusterError("connect", "Cluster", reason="MissingLibrary",
                               message="the kubernetes Python library and the kubernetes.core collection are required")
        self.retry = retry or RetryPolicy()
        self.request_timeout = request_timeout
        self.requests = 0
        self.writes = 0
        self.sleep = sleep
        self._served = {}
        auth = dict((key, value) for key, value in (params or {}).items() if key in AUTH_ARG_SPEC and value is not None)
        try:
            self._client = _RequestClient(_api_client(auth))
        except (ConfigException, ValueError, TypeError, OSError) as exc:
            raise ClusterError("connect", "Cluster", reason="ConfigError", message=str(exc))

    @property
    def host(self):
        return self._client.client.configuration.host

    def request(self, verb, kind, method, path, name=None, namespace=None, query=None, body=None,
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
            except CONNECTION_ERRORS as exc:
                retry_after = None
                error = ClusterError(verb, kind.kind, name, namespace, status=None, reason="ConnectionError",
                                     message=str(exc))
                may_retry = True
            if not (may_retry and self.retry.should_retry(error.status, attempt)):
                raise error
            self.sleep(self.retry.delay(attempt, retry_after))

    def served(self, kind):
        """Whether the server serves this Kind (one discovery request per apiVersion)."""
        if kind.api_version not in self._served:
            try:
                body = self.request("discover", Kind(kind.api_version, "APIResourceList", "", False), "GET",
                                    kind.group_path, name=kind.api_version)
                self._served[kind.api_version] = set(r.get("kind") for r in body.get("resources") or [])
            except ClusterError as exc:
                if exc.status not in (404, 503):
                    raise
                self._served[kind.api_version] = set()
        return kind.kind in self._served[kind.api_version]


def _api_client(auth):
    """An ApiClient configured exactly as kubernetes.core configures its own (options, K8S_AUTH_* variables,
    in-cluster config, kubeconfig, impersonation headers), but private to this Transport: kubernetes.core's client
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
