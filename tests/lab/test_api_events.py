"""core/v1 and events.k8s.io/v1 Events are two views of one stored resource."""
import json
import time

NEW = "/apis/events.k8s.io/v1/namespaces/default/events"
CORE = "/api/v1/namespaces/default/events"


def test_core_event_is_read_through_events_k8s_io(raw):
    core = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "ev-core"}, "reason": "Drained",
            "message": "node drained", "type": "Normal", "count": 2, "source": {"component": "lab", "host": "h1"},
            "involvedObject": {"kind": "Node", "name": "n1", "apiVersion": "v1"}}
    assert raw.post(CORE, core)[0] == 201
    status, event, _ = raw.get(f"{NEW}/ev-core")
    assert status == 200 and event["apiVersion"] == "events.k8s.io/v1"
    assert (event["note"], event["regarding"]["name"], event["reportingController"], event["deprecatedCount"]) == \
        ("node drained", "n1", "lab", 2)
    _, listing, _ = raw.get(f"{NEW}?fieldSelector=regarding.name%3Dn1")
    assert listing["kind"] == "EventList" and [e["metadata"]["name"] for e in listing["items"]] == ["ev-core"]


def test_new_event_is_read_through_core(raw):
    new = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "ev-new"},
           "eventTime": "2026-01-01T00:00:00.000000Z", "reportingController": "lab/fence",
           "reportingInstance": "fence-1", "action": "Fence", "reason": "Fenced", "note": "powered off",
           "type": "Warning", "regarding": {"kind": "Node", "name": "n2"}}
    status, created, _ = raw.post(NEW, new)
    assert status == 201 and created["note"] == "powered off" and created["apiVersion"] == "events.k8s.io/v1"
    _, core, _ = raw.get(f"{CORE}/ev-new")
    assert (core["message"], core["involvedObject"]["name"], core["reportingComponent"], core["type"]) == \
        ("powered off", "n2", "lab/fence", "Warning")
    _, patched, _ = raw.patch(f"{NEW}/ev-new", {"note": "powered off again"})
    assert patched["note"] == "powered off again"
    assert raw.get(f"{CORE}/ev-new")[1]["message"] == "powered off again"
    assert raw.delete(f"{NEW}/ev-new")[0] == 200
    assert raw.get(f"{CORE}/ev-new")[0] == 404


def test_watch_through_events_k8s_io(raw):
    rv = raw.get(NEW)[1]["metadata"]["resourceVersion"]
    raw.post(CORE, {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "ev-watched"}, "message": "hello",
                    "involvedObject": {"kind": "Pod", "name": "p"}})
    response = raw.get(f"{NEW}?watch=1&resourceVersion={rv}&timeoutSeconds=1", preload=False)
    started, lines = time.monotonic(), b""
    while time.monotonic() - started < 3:
        chunk = response.read1(65536)
        if not chunk:
            break
        lines += chunk
        if b"\n" in lines:
            break
    event = json.loads(lines.split(b"\n")[0])
    assert event["type"] == "ADDED" and event["object"]["note"] == "hello"
    assert event["object"]["apiVersion"] == "events.k8s.io/v1"
