"""Redfish power commands through a node's BMC endpoint reach the lab's machines (sushy client, real emulator)."""

import pytest
import sushy
from sushy.connector import Connector

from lab.bmc.standalone import BmcOnlyLab, wait_until


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with BmcOnlyLab(tmp_path_factory.mktemp("bmc-power"), nodes=("node-a", "node-b", "node-c")) as lab:
        yield lab


def system_of(lab, node):
    bmc = lab.bmc_component
    connector = Connector(bmc.base_url(node), verify=False, server_side_retries=0, default_request_timeout=5)
    root = sushy.Sushy(bmc.base_url(node) + "/redfish/v1/", auth=sushy.auth.BasicAuth(bmc.username, bmc.password),
                       connector=connector)
    return root.get_system(bmc.systems_uri(node))


def redfish_power(lab, node):
    system = system_of(lab, node)
    return system.power_state


def test_each_bmc_shows_only_its_own_system(lab):
    bmc = lab.bmc_component
    connector = Connector(bmc.base_url("node-a"), verify=False, server_side_retries=0, default_request_timeout=5)
    root = sushy.Sushy(bmc.base_url("node-a") + "/redfish/v1/", auth=sushy.auth.BasicAuth(bmc.username, bmc.password),
                       connector=connector)
    members = root.get_system_collection().members_identities
    assert members == (bmc.systems_uri("node-a"),)
    system = system_of(lab, "node-a")
    assert system.uuid == lab.machines.get("node-a").system_uuid
    assert system.name == "node-a"
    with pytest.raises(sushy.exceptions.ResourceNotFoundError):
        root.get_system("/redfish/v1/Systems/" + lab.machines.get("node-b").system_uuid)


def test_force_off_powers_the_machine_off_and_on_powers_it_on(lab):
    system = system_of(lab, "node-a")
    system.reset_system(sushy.ResetType.FORCE_OFF)
    assert wait_until(lambda: not lab.machines.is_powered("node-a"), 5)
    assert redfish_power(lab, "node-a") == sushy.PowerState.OFF
    system.reset_system(sushy.ResetType.ON)
    assert wait_until(lambda: lab.machines.is_powered("node-a"), 5)
    assert redfish_power(lab, "node-a") == sushy.PowerState.ON
    assert lab.bmc_component.sync.notifications > 0   # the changes came through the emulator's external notifier


def test_force_restart_cuts_power_at_once_then_restores_it(lab):
    seen = []
    token = lab.machines.subscribe(lambda node, change: seen.append((node, change)))
    try:
        system_of(lab, "node-b").reset_system(sushy.ResetType.FORCE_RESTART)
        assert wait_until(lambda: ("node-b", "power_off") in seen, 3)
        assert wait_until(lambda: ("node-b", "power_on") in seen, 5)
    finally:
        lab.machines.unsubscribe(token)
    assert lab.machines.is_powered("node-b")


@pytest.mark.parametrize("reset_type", ["GracefulRestart", "PowerCycle"])
def test_restart_variants_power_cycle_the_machine(lab, reset_type):
    seen = []
    token = lab.machines.subscribe(lambda node, change: seen.append(change) if node == "node-c" else None)
    try:
        system = system_of(lab, "node-c")
        assert sushy.ResetType(reset_type) in system.get_allowed_reset_system_values()
        system.reset_system(sushy.ResetType(reset_type))
        assert wait_until(lambda: seen[-1:] == ["power_on"] and "power_off" in seen, 5)
    finally:
        lab.machines.unsubscribe(token)


def test_graceful_shutdown_powers_off(lab):
    system_of(lab, "node-c").reset_system(sushy.ResetType.GRACEFUL_SHUTDOWN)
    assert wait_until(lambda: not lab.machines.is_powered("node-c"), 5)
    system_of(lab, "node-c").reset_system(sushy.ResetType.ON)
    assert wait_until(lambda: lab.machines.is_powered("node-c"), 5)


def test_power_off_fault_is_a_dead_psu_and_recover_restores_power(lab):
    bmc = lab.bmc_component
    assert bmc.handles_fault("power-off")
    bmc.fail("node-b", "power-off")
    assert not lab.machines.is_powered("node-b")          # at once, no Redfish delay
    assert redfish_power(lab, "node-b") == sushy.PowerState.OFF
    bmc.recover("node-b")
    assert lab.machines.is_powered("node-b")
    assert redfish_power(lab, "node-b") == sushy.PowerState.ON


def test_power_lost_elsewhere_is_what_the_bmc_reports(lab):
    lab.machines.power_off("node-c")
    assert redfish_power(lab, "node-c") == sushy.PowerState.OFF
    lab.machines.power_on("node-c")
    assert redfish_power(lab, "node-c") == sushy.PowerState.ON


def test_status_and_inventory_describe_every_bmc(lab):
    bmc = lab.bmc_component
    status = bmc.status()
    assert set(status["nodes"]) == {"node-a", "node-b", "node-c"}
    assert status["nodes"]["node-a"]["address"].startswith("redfish+http://127.0.0.1:")
    hosts = bmc.inventory_vars()["lab_bmc_hosts"]
    assert hosts["node-a"]["bmc_systems_uri"] == "/redfish/v1/Systems/1"   # bmc_system_id default: Supermicro/HPE
    assert hosts["node-a"]["bmc_username"] == bmc.username and hosts["node-a"]["bmc_password"] == bmc.password
    assert hosts["node-a"]["bmc_validate_certs"] is False
    assert "node-a" in bmc.render_status(bmc.status())
