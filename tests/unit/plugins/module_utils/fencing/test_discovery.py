# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

import base64

import pytest

from ansible_collections.workload.availability.plugins.module_utils.fencing import discovery as bd

import builders


def bmh(address, insecure=None):
    return builders.baremetalhost("w1", address=address, credentials="w1-bmc-secret", insecure=insecure)


@pytest.mark.parametrize("address, scheme, host, port, path", [
    ("redfish://10.0.0.5/redfish/v1/Systems/1", "https", "10.0.0.5", None, "/redfish/v1/Systems/1"),
    ("redfish+http://127.0.0.1:8000/redfish/v1/Systems/abc", "http", "127.0.0.1", "8000", "/redfish/v1/Systems/abc"),
    ("redfish+https://bmc.example:8443/redfish/v1/Systems/1", "https", "bmc.example", "8443",
     "/redfish/v1/Systems/1"),
    ("redfish-virtualmedia://10.0.0.5/redfish/v1/Systems/1", "https", "10.0.0.5", None, "/redfish/v1/Systems/1"),
    ("redfish-virtualmedia+http://[fd00::5]:8000/redfish/v1/Systems/1", "http", "fd00::5", "8000",
     "/redfish/v1/Systems/1"),
    ("idrac-virtualmedia://idrac.example/redfish/v1/Systems/System.Embedded.1", "https", "idrac.example", None,
     "/redfish/v1/Systems/System.Embedded.1"),
])
def test_baremetalhost_redfish_schemes(address, scheme, host, port, path):
    target = bd.from_baremetalhost(bmh(address), {"username": "root", "password": "calvin"})
    assert (target.protocol, target.scheme, target.host, target.port) == ("redfish", scheme, host, port)
    assert target.systems_uri == path
    assert (target.username, target.password, target.verify) == ("root", "calvin", True)
    assert target.source == "baremetalhost"


def test_baremetalhost_without_system_path_leaves_selection_to_uuid():
    target = bd.from_baremetalhost(bmh("redfish://10.0.0.5"), {"username": "u", "password": "p"})
    assert target.systems_uri is None


def test_disable_certificate_verification():
    target = bd.from_baremetalhost(bmh("redfish://10.0.0.5/redfish/v1/Systems/1", insecure=True),
                                   {"username": "u", "password": "p"})
    assert target.verify is False


@pytest.mark.parametrize("address", ["ipmi://10.0.0.9", "ipmi://10.0.0.9:6230", "10.0.0.9"])
def test_ipmi_becomes_fence_ipmilan(address):
    target = bd.from_baremetalhost(bmh(address), {"username": "admin", "password": "pw"})
    assert target.protocol == "agent" and target.agent == "fence_ipmilan"
    assert target.agent_parameters["--ip"] == "10.0.0.9"
    assert target.agent_parameters["--ipport"] == ("6230" if address.endswith("6230") else "623")
    assert target.agent_parameters["--lanplus"] == ""
    assert target.agent_parameters["--password"] == "pw"


def test_unsupported_scheme_names_supported_ones():
    with pytest.raises(bd.DiscoveryError, match="unsupported scheme 'irmc'.*redfish-virtualmedia.*ipmi"):
        bd.from_baremetalhost(bmh("irmc://10.0.0.5"), {})


def test_baremetalhost_without_address():
    with pytest.raises(bd.DiscoveryError, match="openshift-machine-api/w1 has no spec.bmc.address"):
        bd.from_baremetalhost({"metadata": {"name": "w1", "namespace": "openshift-machine-api"}, "spec": {}})


def test_secret_decoding_merges_data_and_string_data():
    secret = {"data": {"username": base64.b64encode(b"root").decode()}, "stringData": {"password": "calvin"}}
    assert bd.decode_secret_data(secret) == {"username": "root", "password": "calvin"}


def test_far_redfish_parameters_map_to_our_client():
    target = bd.from_fence_parameters("fence_redfish", {
        "--ip": "127.0.0.1:8443", "--username": "u", "--password": "p", "--ssl-insecure": "",
        "--systems-uri": "/redfish/v1/Systems/1", "--action": "reboot", "--power-timeout": "30"})
    assert (target.protocol, target.scheme, target.host, target.port) == ("redfish", "https", "127.0.0.1", "8443")
    assert target.verify is False and target.power_timeout == 30.0
    assert target.systems_uri == "/redfish/v1/Systems/1"


def test_far_defaults_port_443_and_verification():
    target = bd.from_fence_parameters("fence_redfish", {"--ip": "bmc1", "--ipport": "", "--username": "u"})
    assert target.port == "443" and target.verify is True


