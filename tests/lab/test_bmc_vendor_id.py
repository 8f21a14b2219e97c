"""Each node's BMC answers its only System under a fixed vendor id (/redfish/v1/Systems/1 by default), like a
Supermicro/HPE (or, with bmc_system_id=System.Embedded.1, a Dell) BMC; the UUID path keeps working."""

import os
import shutil
import subprocess

import pytest
import requests
import sushy
from sushy.connector import Connector

from lab.bmc import vendor_id
from lab.bmc.standalone import BmcOnlyLab, wait_until

FENCE_REDFISH = shutil.which("fence_redfish") or "/usr/sbin/fence_redfish"
VENDOR_PATH = "/redfish/v1/Systems/1"
DELL_PATH = "/redfish/v1/Systems/System.Embedded.1"
RESET = "/Actions/ComputerSystem.Reset"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with BmcOnlyLab(tmp_path_factory.mktemp("bmc-vendor"), nodes=("node-a", "node-b")) as lab:
        yield lab


def uuid_of(lab, node):
    return lab.machines.get(node).system_uuid


def http_get(lab, node, path, **kwargs):
    bmc = lab.bmc_component
    kwargs.setdefault("timeout", 5)
    return requests.get(bmc.base_url(node) + path, auth=(bmc.username, bmc.password), **kwargs)


def sushy_root(lab, node):
    bmc = lab.bmc_component
    connector = Connector(bmc.base_url(node), verify=False, server_side_retries=0, default_request_timeout=5)
    return sushy.Sushy(bmc.base_url(node) + "/redfish/v1/", auth=sushy.auth.BasicAuth(bmc.username, bmc.password),
                       connector=connector)


def power_changes(lab):
    seen = []
    return seen, lab.machines.subscribe(lambda node, change: seen.append((node, change)))


# ------------------------------------------------------------------ pure rewriting

def test_only_the_vendor_id_segment_is_mapped_to_the_uuid():
    assert vendor_id.to_upstream(VENDOR_PATH + RESET, "1", "u-1") == "/redfish/v1/Systems/u-1" + RESET
    assert vendor_id.to_upstream(VENDOR_PATH + "?$expand=.", "1", "u-1") == "/redfish/v1/Systems/u-1?$expand=."
    assert vendor_id.to_upstream("/redfish/v1/Systems/10", "1", "u-1") == "/redfish/v1/Systems/10"
    assert vendor_id.to_upstream("/redfish/v1/Chassis/1", "1", "u-1") == "/redfish/v1/Chassis/1"


def test_a_longer_id_starting_with_the_uuid_is_not_rewritten():
    body = b'{"a": "/redfish/v1/Systems/u-1/Bios", "b": "/redfish/v1/Systems/u-10", "UUID": "u-1", "Id": "u-1"}'
    rewritten = vendor_id.to_vendor_body(body, "application/json", "1", "u-1")
    assert rewritten == b'{"a": "/redfish/v1/Systems/1/Bios", "b": "/redfish/v1/Systems/u-10", "UUID": "u-1", ' \
                        b'"Id": "u-1"}'


def test_unknown_system_id_setting_is_refused():
    with pytest.raises(ValueError):
        vendor_id.checked("2")
    assert vendor_id.checked("System.Embedded.1") == "System.Embedded.1"
    assert vendor_id.checked(1) == "1"   # `lab up --set bmc_system_id=1` parses the value as JSON


# ------------------------------------------------------------------ default: /redfish/v1/Systems/1

def test_collection_lists_exactly_one_member_under_the_vendor_id(lab):
    for node in ("node-a", "node-b"):
        answer = http_get(lab, node, "/redfish/v1/Systems")
        assert answer.status_code == 200
        assert answer.json()["Members"] == [{"@odata.id": VENDOR_PATH}]
        assert answer.json()["Members@odata.count"] == 1
        assert int(answer.headers["Content-Length"]) == len(answer.content)
    assert sushy_root(lab, "node-a").get_system_collection().members_identities == (VENDOR_PATH,)


def test_vendor_system_is_the_nodes_own_with_its_uuid(lab):
    for node in ("node-a", "node-b"):
        answer = http_get(lab, node, VENDOR_PATH)
        assert answer.status_code == 200
        system = answer.json()
        assert system["UUID"] == uuid_of(lab, node) and system["Name"] == node
        assert system["Id"] == "1" and system["@odata.id"] == VENDOR_PATH
        assert system["Actions"]["#ComputerSystem.Reset"]["target"] == VENDOR_PATH + RESET
        assert "/Systems/" + uuid_of(lab, node) not in answer.text
        assert int(answer.headers["Content-Length"]) == len(answer.content)
    system = sushy_root(lab, "node-b").get_system(VENDOR_PATH)
    assert system.uuid == uuid_of(lab, "node-b") and system.identity == "1"


def test_force_off_on_the_vendor_path_powers_off_that_node_only(lab):
    seen, token = power_changes(lab)
    try:
        answer = requests.post(lab.bmc_component.base_url("node-b") + VENDOR_PATH + RESET,
                               json={"ResetType": "ForceOff"}, timeout=5,
                               auth=(lab.bmc_component.username, lab.bmc_component.password))
        assert answer.status_code in (200, 202, 204), answer.text
        assert wait_until(lambda: not lab.machines.is_powered("node-b"), 5)
        assert http_get(lab, "node-b", VENDOR_PATH).json()["PowerState"] == "Off"
        assert lab.machines.is_powered("node-a")
        assert http_get(lab, "node-a", VENDOR_PATH).json()["PowerState"] == "On"
        sushy_root(lab, "node-b").get_system(VENDOR_PATH).reset_system(sushy.ResetType.ON)
        assert wait_until(lambda: lab.machines.is_powered("node-b"), 5)
    finally:
        lab.machines.unsubscribe(token)
    assert {node for node, _ in seen} == {"node-b"}


