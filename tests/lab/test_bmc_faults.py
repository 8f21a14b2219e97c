"""Each BMC fault, switched at runtime on one node, gives the failure a client would see from a real BMC."""

import time

import pytest
import requests
import sushy
from sushy.connector import Connector

from lab.bmc.faults import Fault
from lab.bmc.standalone import BmcOnlyLab, wait_until


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with BmcOnlyLab(tmp_path_factory.mktemp("bmc-faults"), nodes=("node-a", "node-b")) as lab:
        yield lab


@pytest.fixture(autouse=True)
def healthy_afterwards(lab):
    yield
    for node in ("node-a", "node-b"):
        lab.bmc_component.recover(node)


def system_url(lab, node):
    bmc = lab.bmc_component
    return bmc.base_url(node) + bmc.systems_uri(node)


def get(lab, node, timeout=(1, 2), auth=None):
    bmc = lab.bmc_component
    return requests.get(system_url(lab, node), auth=auth or (bmc.username, bmc.password), timeout=timeout)


def sushy_system(lab, node):
    bmc = lab.bmc_component
    connector = Connector(bmc.base_url(node), verify=False, server_side_retries=0, default_request_timeout=3)
    root = sushy.Sushy(bmc.base_url(node) + "/redfish/v1/", auth=sushy.auth.BasicAuth(bmc.username, bmc.password),
                       connector=connector)
    return root.get_system(bmc.systems_uri(node))


def test_refuse_means_connection_refused(lab):
    lab.bmc_component.set_fault("node-a", Fault("refuse"))
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        get(lab, "node-a")
    assert "refused" in str(caught.value).lower()
    assert get(lab, "node-b").status_code == 200      # the other node's BMC is unaffected


def test_bmc_down_is_a_connect_timeout(lab):
    lab.bmc_component.fail("node-a", "bmc-down")
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ConnectTimeout):
        get(lab, "node-a", timeout=(1, 5))
    assert time.monotonic() - started >= 0.9
    lab.bmc_component.recover("node-a")
    assert get(lab, "node-a").status_code == 200


def test_hang_accepts_and_never_answers(lab):
    lab.bmc_component.set_fault("node-a", Fault("hang"))
    with pytest.raises(requests.exceptions.ReadTimeout):
        get(lab, "node-a", timeout=(1, 1))


def test_slow_answers_late_but_correctly(lab):
    lab.bmc_component.set_fault("node-a", Fault("slow", seconds=1.0))
    started = time.monotonic()
    response = get(lab, "node-a", timeout=(1, 5))
    assert response.status_code == 200 and response.json()["PowerState"] == "On"
    assert time.monotonic() - started >= 1.0


@pytest.mark.parametrize("status", [500, 503])
def test_error_answers_5xx_to_sushy(lab, status):
    system = sushy_system(lab, "node-a")
    lab.bmc_component.set_fault("node-a", Fault("error", status=status))
    with pytest.raises(sushy.exceptions.ServerSideError) as caught:
        system.refresh()
    assert caught.value.status_code == status


def test_unauthorized_answers_401_whatever_the_credentials(lab):
    system = sushy_system(lab, "node-a")
    lab.bmc_component.set_fault("node-a", Fault("unauthorized"))
    with pytest.raises(sushy.exceptions.AccessError):
        system.refresh()
    assert requests.get(lab.bmc_component.base_url("node-a") + "/redfish/v1/", timeout=2).status_code == 200


def test_wrong_credentials_are_refused_without_any_fault(lab):
    assert get(lab, "node-b", auth=("admin", "wrong")).status_code == 401


def test_stuck_power_accepts_the_command_but_nothing_happens(lab):
    system = sushy_system(lab, "node-b")
    lab.bmc_component.set_fault("node-b", Fault("stuck-power"))
    system.reset_system(sushy.ResetType.FORCE_OFF)           # 204, no exception
    assert not wait_until(lambda: not lab.machines.is_powered("node-b"), 2.5)
    system.refresh()
    assert system.power_state == sushy.PowerState.ON


def test_faults_are_reported_in_status(lab):
    lab.bmc_component.fail("node-b", "bmc-error")
    assert lab.bmc_component.status()["nodes"]["node-b"]["fault"] == "error"
    with pytest.raises(ValueError):
        Fault("melted")


def test_single_port_mode_routes_by_system_and_keeps_per_node_faults(tmp_path):
    """Very large labs share one BMC port; the System in the path selects the node (and its fault)."""
    with BmcOnlyLab(tmp_path, nodes=("n-0", "n-1", "n-2")) as small:
        assert not small.bmc_component.proxy.single_port
    with BmcOnlyLab(tmp_path / "single", nodes=("n-0", "n-1", "n-2"), overrides={"bmc_single_port_above": 2}) as lab:
        bmc = lab.bmc_component
        assert bmc.proxy.single_port and len({bmc.base_url(n) for n in ("n-0", "n-1", "n-2")}) == 1
        members = requests.get(bmc.base_url("n-0") + "/redfish/v1/Systems", auth=(bmc.username, bmc.password),
                               timeout=5).json()["Members"]
        assert len(members) == 3
        bmc.set_fault("n-1", Fault("error"))
        assert get(lab, "n-1").status_code == 500
        assert get(lab, "n-0").status_code == 200
        bmc.set_fault("n-2", Fault("refuse"))
        with pytest.raises(requests.exceptions.ConnectionError):
            get(lab, "n-2")
        sushy_system(lab, "n-0").reset_system(sushy.ResetType.FORCE_OFF)
        assert wait_until(lambda: not lab.machines.is_powered("n-0"), 5)


def test_bmc_without_auth_answers_anyone(tmp_path):
    with BmcOnlyLab(tmp_path, nodes=("n-0",), auth=False) as lab:
        bmc = lab.bmc_component
        assert requests.get(system_url(lab, "n-0"), timeout=5).status_code == 200
        assert bmc.inventory_vars()["lab_bmc_hosts"]["n-0"]["bmc_username"] == ""
