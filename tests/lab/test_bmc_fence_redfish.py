"""ClusterLabs fence_redfish (Debian fence-agents) fences lab nodes through their BMCs over TLS with basic auth."""

import os
import shutil
import subprocess
import time

import pytest
import requests

from lab.bmc.faults import Fault
from lab.bmc.standalone import BmcOnlyLab

FENCE_REDFISH = shutil.which("fence_redfish") or "/usr/sbin/fence_redfish"

pytestmark = pytest.mark.skipif(not os.path.exists(FENCE_REDFISH),
                                reason="fence_redfish not installed (apt-get install fence-agents)")


def fence(lab, node, action, *extra):
    bmc = lab.bmc_component
    port = bmc.base_url(node).rsplit(":", 1)[1]
    argv = [FENCE_REDFISH, "--ip", "127.0.0.1", "--ipport", port, "--username", bmc.username,
            "--password", bmc.password, "--ssl-insecure", "--systems-uri", bmc.systems_uri(node),
            "--action", action, *extra]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with BmcOnlyLab(tmp_path_factory.mktemp("bmc-fence"), nodes=("node-a", "node-b"), tls=True) as lab:
        yield lab


def test_tls_certificate_verifies_against_the_published_ca(lab):
    bmc = lab.bmc_component
    hosts = bmc.inventory_vars()["lab_bmc_hosts"]
    assert hosts["node-a"]["bmc_validate_certs"] is True
    response = requests.get(bmc.base_url("node-a") + "/redfish/v1/", verify=hosts["node-a"]["bmc_ca_path"],
                            timeout=5)
    assert response.status_code == 200
    assert bmc.address("node-a").startswith("redfish://127.0.0.1:")


def test_fence_redfish_status_off_status_on(lab):
    result = fence(lab, "node-a", "status")
    assert result.returncode == 0 and "Status: ON" in result.stdout

    result = fence(lab, "node-a", "off")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not lab.machines.is_powered("node-a")

    result = fence(lab, "node-a", "status")
    assert result.returncode == 2 and "Status: OFF" in result.stdout

    result = fence(lab, "node-a", "on")
    assert result.returncode == 0, result.stdout + result.stderr
    assert lab.machines.is_powered("node-a")


def test_fence_redfish_fails_against_a_dead_bmc(lab):
    lab.bmc_component.set_fault("node-b", Fault("refuse"))
    try:
        result = fence(lab, "node-b", "status")
    finally:
        lab.bmc_component.recover("node-b")
    assert result.returncode == 1
    assert lab.machines.is_powered("node-b")


def test_fence_redfish_with_the_emulators_real_power_delay(tmp_path):
    """Without the short-delay wrapper the emulator applies power changes 1-11 s after the command."""
    with BmcOnlyLab(tmp_path, nodes=("node-r",), tls=True, delay=None) as lab:
        assert lab.bmc_component.settings["power_delay"] is None
        started = time.monotonic()
        result = fence(lab, "node-r", "off")
        elapsed = time.monotonic() - started
        assert result.returncode == 0, result.stdout + result.stderr
        assert not lab.machines.is_powered("node-r")
        assert elapsed >= 0.9
