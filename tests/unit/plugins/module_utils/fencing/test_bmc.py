# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fencing/bmc.py against a real sushy-emulator (lab/bmc/client_harness.py: Redfish over HTTPS with bcrypt basic
auth and the lab's CA).

No mocks: every test sends real Redfish requests. Most emulators run with a 1 s power delay; one test keeps the
emulator's real random 1-11 s delay.
"""

from __future__ import absolute_import, division, print_function

import os
import shutil
import socket
import time

import pytest

from ansible_collections.workload.availability.plugins.module_utils.fencing import bmc
from ansible_collections.workload.availability.plugins.module_utils.fencing import discovery as bmc_discovery

from lab.bmc.client_harness import PASSWORD, USERNAME, ClientHarness

UUIDS = dict((name, "5f2d3c1a-0000-4000-8000-0000000000%02d" % i) for i, name in enumerate(
    ["w1", "w2", "w3", "w4", "w5", "w6", "stuck_on", "stuck", "agent1", "agent2", "agent_stuck", "grace",
     "reboot", "plain"], start=1))


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    systems = [{"uuid": uuid, "name": name, "power_state": "On"} for name, uuid in UUIDS.items()]
    emu = ClientHarness(str(tmp_path_factory.mktemp("bmc")), systems, tls=True, auth=True, delay=1,
                        stuck_on=[UUIDS["stuck_on"], UUIDS["agent_stuck"]], stuck=[UUIDS["stuck"]])
    with emu:
        yield emu


def target(emu, **changes):
    fields = dict(protocol="redfish", scheme="https", host="127.0.0.1", port=str(emu.port), username=USERNAME,
                  password=PASSWORD, ca_path=emu.ca_path, source="options")
    fields.update(changes)
    return bmc_discovery.BmcTarget(**fields)


def fast_limits(**changes):
    values = dict(timeout=5, retries=1, retry_interval=0.2, power_timeout=8, poll_interval=0.3)
    values.update(changes)
    return bmc.Limits(**values)


def test_power_off_is_confirmed_and_idempotent(emulator):
    adapter = bmc.open_bmc(target(emulator), fast_limits(), system_uuid=UUIDS["w1"])
    assert adapter.power_state() == "On"
    off = adapter.power_off()
    assert off["sent"] is True and off["verified"] is True and off["state"] == "Off"
    assert off["state_before"] == "On"
    assert emulator.power_state(UUIDS["w1"]) == "Off"
    again = adapter.power_off()
    assert again["sent"] is False and again["state"] == "Off"
    assert adapter.system_path.endswith(UUIDS["w1"])
    assert adapter.requests >= 5


def test_power_on_and_reboot_confirm_each_half(emulator):
    adapter = bmc.open_bmc(target(emulator), fast_limits(), system_uuid=UUIDS["reboot"])
    adapter.reboot()
    assert [(a["action"], a["state"], a["verified"]) for a in adapter.actions] == [
        ("off", "Off", True), ("on", "On", True)]
    assert emulator.power_state(UUIDS["reboot"]) == "On"


def test_graceful_shutdown(emulator):
    adapter = bmc.open_bmc(target(emulator), fast_limits(), system_uuid=UUIDS["grace"])
    record = adapter.graceful_shutdown()
    assert record["reset_type"] == "GracefulShutdown" and record["state"] == "Off"


def test_real_emulator_delay_of_up_to_eleven_seconds(tmp_path):
    uuid = UUIDS["w6"]
    with ClientHarness(str(tmp_path), [{"uuid": uuid, "name": "slow", "power_state": "On"}], tls=False,
                       auth=True, delay=None) as emu:
        adapter = bmc.open_bmc(target(emu, scheme="http", ca_path=None), bmc.Limits(power_timeout=15),
                               system_uuid=uuid)
        started = time.monotonic()
        adapter.power_off()
        adapter.power_on()
        elapsed = time.monotonic() - started
        assert [a["state"] for a in adapter.actions] == ["Off", "On"]
        assert all(a["seconds"] >= 0.5 for a in adapter.actions)  # the emulator applies changes after >= 1 s
        assert elapsed < 2 * 12 + 5
        assert emu.power_state(uuid) == "On"


def test_system_is_chosen_by_node_uuid_among_many(emulator):
    adapter = bmc.open_bmc(target(emulator), fast_limits(), system_uuid=UUIDS["w3"].upper())
    adapter.power_state()
    assert adapter.system_path == "/redfish/v1/Systems/%s" % UUIDS["w3"]


def test_explicit_systems_uri_wins_and_name_redirect_is_followed(emulator):
    adapter = bmc.open_bmc(target(emulator, systems_uri="/redfish/v1/Systems/w4"), fast_limits(),
                           system_uuid=UUIDS["w4"])
    assert adapter.power_state() == "On"
    assert adapter.system_bmc_uuid == UUIDS["w4"]


def test_explicit_systems_uri_of_another_machine_is_refused(emulator):
    adapter = bmc.open_bmc(target(emulator, systems_uri="/redfish/v1/Systems/%s" % UUIDS["w4"]), fast_limits(),
                           system_uuid=UUIDS["w5"])
    with pytest.raises(bmc.BmcError) as error:
        adapter.power_off()
    assert error.value.kind == bmc.NOT_FOUND
    assert UUIDS["w5"] in str(error.value) and UUIDS["w4"] in str(error.value)
    assert emulator.power_state(UUIDS["w4"]) == "On"


def test_unknown_uuid_fails_listing_systems_and_never_guesses(emulator):
    adapter = bmc.open_bmc(target(emulator), fast_limits(), system_uuid="00000000-0000-4000-8000-000000000000")
    with pytest.raises(bmc.BmcError) as error:
        adapter.power_off()
    assert error.value.kind == bmc.NOT_FOUND
    assert UUIDS["w1"] in str(error.value) and "systems_uri" in str(error.value)


def test_no_uuid_and_no_systems_uri_fails(emulator):
    adapter = bmc.open_bmc(target(emulator), fast_limits(), system_uuid=None)
    with pytest.raises(bmc.BmcError) as error:
        adapter.power_state()
    assert error.value.kind == bmc.NOT_FOUND and "systemUUID" in str(error.value)


def test_wrong_password_is_an_auth_error(emulator):
    adapter = bmc.open_bmc(target(emulator, password="wrong"), fast_limits(), system_uuid=UUIDS["w2"])
    with pytest.raises(bmc.BmcError) as error:
        adapter.power_off()
    assert error.value.kind == bmc.AUTH
    assert USERNAME in str(error.value) and "wrong" not in str(error.value)
    assert emulator.power_state(UUIDS["w2"]) == "On"


def test_unknown_ca_is_a_tls_error_and_verification_is_the_default(emulator):
    adapter = bmc.open_bmc(target(emulator, ca_path=None), fast_limits(), system_uuid=UUIDS["w2"])
    with pytest.raises(bmc.BmcError) as error:
        adapter.power_state()
    assert error.value.kind == bmc.TLS and "ca_path" in str(error.value)


def test_insecure_only_when_asked(emulator):
    adapter = bmc.open_bmc(target(emulator, ca_path=None, verify=False), fast_limits(), system_uuid=UUIDS["w2"])
    assert adapter.power_state() == "On"


def test_unreachable_bmc_fails_fast(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    adapter = bmc.open_bmc(bmc_discovery.BmcTarget(protocol="redfish", scheme="https", host="127.0.0.1",
                                                   port=str(port), username="u", password="p"),
                           fast_limits(retries=2, retry_interval=0.1), system_uuid=UUIDS["w1"])
    started = time.monotonic()
    with pytest.raises(bmc.BmcError) as error:
        adapter.power_off()
    assert error.value.kind == bmc.UNREACHABLE
    assert time.monotonic() - started < 5


def test_reset_type_not_allowed_names_the_allowed_ones(emulator):
    adapter = bmc.open_bmc(target(emulator), fast_limits(), system_uuid=UUIDS["w5"])
    with pytest.raises(bmc.BmcError) as error:
        adapter.reset("PowerCycle", expect="Off")
    assert error.value.kind == bmc.NOT_ALLOWED
    assert "ForceOff" in str(error.value) and "PowerCycle" in str(error.value)


def test_power_never_reached_fails_with_the_last_state(emulator):
    adapter = bmc.open_bmc(target(emulator), fast_limits(power_timeout=3), system_uuid=UUIDS["stuck"])
    started = time.monotonic()
    with pytest.raises(bmc.BmcError) as error:
        adapter.power_off()
    assert error.value.kind == bmc.TIMEOUT and error.value.state == "On"
    assert 3 <= time.monotonic() - started < 6
    assert error.value.actions[-1]["verified"] is False


def test_reboot_that_never_comes_back_is_a_failure_after_a_confirmed_off(emulator):
    adapter = bmc.open_bmc(target(emulator), fast_limits(power_timeout=3), system_uuid=UUIDS["stuck_on"])
    with pytest.raises(bmc.BmcError) as error:
        adapter.reboot()
    assert error.value.kind == bmc.TIMEOUT
    assert [(a["action"], a["verified"]) for a in error.value.actions] == [("off", True), ("on", False)]


def test_plain_http_target(tmp_path):
    uuid = UUIDS["plain"]
    with ClientHarness(str(tmp_path), [{"uuid": uuid, "name": "plain", "power_state": "Off"}], tls=False,
                       auth=True, delay=0) as emu:
        parsed = bmc_discovery.from_options({"address": "redfish+http://127.0.0.1:%d/redfish/v1/Systems/%s"
                                             % (emu.port, uuid), "username": USERNAME, "password": PASSWORD})
        adapter = bmc.open_bmc(parsed, fast_limits(), system_uuid=uuid)
        assert adapter.power_on()["state"] == "On"


FENCE_REDFISH = shutil.which("fence_redfish") or "/usr/sbin/fence_redfish"
needs_agent = pytest.mark.skipif(not os.access(FENCE_REDFISH, os.X_OK),
                                 reason="fence_redfish (Debian package fence-agents) is not installed")


def agent_target(emu, uuid, **extra):
    parameters = {"--ip": "127.0.0.1", "--ipport": str(emu.port), "--username": USERNAME, "--password": PASSWORD,
                  "--ssl-insecure": "", "--systems-uri": "/redfish/v1/Systems/%s" % uuid}
    parameters.update(extra)
    return bmc_discovery.from_fence_parameters("fence_redfish", parameters, use_agent_binary=True)


@needs_agent
def test_agent_runner_off_on_confirmed_by_status(emulator):
    adapter = bmc.open_bmc(agent_target(emulator, UUIDS["agent1"]), fast_limits(power_timeout=20))
    assert isinstance(adapter, bmc.AgentBmc)
    assert adapter.power_state() == "On"
    adapter.power_off()
    assert emulator.power_state(UUIDS["agent1"]) == "Off"
    adapter.power_on()
    assert [r["action"] for r in adapter.runs] == ["status", "status", "off", "status", "status", "on", "status"]
    assert adapter.runs[2]["rc"] == 0
    shown = " ".join(adapter.command_line())
    assert PASSWORD not in shown and "--ipport=%d" % emulator.port in shown


@needs_agent
def test_agent_status_off_is_exit_code_two(emulator):
    adapter = bmc.open_bmc(agent_target(emulator, UUIDS["agent2"]), fast_limits(power_timeout=20))
    adapter.power_off()
    rc, _out, _err = adapter.run("status")
    assert rc == 2 and adapter.power_state() == "Off"


@needs_agent
def test_agent_wrong_password_fails_without_echoing_it(emulator):
    adapter = bmc.open_bmc(agent_target(emulator, UUIDS["agent2"], **{"--password": "not-the-one"}), fast_limits())
    with pytest.raises(bmc.BmcError) as error:
        adapter.power_state()
    assert "not-the-one" not in str(error.value)


@needs_agent
def test_agent_that_never_powers_on_is_a_failure(emulator):
    adapter = bmc.open_bmc(agent_target(emulator, UUIDS["agent_stuck"], **{"--power-timeout": "2"}),
                           fast_limits(power_timeout=3))
    with pytest.raises(bmc.BmcError) as error:
        adapter.reboot()
    assert [a["action"] for a in error.value.actions] == ["off"]
    assert emulator.power_state(UUIDS["agent_stuck"]) == "Off"


def test_uuid_comparison_ignores_case_and_smbios_byte_order():
    assert bmc.same_uuid("4C4C4544-0032-3810-8051-B2C04F4E4B32", "4c4c4544-0032-3810-8051-b2c04f4e4b32")
    assert bmc.same_uuid("44454c4c-3200-1038-8051-b2c04f4e4b32", "4c4c4544-0032-3810-8051-b2c04f4e4b32")
    assert not bmc.same_uuid("4c4c4544-0032-3810-8051-b2c04f4e4b33", "4c4c4544-0032-3810-8051-b2c04f4e4b32")
