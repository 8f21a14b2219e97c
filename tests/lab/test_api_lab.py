"""The Lab object: fixtures, control endpoint dispatch to components, files it writes."""
import pytest
import yaml

from conftest import RawApi


class _RecordingComponent:
    """Stands in for a real component to check how the lab dispatches controls to components."""

    def __init__(self):
        self.calls = []

    def handles_fault(self, mode):
        return mode in ("power-off", "partition")

    def fail(self, node, mode):
        self.calls.append(("fail", node, mode))

    def recover(self, node):
        self.calls.append(("recover", node))

    def load(self, node, cpu, memory):
        self.calls.append(("load", node, cpu, memory))

    def status(self):
        return {"calls": len(self.calls)}

    def render_status(self, status):
        return f"RECORDER {status['calls']} calls"

    def inventory_vars(self):
        return {"recorder_var": "here"}


@pytest.mark.lab(components=[], seed=5)
def test_lab_fixture_takes_marker_options(lab):
    assert lab.seed == 5 and lab.components == {} and lab.url.startswith("http://127.0.0.1:")


def test_control_endpoint_dispatches_to_components(make_lab):
    lab = make_lab(components=[])
    recorder = _RecordingComponent()
    lab.components["recorder"] = recorder
    api = RawApi(lab)
    assert api.post("/lab/v1/fail", {"node": "w1", "mode": "partition"})[0] == 200
    status, body, _ = api.post("/lab/v1/fail", {"node": "w1", "mode": "kubelet-stop"})
    assert status == 400 and "no running component handles" in body["message"]
    assert api.post("/lab/v1/recover", {"node": "w1"})[0] == 200
    assert api.post("/lab/v1/load", {"node": "w1", "cpu": 0.5, "memory": None})[0] == 200
    assert recorder.calls == [("fail", "w1", "partition"), ("recover", "w1"), ("load", "w1", 0.5, None)]
    _, status_body, _ = api.get("/lab/v1/status?render=1")
    assert status_body["status"]["recorder"] == {"calls": 3}
    assert "RECORDER 3 calls" in status_body["text"] and "API server" in status_body["text"]
    assert RawApi(lab, token=lab.readonly_token).post("/lab/v1/recover", {"node": "w1"})[0] == 403
    lab.write_files()
    inventory = yaml.safe_load(open(lab.inventory_path))
    assert inventory["all"]["vars"]["recorder_var"] == "here"
    assert inventory["all"]["vars"]["lab_api_url"] == lab.url


def test_initial_namespaces_and_wait_for(make_lab):
    lab = make_lab(components=[])
    names = [ns["metadata"]["name"] for ns in lab.store.list("namespaces")[0]]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]
    assert lab.wait_for(lambda: 42, timeout=1) == 42
    with pytest.raises(TimeoutError):
        lab.wait_for(lambda: False, timeout=0.2)


def test_unknown_component_name_is_refused(tmp_path):
    from lab.lab import Lab
    with pytest.raises(ValueError):
        Lab(components=["nonsense"], workdir=str(tmp_path)).start()


def test_a_stopped_lab_stops_answering_kept_alive_clients(tmp_path):
    import urllib3
    from lab.testing import running_lab
    with running_lab(tmp_path / "stopping", components=[]) as lab:
        api = RawApi(lab)
        assert api.get("/api/v1/namespaces/default")[0] == 200
    with pytest.raises(urllib3.exceptions.HTTPError):
        api.get("/api/v1/namespaces/default")
