"""`python -m lab up|status|fail|down` as a user runs them (API server only, to stay independent)."""
import json
import os
import subprocess
import sys

import yaml

from conftest import RawApi

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _lab(*args, check=True):
    result = subprocess.run([sys.executable, "-m", "lab", *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


class _Endpoint:
    def __init__(self, state):
        self.url, self.token, self.ca_path = state["url"], state["token"], state.get("ca_file")


def test_up_status_control_down(tmp_path):
    workdir = str(tmp_path / "cli")
    out = _lab("up", "--workdir", workdir, "--components", "", "--seed", "7").stdout
    try:
        assert "lab up: http://127.0.0.1:" in out
        state = json.load(open(os.path.join(workdir, "lab.json")))
        assert state["seed"] == 7 and state["components"] == []
        kubeconfig = yaml.safe_load(open(state["kubeconfig"]))
        assert kubeconfig["clusters"][0]["cluster"]["server"] == state["url"]
        inventory = yaml.safe_load(open(state["inventory"]))
        assert inventory["all"]["vars"]["lab_kubeconfig"] == state["kubeconfig"]
        api = RawApi(_Endpoint(state))
        assert api.get("/api/v1/namespaces/default")[0] == 200
        again = _lab("up", "--workdir", workdir, "--components", "", check=False)
        assert again.returncode == 1 and "already running" in again.stderr
        status = _lab("status", "--workdir", workdir).stdout
        assert "API server" in status and "namespaces" in status
        assert json.loads(_lab("status", "--workdir", workdir, "--json").stdout)["api"]["url"] == state["url"]
        failed = _lab("fail", "n1", "--mode", "power-off", "--workdir", workdir, check=False)
        assert failed.returncode == 1 and "no running component handles" in failed.stderr
        failed = _lab("fail", "n1", "--mode", "meteor", "--workdir", workdir, check=False)
        assert failed.returncode == 1 and "unknown failure mode" in failed.stderr
    finally:
        down = _lab("down", "--workdir", workdir)
    assert "lab down" in down.stdout
    assert not os.path.exists(os.path.join(workdir, "lab.json"))
    assert _lab("status", "--workdir", workdir, check=False).returncode == 1


def test_each_run_gets_a_new_port(tmp_path):
    from lab.testing import running_lab
    with running_lab(tmp_path / "a", components=[]) as first, running_lab(tmp_path / "b", components=[]) as second:
        assert first.url != second.url