def test_article_hostname_parameter_is_accepted_as_the_address():
    target = bd.from_fence_parameters("fence_redfish", {"--hostname": "suki.mgmt.kemo.labs",
                                                        "--username": "ansible", "--password": "n0tPassword"})
    assert target.host == "suki.mgmt.kemo.labs"


def test_unknown_fence_redfish_parameter_is_refused():
    with pytest.raises(bd.DiscoveryError, match="--bogus is not a fence_redfish option"):
        bd.from_fence_parameters("fence_redfish", {"--ip": "a", "--bogus": "1"})


def test_password_script_needs_the_binary():
    with pytest.raises(bd.DiscoveryError, match="use_agent_binary"):
        bd.from_fence_parameters("fence_redfish", {"--ip": "a", "--password-script": "/bin/pw"})


def test_other_agents_and_forced_binary_run_the_agent():
    target = bd.from_fence_parameters("fence_ipmilan", {"--ip": "10.0.0.9", "--lanplus": ""})
    assert target.protocol == "agent" and target.agent_parameters == {"--ip": "10.0.0.9", "--lanplus": ""}
    forced = bd.from_fence_parameters("fence_redfish", {"--ip": "a"}, use_agent_binary=True)
    assert forced.protocol == "agent" and forced.agent == "fence_redfish"


@pytest.mark.parametrize("agent", ["redfish", "fence_", "/usr/sbin/fence_redfish", "fence_../x"])
def test_agent_name_must_be_fence_something(agent):
    with pytest.raises(bd.DiscoveryError, match="fence_<name>"):
        bd.from_fence_parameters(agent, {"--ip": "a"})


def test_explicit_options_win_over_far_and_bmh():
    far = bd.from_fence_parameters("fence_redfish", {"--hostname": "suki.mgmt.kemo.labs", "--username": "ansible",
                                                     "--password": "n0tPassword",
                                                     "--systems-uri": "/redfish/v1/Systems/1"})
    host = bd.from_baremetalhost(bmh("redfish://10.9.9.9"), {"username": "x", "password": "y"})
    target = bd.resolve({"address": "https://127.0.0.1:8443", "ca_path": "/tmp/ca.pem", "username": "lab"},
                        far, host)
    assert (target.host, target.port, target.source) == ("127.0.0.1", "8443", "options")
    # the address came from the options, the password and the System path from the FAR parameters
    assert (target.username, target.password) == ("lab", "n0tPassword")
    assert target.systems_uri == "/redfish/v1/Systems/1"
    merged = bd.resolve({"ca_path": "/tmp/ca.pem", "systems_uri": "/redfish/v1/Systems/x"}, far, host)
    assert (merged.host, merged.username, merged.password) == ("suki.mgmt.kemo.labs", "ansible", "n0tPassword")
    assert merged.systems_uri == "/redfish/v1/Systems/x" and merged.ca_path == "/tmp/ca.pem"


def test_far_wins_over_bmh_and_bmh_is_last():
    far = bd.from_fence_parameters("fence_redfish", {"--ip": "far-bmc", "--username": "u", "--password": "p"})
    host = bd.from_baremetalhost(bmh("redfish://bmh-bmc"), {"username": "x", "password": "y"})
    assert bd.resolve({}, far, host).host == "far-bmc"
    assert bd.resolve({}, None, host).host == "bmh-bmc"


def test_explicit_credentials_override_a_lower_source():
    host = bd.from_baremetalhost(bmh("redfish://bmh-bmc"), {"username": "x", "password": "y"})
    target = bd.resolve({"username": "admin", "password": "pw", "validate_certs": False}, None, host)
    assert (target.username, target.password, target.verify) == ("admin", "pw", False)


def test_nothing_to_go_on():
    with pytest.raises(bd.DiscoveryError, match="set bmc.address, or agent with parameters"):
        bd.resolve({}, None, None)


def test_redfish_without_credentials_fails_naming_the_options():
    with pytest.raises(bd.DiscoveryError, match="bmc.username and bmc.password"):
        bd.resolve({"address": "127.0.0.1:8000"}, None, None)


def test_options_address_forms():
    target = bd.from_options({"address": "127.0.0.1:8000", "username": "u", "password": "p",
                              "validate_certs": False})
    assert target.base_url == "https://127.0.0.1:8000" and target.verify is False
    target = bd.from_options({"address": "http://127.0.0.1:8000/redfish/v1/Systems/7", "username": "u",
                              "password": "p"})
    assert target.base_url == "http://127.0.0.1:8000" and target.systems_uri == "/redfish/v1/Systems/7"


def test_describe_never_shows_the_password():
    target = bd.from_options({"address": "127.0.0.1:8000", "username": "u", "password": "very-secret"})
    assert "very-secret" not in repr(target.describe())
