# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster adapter against the lab's API server: real HTTP, real kubernetes client, real kubernetes.core
auth handling. Faults (429, 5xx, dropped connections, conflicts) are injected by the lab's server."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time
import uuid

import kubernetes
import pytest

from ansible_collections.workload.availability.plugins.module_utils.core import kinds as api
from ansible_collections.workload.availability.plugins.module_utils.core.cluster import Cluster
from ansible_collections.workload.availability.plugins.module_utils.core.errors import ClusterError, WaitTimeout
from ansible_collections.workload.availability.plugins.module_utils.core.kinds import Kind
from ansible_collections.workload.availability.plugins.module_utils.core.retry import RetryPolicy

from lab.testing import running_lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with running_lab(tmp_path_factory.mktemp("cluster-adapter"), bmc=False) as started:
        yield started


@pytest.fixture(autouse=True)
def fresh_process_state(lab):
    """Each test starts as a module process does: no faults, and no kubeconfig loaded into the kubernetes
    library's default configuration by an earlier Cluster (kubernetes.core loads kubeconfigs into it)."""
    lab.server.faults.clear()
    kubernetes.client.Configuration.set_default(None)
    yield
    lab.server.faults.clear()


class Sleeps:
    """Records the adapter's backoff instead of spending it."""

    def __init__(self):
        self.delays = []

    def __call__(self, seconds):
        self.delays.append(seconds)


def connect(lab, check_mode=False, retry=None, sleep=None, **params):
    params = params or {"kubeconfig": lab.kubeconfig_path}
    return Cluster(params, "adapter_test", retry=retry, check_mode=check_mode, sleep=sleep or Sleeps())


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def new_node(cluster, labels=None):
    """A Node object without a machine behind it, tainted so that the lab's scheduler never picks it."""
    name = unique("node")
    return cluster.create(api.NODE, {"apiVersion": "v1", "kind": "Node",
                                     "metadata": {"name": name, "labels": labels or {}},
                                     "spec": {"taints": [{"key": "test/no-machine", "effect": "NoSchedule"}]}})


def new_configmap(cluster, namespace="default", data=None):
    return cluster.create(api.CONFIGMAP, {"apiVersion": "v1", "kind": "ConfigMap",
                                          "metadata": {"name": unique("cm"), "namespace": namespace},
                                          "data": data or {"a": "1"}})


# -- authentication: kubernetes.core's options and variables --------------------------------------------------

def test_kubeconfig_option(lab):
    cluster = connect(lab)
    assert any(node["metadata"]["name"] for node in cluster.list(api.NODE))
    assert cluster.requests == 1


def test_host_and_api_key_options(lab):
    cluster = connect(lab, host=lab.url, api_key=lab.token)
    assert cluster.list(api.NAMESPACE)


def test_k8s_auth_environment_variables(lab, monkeypatch):
    monkeypatch.setenv("K8S_AUTH_HOST", lab.url)
    monkeypatch.setenv("K8S_AUTH_API_KEY", lab.token)
    cluster = Cluster({}, "adapter_test")
    assert cluster.host == lab.url
    assert cluster.list(api.NAMESPACE)


def test_wrong_token_fails_once_naming_verb_kind_and_status(lab):
    cluster = connect(lab, host=lab.url, api_key="not-the-token")
    with pytest.raises(ClusterError) as caught:
        cluster.list(api.NODE)
    assert caught.value.status == 401
    assert str(caught.value).startswith("list Node *: HTTP 401")
    assert cluster.requests == 1


def test_missing_kubeconfig_is_a_cluster_error(tmp_path):
    with pytest.raises(ClusterError) as caught:
        Cluster({"kubeconfig": str(tmp_path / "absent")}, "adapter_test")
    assert caught.value.verb == "connect"


# -- reads and writes -------------------------------------------------------------------------------------------

def test_get_returns_none_for_missing_object(lab):
    cluster = connect(lab)
    assert cluster.get(api.NODE, unique("absent")) is None
    assert cluster.requests == 1


def test_list_fills_kind_and_filters_by_label(lab):
    cluster = connect(lab)
    marker = unique("mark")
    created = new_node(cluster, labels={"test-marker": marker})
    new_node(cluster)
    found = cluster.list(api.NODE, label_selector="test-marker=" + marker)
    assert [node["metadata"]["name"] for node in found] == [created["metadata"]["name"]]
    assert found[0]["kind"] == "Node" and found[0]["apiVersion"] == "v1"


def test_namespaced_list_and_field_selector(lab):
    cluster = connect(lab)
    created = new_configmap(cluster)
    name = created["metadata"]["name"]
    found = cluster.list(api.CONFIGMAP, namespace="default", field_selector="metadata.name=" + name)
    assert [cm["metadata"]["name"] for cm in found] == [name]


