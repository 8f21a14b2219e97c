"""Helpers for the cluster conformance tests (no tests here): a kubernetes client bound to a lab, and waits."""

import time

from kubernetes import client

FAST = {"node_monitor_grace_seconds": 1, "default_toleration_seconds": 1}


def clients(lab):
    config = client.Configuration()
    config.host = lab.url
    config.api_key = {"authorization": f"Bearer {lab.token}"}
    if lab.ca_path:
        config.ssl_ca_cert = lab.ca_path
    api = client.ApiClient(config)
    return client.CoreV1Api(api), client.AppsV1Api(api), client.PolicyV1Api(api)


def cluster_lab(make_lab, **overrides):
    lab = make_lab(components=["cluster"], bmc=False, overrides={**FAST, **overrides})
    assert lab.component("cluster").wait_settled(20)
    return lab


def wait(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def ready_condition(node):
    return next(c for c in node.status.conditions if c.type == "Ready")


def pod(name, namespace="default", node_name=None, labels=None, tolerations=None, **spec):
    body = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
        "spec": {"containers": [{"name": "app", "image": "quay.io/lab/app:1"}], **spec},
    }
    if node_name:
        body["spec"]["nodeName"] = node_name
    if tolerations is not None:
        body["spec"]["tolerations"] = tolerations
    return body


def deployment(name, replicas, namespace="default", cpu="100m"):
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {
                         "containers": [{"name": "app", "image": "quay.io/lab/app:1",
                                         "resources": {"requests": {"cpu": cpu}}}]}}}}


def pods_of(core, namespace, selector):
    return core.list_namespaced_pod(namespace, label_selector=selector).items