def test_uuid_path_still_works_and_other_systems_stay_hidden(lab):
    own = "/redfish/v1/Systems/" + uuid_of(lab, "node-a")
    answer = http_get(lab, "node-a", own)
    assert answer.status_code == 200 and answer.json()["UUID"] == uuid_of(lab, "node-a")
    system = sushy_root(lab, "node-a").get_system(own)
    assert system.power_state == sushy.PowerState.ON
    assert http_get(lab, "node-a", "/redfish/v1/Systems/" + uuid_of(lab, "node-b")).status_code == 404


def test_system_name_redirects_to_the_vendor_path(lab):
    answer = http_get(lab, "node-a", "/redfish/v1/Systems/node-a", allow_redirects=False)
    assert answer.status_code == 307
    assert answer.headers["Location"] == VENDOR_PATH
    assert int(answer.headers["Content-Length"]) == len(answer.content)
    followed = http_get(lab, "node-a", "/redfish/v1/Systems/node-a")
    assert followed.status_code == 200 and followed.json()["UUID"] == uuid_of(lab, "node-a")


def test_inventory_and_baremetalhost_address_carry_the_vendor_path(lab):
    bmc = lab.bmc_component
    hosts = bmc.inventory_vars()["lab_bmc_hosts"]
    assert {host["bmc_systems_uri"] for host in hosts.values()} == {VENDOR_PATH}
    assert bmc.address("node-a") == f"redfish+http://127.0.0.1:{bmc.proxy.port('node-a')}{VENDOR_PATH}"


# ------------------------------------------------------------------ other settings

def test_dell_system_embedded_1(tmp_path):
    with BmcOnlyLab(tmp_path, nodes=("node-d",), overrides={"bmc_system_id": "System.Embedded.1"}) as lab:
        assert http_get(lab, "node-d", "/redfish/v1/Systems").json()["Members"] == [{"@odata.id": DELL_PATH}]
        system = http_get(lab, "node-d", DELL_PATH).json()
        assert system["UUID"] == uuid_of(lab, "node-d") and system["Id"] == "System.Embedded.1"
        assert system["Actions"]["#ComputerSystem.Reset"]["target"] == DELL_PATH + RESET
        assert http_get(lab, "node-d", VENDOR_PATH).status_code == 404
        assert lab.bmc_component.systems_uri("node-d") == DELL_PATH
        sushy_root(lab, "node-d").get_system(DELL_PATH).reset_system(sushy.ResetType.FORCE_OFF)
        assert wait_until(lambda: not lab.machines.is_powered("node-d"), 5)


def test_uuid_setting_keeps_the_emulators_paths(tmp_path):
    with BmcOnlyLab(tmp_path, nodes=("node-u",), overrides={"bmc_system_id": "uuid"}) as lab:
        own = "/redfish/v1/Systems/" + uuid_of(lab, "node-u")
        assert http_get(lab, "node-u", "/redfish/v1/Systems").json()["Members"] == [{"@odata.id": own}]
        assert http_get(lab, "node-u", own).json()["Id"] == uuid_of(lab, "node-u")
        assert http_get(lab, "node-u", VENDOR_PATH).status_code == 404
        assert lab.bmc_component.systems_uri("node-u") == own


def test_shared_port_mode_keeps_uuid_paths(tmp_path):
    """On one shared port a vendor id cannot say which node is meant: the System's UUID selects it."""
    with BmcOnlyLab(tmp_path, nodes=("n-0", "n-1"), overrides={"bmc_single_port_above": 1}) as lab:
        bmc = lab.bmc_component
        assert bmc.proxy.single_port
        for node in ("n-0", "n-1"):
            assert bmc.systems_uri(node) == "/redfish/v1/Systems/" + uuid_of(lab, node)
            assert http_get(lab, node, bmc.systems_uri(node)).json()["UUID"] == uuid_of(lab, node)
        assert bmc.address("n-1").endswith("/redfish/v1/Systems/" + uuid_of(lab, "n-1"))
        assert http_get(lab, "n-0", VENDOR_PATH).status_code == 404


# ------------------------------------------------------------------ fence_redfish over TLS

@pytest.mark.skipif(not os.path.exists(FENCE_REDFISH),
                    reason="fence_redfish not installed (apt-get install fence-agents)")
def test_fence_redfish_with_and_without_systems_uri(tmp_path):
    with BmcOnlyLab(tmp_path, nodes=("node-a", "node-b"), tls=True) as lab:
        bmc = lab.bmc_component

        def fence(node, action, *extra):
            port = bmc.base_url(node).rsplit(":", 1)[1]
            argv = [FENCE_REDFISH, "--ip", "127.0.0.1", "--ipport", port, "--username", bmc.username,
                    "--password", bmc.password, "--ssl-insecure", "--action", action, *extra]
            return subprocess.run(argv, capture_output=True, text=True, timeout=60)

        result = fence("node-a", "status", "--systems-uri", VENDOR_PATH)
        assert result.returncode == 0 and "Status: ON" in result.stdout, result.stdout + result.stderr
        result = fence("node-a", "status")
        assert result.returncode == 0 and "Status: ON" in result.stdout, result.stdout + result.stderr

        result = fence("node-b", "off")
        assert result.returncode == 0, result.stdout + result.stderr
        assert not lab.machines.is_powered("node-b") and lab.machines.is_powered("node-a")
        result = fence("node-b", "status", "--systems-uri", VENDOR_PATH)
        assert result.returncode == 2 and "Status: OFF" in result.stdout