def test_patch_types(lab):
    cluster = connect(lab)
    name = new_node(cluster)["metadata"]["name"]
    assert cluster.patch(api.NODE, name, {"spec": {"unschedulable": True}})["spec"]["unschedulable"] is True
    labels = cluster.patch(api.NODE, name, {"metadata": {"labels": {"s": "1"}}}, patch_type="strategic")
    assert labels["metadata"]["labels"]["s"] == "1"
    ops = [{"op": "add", "path": "/metadata/labels/j", "value": "2"}]
    assert cluster.patch(api.NODE, name, ops, patch_type="json")["metadata"]["labels"] == {"s": "1", "j": "2"}
    applied = cluster.patch(api.NODE, name, {"apiVersion": "v1", "kind": "Node",
                                             "metadata": {"name": name, "annotations": {"k": "v"}}},
                            patch_type="apply")
    assert applied["metadata"]["annotations"]["k"] == "v"
    with pytest.raises(ValueError):
        cluster.patch(api.NODE, name, {}, patch_type="yaml")


def test_create_conflict_message(lab):
    cluster = connect(lab)
    created = new_configmap(cluster)
    again = {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": created["metadata"]["name"], "namespace": "default"}}
    with pytest.raises(ClusterError) as caught:
        cluster.create(api.CONFIGMAP, again)
    error = caught.value
    assert (error.verb, error.kind, error.status, error.reason) == ("create", "ConfigMap", 409, "AlreadyExists")
    assert str(error).startswith("create ConfigMap default/%s: HTTP 409 AlreadyExists: " % created["metadata"]["name"])
    assert cluster.requests == 2  # a 409 on create is an answer, not a transient failure


def test_delete_twice(lab):
    cluster = connect(lab)
    name = new_configmap(cluster)["metadata"]["name"]
    assert cluster.delete(api.CONFIGMAP, name, namespace="default") is not None
    assert cluster.get(api.CONFIGMAP, name, namespace="default") is None
    assert cluster.delete(api.CONFIGMAP, name, namespace="default") is None


def test_check_mode_writes_nothing(lab):
    real = connect(lab)
    dry = connect(lab, check_mode=True)
    name = unique("cm")
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}}
    dry.create(api.CONFIGMAP, body)
    assert real.get(api.CONFIGMAP, name, namespace="default") is None
    stored = new_configmap(real, data={"a": "1"})
    stored_name = stored["metadata"]["name"]
    dry.patch(api.CONFIGMAP, stored_name, {"data": {"a": "2"}}, namespace="default")
    dry.delete(api.CONFIGMAP, stored_name, namespace="default")
    assert real.get(api.CONFIGMAP, stored_name, namespace="default")["data"] == {"a": "1"}
    assert dry.emit_event(stored, "Checked", "nothing happens") is None
    assert dry.writes == 0 and real.writes == 1


def test_writes_count_what_the_server_applied(lab):
    cluster = connect(lab)
    stored = new_configmap(cluster)
    name = stored["metadata"]["name"]
    cluster.patch(api.CONFIGMAP, name, {"data": {"a": "2"}}, namespace="default")
    cluster.emit_event(stored, "Recorded", "an Event is the run's record, not a change")
    assert cluster.writes == 2
    with pytest.raises(ClusterError):
        cluster.create(api.CONFIGMAP, stored)       # 409: refused, nothing written
    cluster.delete(api.CONFIGMAP, name, namespace="default")
    assert cluster.delete(api.CONFIGMAP, name, namespace="default") is None    # already gone
    assert cluster.writes == 3


def test_served(lab):
    cluster = connect(lab)
    assert cluster.served(api.NODE)
    assert not cluster.served(Kind("v1", "NoSuchKind", "nosuchkinds", False))
    assert not cluster.served(Kind("nothing.example.com/v1", "Thing", "things", False))
    requests = cluster.requests
    assert cluster.served(api.POD)
    assert cluster.requests == requests  # discovery is read once per apiVersion


# -- update_with_retry: conflicts are re-read and re-applied ----------------------------------------------------

def test_update_with_retry_reapplies_after_a_concurrent_write(lab):
    cluster = connect(lab)
    other = connect(lab)
    name = new_configmap(cluster, data={"count": "0"})["metadata"]["name"]
    seen = []

    def mutate(configmap):
        seen.append(dict(configmap["data"]))
        if len(seen) == 1:  # someone else writes between our read and our write
            other.patch(api.CONFIGMAP, name, {"data": {"other": "yes"}}, namespace="default")
        configmap["data"]["count"] = str(int(configmap["data"]["count"]) + 1)
        return configmap

    stored = cluster.update_with_retry(api.CONFIGMAP, name, mutate, namespace="default")
    assert stored["data"] == {"count": "1", "other": "yes"}
    assert seen == [{"count": "0"}, {"count": "0", "other": "yes"}]
    assert cluster.requests == 1 + 4  # create, then GET, PUT (409), GET, PUT


