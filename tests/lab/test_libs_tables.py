"""Table output: kubectl-like columns for built-ins, printer columns for custom resources."""
from datetime import datetime, timezone

import pytest

from lab.apiserver.resources import ResourceType, builtin_types
from lab.apiserver.tables import to_table
from lab.apiserver.tables_format import human_duration, jsonpath

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
TYPES = {rt.key: rt for rt in builtin_types()}


def _names(table, priority=0):
    return [c["name"] for c in table["columnDefinitions"] if c["priority"] <= priority]


def _visible(table, row=0):
    cells = table["rows"][row]["cells"]
    return [cell for cell, col in zip(cells, table["columnDefinitions"]) if col["priority"] == 0]


def _node(name="worker-0", ready="True", unschedulable=False, labels=None):
    return {"metadata": {"name": name, "creationTimestamp": "2026-01-01T09:00:00Z", "labels": labels or {}},
            "spec": {"unschedulable": True} if unschedulable else {},
            "status": {"conditions": [{"type": "MemoryPressure", "status": "False"},
                                      {"type": "Ready", "status": ready}],
                       "addresses": [{"type": "InternalIP", "address": "10.0.0.5"}],
                       "nodeInfo": {"kubeletVersion": "v1.32.1", "osImage": "RHCOS"}}}


def test_node_columns_and_cordoned_status():
    table = to_table(TYPES["nodes"], [_node(unschedulable=True, labels={"node-role.kubernetes.io/worker": "",
                                                                         "node-role.kubernetes.io/infra": ""}),
                                      _node("cp-0", ready="False"), {"metadata": {"name": "bare"}}], now=NOW)
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert _names(table) == ["Name", "Status", "Roles", "Age", "Version"]
    assert _visible(table, 0) == ["worker-0", "Ready,SchedulingDisabled", "infra,worker", "3h", "v1.32.1"]
    assert _visible(table, 1)[:3] == ["cp-0", "NotReady", "<none>"]
    assert _visible(table, 2)[1:4] == ["Unknown", "<none>", "<unknown>"]
    wide = dict(zip(_names(table, 1), table["rows"][0]["cells"]))
    assert wide["Internal-IP"] == "10.0.0.5" and wide["External-IP"] == "<none>" and wide["OS-Image"] == "RHCOS"


def _pod(**status):
    return {"metadata": {"name": "web-0", "namespace": "d", "creationTimestamp": "2026-01-01T11:55:00Z"},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}], "nodeName": "worker-0"},
            "status": {"phase": "Running", "podIP": "10.128.0.7", **status}}


def test_pod_columns_ready_restarts_and_terminating():
    running = _pod(containerStatuses=[
        {"name": "a", "ready": True, "restartCount": 1, "state": {"running": {}},
         "lastState": {"terminated": {"finishedAt": "2026-01-01T11:58:00Z"}}},
        {"name": "b", "ready": False, "restartCount": 0, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}])
    terminating = _pod()
    terminating["metadata"]["deletionTimestamp"] = "2026-01-01T11:59:00Z"
    table = to_table(TYPES["pods"], [running, terminating], now=NOW)
    assert _names(table) == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert _visible(table, 0) == ["web-0", "1/2", "CrashLoopBackOff", "1 (2m ago)", "5m"]
    assert _visible(table, 1)[2] == "Terminating"
    assert _visible(table, 1)[3] == 0
    wide = dict(zip(_names(table, 1), table["rows"][0]["cells"]))
    assert wide["IP"] == "10.128.0.7" and wide["Node"] == "worker-0" and wide["Nominated Node"] == "<none>"


