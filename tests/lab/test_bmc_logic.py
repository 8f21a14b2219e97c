"""Pure decisions of the BMC layer: fault handling per request, per-node routing, power reconciliation, config."""

import json

import pytest

from lab.bmc import config, routing
from lab.bmc.faults import Fault, decide
from lab.bmc.power_sync import power_action

SYSTEM = "/redfish/v1/Systems/1111"
RESET = SYSTEM + "/Actions/ComputerSystem.Reset"


@pytest.mark.parametrize("mode, method, path, expected", [
    ("none", "GET", SYSTEM, (None, False, 0.0)),
    ("error", "GET", SYSTEM, (500, False, 0.0)),
    ("error", "GET", "/redfish/v1/", (None, False, 0.0)),
    ("unauthorized", "POST", RESET, (401, False, 0.0)),
    ("stuck-power", "POST", RESET, (204, False, 0.0)),
    ("stuck-power", "GET", SYSTEM, (None, False, 0.0)),
    ("hang", "GET", "/redfish/v1/", (None, True, 0.0)),
    ("slow", "GET", SYSTEM, (None, False, 5.0)),
])
def test_decide(mode, method, path, expected):
    decision = decide(Fault(mode), method, path, default_slow=5.0)
    assert (decision.status, decision.hang, decision.delay) == expected


def test_error_status_and_slow_seconds_are_configurable():
    assert decide(Fault("error", status=503), "GET", SYSTEM, 5.0).status == 503
    assert decide(Fault("slow", seconds=0.5), "GET", SYSTEM, 5.0).delay == 0.5
    assert decide(Fault("stuck-power"), "POST", RESET, 5.0).check_auth
    with pytest.raises(ValueError):
        Fault("error", status=404)


def test_routing_keeps_each_bmc_to_its_own_system():
    assert routing.system_id(RESET) == "1111"
    assert routing.system_id("/redfish/v1/Systems") is None
    assert not routing.foreign_system(SYSTEM, "1111", "node-a")
    assert not routing.foreign_system("/redfish/v1/Systems/node-a", "1111", "node-a")
    assert routing.foreign_system("/redfish/v1/Systems/2222", "1111", "node-a")
    collection = json.dumps({"Members": [{"@odata.id": "/redfish/v1/Systems/1111"},
                                         {"@odata.id": "/redfish/v1/Systems/2222"}], "Members@odata.count": 2})
    filtered = json.loads(routing.only_own_member(collection.encode(), "1111"))
    assert filtered["Members@odata.count"] == 1


def test_power_cycle_is_sent_as_force_restart_and_advertised():
    assert json.loads(routing.rewrite_reset_request(b'{"ResetType": "PowerCycle"}')) == {"ResetType": "ForceRestart"}
    assert routing.rewrite_reset_request(b'{"ResetType": "On"}') == b'{"ResetType": "On"}'
    system = {"Actions": {"#ComputerSystem.Reset": {"ResetType@Redfish.AllowableValues": ["On", "ForceOff"]}}}
    advertised = json.loads(routing.advertise_reset_aliases(json.dumps(system).encode()))
    assert advertised["Actions"]["#ComputerSystem.Reset"]["ResetType@Redfish.AllowableValues"][-1] == "PowerCycle"


@pytest.mark.parametrize("state, powered, action", [
    ("Off", True, "power_off"), ("On", False, "power_on"), ("On", True, None), ("Off", False, None),
])
def test_power_action(state, powered, action):
    assert power_action({"power_state": state}, powered) == action


def test_settings_accept_command_line_values():
    assert config.settings("fast", {"bmc_power_delay": "0,2"})["power_delay"] == (0, 2)
    assert config.settings("fast", {"bmc_power_delay": "3"})["power_delay"] == (3, 3)
    assert config.settings("fast", {"bmc_power_delay": "random"})["power_delay"] is None
    assert config.settings("realistic", {"bmc_poll_interval": "0.5"})["poll_interval"] == 0.5
    assert config.settings("fast", {})["power_delay"] is None


def test_emulator_config_has_one_system_per_node():
    text = config.render_config(config.EmulatorConfig(
        port=8000, state_dir="/tmp/s", systems=[config.SystemSpec("node-a", "1111", True),
                                               config.SystemSpec("node-b", "2222", False)],
        notification_url="http://127.0.0.1:9/notify", auth_file="/tmp/h"))
    values = {}
    exec(text, {}, values)  # the emulator loads this file the same way
    systems = values["SUSHY_EMULATOR_FAKE_SYSTEMS"]
    assert [(s["uuid"], s["name"], s["power_state"], s["external_notifier"]) for s in systems] == [
        ("1111", "node-a", "On", True), ("2222", "node-b", "Off", True)]
    assert values["SUSHY_EMULATOR_LISTEN_IP"] == "127.0.0.1" and values["SUSHY_EMULATOR_AUTH_FILE"] == "/tmp/h"
    assert config.htpasswd_line("admin", "pw").startswith("admin:$2b$04$")