def test_update_with_retry_no_change_writes_nothing(lab):
    cluster = connect(lab)
    created = new_configmap(cluster)
    before = cluster.requests
    stored = cluster.update_with_retry(api.CONFIGMAP, created["metadata"]["name"], lambda cm: None,
                                       namespace="default")
    assert stored["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert cluster.requests == before + 1


def test_update_with_retry_gives_up_after_conflict_attempts(lab):
    cluster = connect(lab, retry=RetryPolicy(conflict_attempts=3))
    name = new_configmap(cluster)["metadata"]["name"]
    lab.server.faults.set_rules([{"verb": "update", "resource": "configmaps", "error": 409}])

    def mutate(configmap):
        configmap["data"]["b"] = "2"
        return configmap

    with pytest.raises(ClusterError) as caught:
        cluster.update_with_retry(api.CONFIGMAP, name, mutate, namespace="default")
    assert caught.value.status == 409
    assert cluster.requests == 1 + 3 * 2


def test_update_of_missing_object(lab):
    cluster = connect(lab)
    with pytest.raises(ClusterError) as caught:
        cluster.update_with_retry(api.CONFIGMAP, unique("absent"), lambda cm: cm, namespace="default")
    assert caught.value.status == 404 and caught.value.verb == "update"


# -- transient failures ---------------------------------------------------------------------------------------

def test_throttling_honours_retry_after(lab):
    sleeps = Sleeps()
    cluster = connect(lab, sleep=sleeps)
    lab.server.faults.set_rules([{"verb": "list", "resource": "nodes", "error": 429, "retry_after": 3,
                                  "count": 2}])
    assert cluster.list(api.NODE)
    assert cluster.requests == 3
    assert len(sleeps.delays) == 2 and all(delay >= 3 for delay in sleeps.delays)


def test_retry_after_is_capped(lab):
    sleeps = Sleeps()
    cluster = connect(lab, sleep=sleeps, retry=RetryPolicy(max_retry_after=1.5))
    lab.server.faults.set_rules([{"verb": "get", "resource": "nodes", "error": 429, "retry_after": 60,
                                  "count": 1}])
    cluster.get(api.NODE, "whatever")
    assert sleeps.delays == [1.5]


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retried(lab, status):
    sleeps = Sleeps()
    cluster = connect(lab, sleep=sleeps)
    lab.server.faults.set_rules([{"verb": "create", "resource": "configmaps", "error": status, "count": 2}])
    created = new_configmap(cluster)
    assert created["metadata"]["uid"]
    assert cluster.requests == 3 and len(sleeps.delays) == 2


def test_dropped_connections_are_retried(lab):
    cluster = connect(lab)
    lab.server.faults.set_rules([{"verb": "list", "resource": "namespaces", "drop": True, "count": 2}])
    assert cluster.list(api.NAMESPACE)
    assert cluster.requests == 3


def test_retries_are_bounded(lab):
    sleeps = Sleeps()
    cluster = connect(lab, sleep=sleeps, retry=RetryPolicy(attempts=4, base_delay=0.1, max_delay=0.3))
    lab.server.faults.set_rules([{"verb": "list", "resource": "nodes", "error": 503}])
    with pytest.raises(ClusterError) as caught:
        cluster.list(api.NODE)
    assert caught.value.status == 503
    assert cluster.requests == 4
    assert len(sleeps.delays) == 3 and all(0 <= delay <= 0.3 for delay in sleeps.delays)


def test_unreachable_server_is_a_cluster_error_without_status(lab):
    cluster = connect(lab, host="http://127.0.0.1:9", api_key="x", retry=RetryPolicy(attempts=2))
    with pytest.raises(ClusterError) as caught:
        cluster.list(api.NODE)
    assert caught.value.status is None and caught.value.reason == "ConnectionError"
    assert "no response" in str(caught.value)
    assert cluster.requests == 2


# -- waiting through watches ----------------------------------------------------------------------------------

def _later(seconds, action):
    timer = threading.Timer(seconds, action)
    timer.start()
    return timer


def test_wait_until_reacts_to_a_watch_event(lab):
    cluster = connect(lab)
    other = connect(lab)
    name = new_configmap(cluster)["metadata"]["name"]
    _later(0.4, lambda: other.patch(api.CONFIGMAP, name, {"data": {"ready": "yes"}}, namespace="default"))
    started = time.monotonic()
    before = cluster.requests
    found = cluster.wait_until(api.CONFIGMAP, lambda items: items and items[0]["data"].get("ready") == "yes",
                               timeout=10, namespace="default", name=name, describe="configmap ready")
    assert found[0]["data"]["ready"] == "yes"
    assert time.monotonic() - started < 5
    assert cluster.requests - before == 2  # one LIST, one WATCH: no polling
    # the watch ended mid-stream; the connection pool must still give clean answers
    assert cluster.get(api.CONFIGMAP, name, namespace="default")["data"]["ready"] == "yes"


def test_wait_until_sees_deletions(lab):
    cluster = connect(lab)
    other = connect(lab)
    name = new_configmap(cluster)["metadata"]["name"]
    _later(0.3, lambda: other.delete(api.CONFIGMAP, name, namespace="default"))
    assert cluster.wait_until(api.CONFIGMAP, lambda items: not items, timeout=10, namespace="default",
                              name=name) == []


def test_wait_until_true_at_once_needs_no_watch(lab):
    cluster = connect(lab)
    cluster.wait_until(api.NAMESPACE, lambda items: len(items) > 0, timeout=5)
    assert cluster.requests == 1


def test_wait_until_times_out_naming_what_it_awaited(lab):
    cluster = connect(lab)
    name = new_configmap(cluster)["metadata"]["name"]
    started = time.monotonic()
    with pytest.raises(WaitTimeout) as caught:
        cluster.wait_until(api.CONFIGMAP, lambda items: False, timeout=1.5, namespace="default", name=name,
                           describe="a change that never comes")
    elapsed = time.monotonic() - started
    assert 1.4 <= elapsed < 5
    assert "a change that never comes" in str(caught.value) and name in str(caught.value)
    assert caught.value.last_seen and caught.value.last_seen[0]["metadata"]["name"] == name


def test_wait_until_survives_a_cut_watch(lab):
    cluster = connect(lab)
    other = connect(lab)
    name = new_configmap(cluster)["metadata"]["name"]
    lab.server.faults.set_rules([{"verb": "watch", "resource": "configmaps", "watch_cut_after": 0, "count": 1}])
    _later(0.5, lambda: other.patch(api.CONFIGMAP, name, {"data": {"ready": "yes"}}, namespace="default"))
    found = cluster.wait_until(api.CONFIGMAP, lambda items: items and items[0]["data"].get("ready") == "yes",
                               timeout=10, namespace="default", name=name)
    assert found[0]["data"]["ready"] == "yes"


# -- events and evictions ---------------------------------------------------------------------------------------

def test_events_name_reason_and_module(lab):
    cluster = connect(lab)
    involved = new_configmap(cluster)
    cluster.emit_event(involved, "NodeMaintenanceStarted", "draining", type="Warning")
    events = cluster.list(api.EVENT, namespace="default",
                          field_selector="involvedObject.name=" + involved["metadata"]["name"])
    assert len(events) == 1
    event = events[0]
    assert event["reason"] == "NodeMaintenanceStarted" and event["type"] == "Warning"
    assert event["source"]["component"] == "workload.availability.adapter_test"
    assert event["reportingComponent"] == "workload.availability.adapter_test"
    assert event["involvedObject"]["uid"] == involved["metadata"]["uid"]


def _pod(namespace, labels):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": unique("pod"), "namespace": namespace, "labels": labels},
            "spec": {"nodeName": "worker-0", "containers": [{"name": "c", "image": "registry.example/app:1"}]}}


def test_eviction_refused_by_a_disruption_budget_is_not_retried(lab):
    cluster = connect(lab)
    app = unique("app")
    pod = cluster.create(api.POD, _pod("default", {"app": app}))
    cluster.wait_until(api.POD, lambda items: items and items[0].get("status", {}).get("phase") == "Running",
                       timeout=30, namespace="default", name=pod["metadata"]["name"], describe="pod running")
    cluster.create(api.PDB, {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                             "metadata": {"name": app, "namespace": "default"},
                             "spec": {"maxUnavailable": 0, "selector": {"matchLabels": {"app": app}}}})
    before = cluster.requests
    with pytest.raises(ClusterError) as caught:
        cluster.evict(pod)
    assert caught.value.status == 429 and caught.value.verb == "evict"
    assert cluster.requests == before + 1


def test_eviction_of_an_unprotected_pod(lab):
    cluster = connect(lab)
    pod = cluster.create(api.POD, _pod("default", {"app": unique("free")}))
    cluster.evict(pod, grace_period_seconds=0)
    cluster.wait_until(api.POD, lambda items: not items, timeout=10, namespace="default",
                       name=pod["metadata"]["name"], describe="evicted pod gone")
    assert cluster.evict(pod) is None  # already gone counts as evicted