def test_pod_status_for_phases_and_init_containers():
    pending = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}], "initContainers": [{"name": "i"}]},
               "status": {"phase": "Pending", "initContainerStatuses": [{"state": {"running": {}}}]}}
    evicted = {"metadata": {"name": "e"}, "spec": {"containers": [{"name": "a"}]},
               "status": {"phase": "Failed", "reason": "Evicted"}}
    completed = {"metadata": {"name": "c"}, "spec": {"containers": [{"name": "a"}]},
                 "status": {"phase": "Succeeded", "containerStatuses": [
                     {"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}}
    table = to_table(TYPES["pods"], [pending, evicted, completed], now=NOW)
    assert [row["cells"][2] for row in table["rows"]] == ["Init:0/1", "Evicted", "Completed"]


def test_deployment_namespace_lease_and_event_columns():
    deployment = {"metadata": {"name": "api", "creationTimestamp": "2026-01-01T11:00:00Z"},
                  "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}},
                           "template": {"spec": {"containers": [{"name": "c", "image": "img:1"}]}}},
                  "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}}
    table = to_table(TYPES["deployments.apps"], [deployment], now=NOW)
    assert _names(table) == ["Name", "Ready", "Up-to-date", "Available", "Age"]
    assert table["rows"][0]["cells"] == ["api", "2/3", 3, 2, "60m", "c", "img:1", "app=api"]

    namespace = to_table(TYPES["namespaces"], [{"metadata": {"name": "ns"}, "status": {"phase": "Terminating"}}],
                         now=NOW)
    assert namespace["rows"][0]["cells"][:2] == ["ns", "Terminating"]

    lease = to_table(TYPES["leases.coordination.k8s.io"],
                     [{"metadata": {"name": "node-a"}, "spec": {"holderIdentity": "operator-1"}}], now=NOW)
    assert _names(lease) == ["Name", "Holder", "Age"] and lease["rows"][0]["cells"][1] == "operator-1"

    event = {"metadata": {"name": "e1"}, "type": "Warning", "reason": "NodeNotReady", "message": "down",
             "lastTimestamp": "2026-01-01T11:59:30Z", "involvedObject": {"kind": "Node", "name": "worker-0"}}
    events = to_table(TYPES["events"], [event], now=NOW)
    assert _names(events) == ["Last Seen", "Type", "Reason", "Object", "Message"]
    assert _visible(events) == ["30s", "Warning", "NodeNotReady", "node/worker-0", "down"]


def test_generic_fallback_is_name_and_age():
    table = to_table(TYPES["persistentvolumes"],
                     [{"metadata": {"name": "x", "creationTimestamp": "2026-01-01T11:59:00Z"}}],
                     now=NOW)
    assert _names(table) == ["Name", "Age"] and table["rows"][0]["cells"] == ["x", "60s"]


def test_crds_and_rbac_show_created_at_like_the_default_server_columns():
    crd = {"metadata": {"name": "things.x.io", "creationTimestamp": "2026-01-01T11:59:00Z"}}
    table = to_table(TYPES["customresourcedefinitions.apiextensions.k8s.io"], [crd], now=NOW)
    assert _names(table) == ["Name", "Created At"]
    assert table["rows"][0]["cells"] == ["things.x.io", "2026-01-01T11:59:00Z"]


def test_row_objects_follow_include_object():
    node = _node()
    metadata = to_table(TYPES["nodes"], [node], now=NOW)["rows"][0]["object"]
    assert metadata == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                        "metadata": node["metadata"]}
    assert to_table(TYPES["nodes"], [node], include_object="Object", now=NOW)["rows"][0]["object"] == node
    assert "object" not in to_table(TYPES["nodes"], [node], include_object="None", now=NOW)["rows"][0]


CRD_COLUMNS = [
    {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
    {"name": "Ready", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
    {"name": "Min", "type": "integer", "jsonPath": ".spec.limits.min", "priority": 1},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
]


def test_custom_resource_printer_columns():
    rt = ResourceType("remediation.medik8s.io", "v1alpha1", "things", "Thing", True)
    thing = {"metadata": {"name": "t", "creationTimestamp": "2025-12-30T12:00:00Z"},
             "spec": {"limits": {"min": 2}},
             "status": {"phase": "Fencing", "conditions": [{"type": "Succeeded", "status": "False"},
                                                           {"type": "Ready", "status": "True"}]}}
    table = to_table(rt, [thing, {"metadata": {"name": "empty"}}], CRD_COLUMNS, now=NOW)
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Phase", "Ready", "Min", "Age"]
    assert table["columnDefinitions"][3]["priority"] == 1
    assert table["rows"][0]["cells"] == ["t", "Fencing", "True", 2, "2d"]
    assert table["rows"][1]["cells"] == ["empty", None, None, None, None]


def test_custom_resource_without_columns_gets_name_and_age():
    rt = ResourceType("x.io", "v1", "things", "Thing", True)
    table = to_table(rt, [{"metadata": {"name": "t", "creationTimestamp": "2026-01-01T10:00:00Z"}}], None, now=NOW)
    assert _names(table) == ["Name", "Age"] and table["rows"][0]["cells"] == ["t", "120m"]


@pytest.mark.parametrize("seconds,text", [(5, "5s"), (119, "119s"), (150, "2m30s"), (600, "10m"),
                                          (3 * 3600 + 60, "3h1m"),
                                          (10 * 3600, "10h"), (3 * 86400 + 3600, "3d1h"), (30 * 86400, "30d"),
                                          (800 * 86400, "2y70d")])
def test_human_durations_match_kubectl(seconds, text):
    assert human_duration(seconds) == text


def test_jsonpath_subset():
    obj = {"spec": {"items": [{"name": "a", "v": 1}, {"name": "b", "v": 2}], "m": {"k.x": "y"}}}
    assert jsonpath(obj, ".spec.items[1].name") == ["b"]
    assert jsonpath(obj, "{.spec.items[*].v}") == [1, 2]
    assert jsonpath(obj, '.spec.items[?(@.name=="a")].v') == [1]
    assert jsonpath(obj, ".spec.m['k.x']") == ["y"]
    assert jsonpath(obj, ".spec.nothing.deeper") == []
