# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

import pytest

from ansible_collections.workload.availability.plugins.module_utils.fencing import far as fp

# The seed article's FenceAgentsRemediationTemplate parameters and shared Secret, as written there.
ARTICLE_SHARED = {
    "--systems-uri": "/redfish/v1/Systems/1",
    "--hostname": "{{.NodeName}}.mgmt.kemo.labs",
    "--action": "reboot",
    "--username": "ansible",
}
ARTICLE_SECRET = {"--password": "n0tPassword"}


def test_article_template_and_secret_build_for_a_node():
    params = fp.build("suki", shared=ARTICLE_SHARED, shared_secret=ARTICLE_SECRET)
    assert params.values == {
        "--systems-uri": "/redfish/v1/Systems/1", "--hostname": "suki.mgmt.kemo.labs", "--action": "reboot",
        "--username": "ansible", "--password": "n0tPassword"}
    assert params.sources["--password"] == "shared_secret"
    assert params.sensitive_values() == ["n0tPassword"]
    assert "n0tPassword" not in repr(params.redacted())


@pytest.mark.parametrize("template, rendered", [
    ("{{.NodeName}}", "w1"),
    ("{{ .NodeName }}.bmc", "w1.bmc"),
    ("https://{{.NodeName}}.example.com/{{.NodeName}}/power", "https://w1.example.com/w1/power"),
    ("a {{- .NodeName -}} b", "aw1b"),
    ("/redfish/v1/Systems/static-value", "/redfish/v1/Systems/static-value"),
])
def test_node_name_rendering_like_go_templates(template, rendered):
    assert fp.render_node_template(template, "w1") == rendered


@pytest.mark.parametrize("template, message", [
    ("/redfish/v1/Systems/{{.WrongTemplate}}", "can't evaluate field WrongTemplate"),
    ("/redfish/v1/Systems/{{.NodeName", "failed to parse template"),
    ("{{ printf \"%s\" .NodeName }}", "failed to parse template"),
])
def test_bad_templates_fail_as_far_does(template, message):
    with pytest.raises(fp.FenceParamsError, match=message):
        fp.render_node_template(template, "w1")


def test_empty_node_name_is_refused():
    with pytest.raises(fp.FenceParamsError, match="nodeName cannot be empty"):
        fp.render_node_template("{{.NodeName}}", "")


def test_node_parameters_override_shared_ones():
    params = fp.build("w2", shared={"--ip": "10.0.0.1", "--username": "admin"},
                      node_parameters={"--ip": {"w1": "10.0.0.11", "w2": "10.0.0.12"}})
    assert params.values["--ip"] == "10.0.0.12" and params.sources["--ip"] == "node"
    assert params.values["--username"] == "admin"


def test_secret_key_repeating_a_parameter_is_far_duplicate_error():
    with pytest.raises(fp.FenceParamsError) as error:
        fp.build("w1", shared={"--ip": "{{.NodeName}}", "--password": "x"}, shared_secret={"--password": "y"})
    assert str(error.value) == "invalid multiple definition of FAR parameter, parameter name: --password"


def test_secret_key_repeating_a_node_parameter_is_also_a_duplicate():
    with pytest.raises(fp.FenceParamsError, match="parameter name: --ip"):
        fp.build("w1", node_parameters={"--ip": {"w1": "a"}}, node_secret={"--ip": "b"})


def test_node_secret_overrides_shared_secret_and_is_not_rendered():
    params = fp.build("w1", shared={"--ip": "{{.NodeName}}"},
                      shared_secret={"--password": "shared", "--username": "{{.NodeName}}-user"},
                      node_secret={"--password": "{{.NodeName}}-literal"})
    assert params.values["--password"] == "{{.NodeName}}-literal"
    assert params.values["--username"] == "w1-user"
    assert params.sources["--password"] == "node_secret"


def test_template_in_shared_secret_identifies_the_node():
    params = fp.build("w1", shared={"--systems-uri": "/redfish/v1/Systems/1"},
                      shared_secret={"--ip": "{{.NodeName}}.bmc", "--password": "p"})
    assert params.values["--ip"] == "w1.bmc"


def test_shared_parameters_without_template_cannot_identify_a_node():
    with pytest.raises(fp.FenceParamsError, match="mandatory parameters are missing.*identifies node w1"):
        fp.build("w1", shared={"--ip": "10.0.0.1"}, shared_secret={"--password": "p"})


def test_node_parameters_for_other_nodes_only_do_not_identify_this_one():
    with pytest.raises(fp.FenceParamsError, match="identifies node w3"):
        fp.build("w3", shared={"--username": "u"}, node_parameters={"--ip": {"w1": "a", "w2": "b"}})


def test_no_parameters_at_all():
    with pytest.raises(fp.FenceParamsError, match="^invalid spec: mandatory parameters are missing$"):
        fp.build("w1")


@pytest.mark.parametrize("source", ["shared", "node", "secret"])
def test_only_reboot_or_off_as_action(source):
    kwargs = {"shared": {"--ip": "{{.NodeName}}"}}
    if source == "shared":
        kwargs["shared"]["--action"] = "status"
    elif source == "node":
        kwargs["node_parameters"] = {"--action": {"w1": "on"}}
    else:
        kwargs["shared_secret"] = {"--action": "cycle"}
    with pytest.raises(fp.FenceParamsError) as error:
        fp.build("w1", **kwargs)
    assert str(error.value) == fp.UNSUPPORTED_ACTION


def test_node_parameters_must_be_per_node_maps():
    with pytest.raises(fp.FenceParamsError, match=r"node_parameters\['--ip'\] must map node names"):
        fp.build("w1", node_parameters={"--ip": "10.0.0.1"})


def test_default_action_is_reboot_and_explicit_action_wins():
    assert fp.with_action({"--ip": "a"}, None)["--action"] == "reboot"
    assert fp.with_action({"--ip": "a", "--action": "off"}, None)["--action"] == "off"
    assert fp.with_action({"--ip": "a", "--action": "off"}, "reboot")["--action"] == "reboot"


def test_argv_like_far_with_bare_flags():
    argv = fp.agent_argv("fence_ipmilan", {"--ip": "10.1.1.1", "--lanplus": "", "--action": "off"})
    assert argv == ["fence_ipmilan", "--ip=10.1.1.1", "--lanplus", "--action=off"]


def test_stdin_lines_use_long_names_and_flag_values():
    text = fp.agent_stdin({"-a": "10.1.1.1", "--username": "u", "--password": "p w", "--ssl-insecure": ""})
    assert text.splitlines() == ["ip=10.1.1.1", "username=u", "password=p w", "ssl-insecure=1"]


def test_stdin_refuses_newlines_that_would_inject_options():
    with pytest.raises(fp.FenceParamsError):
        fp.agent_stdin({"--password": "x\naction=off"})


def test_sensitive_names():
    assert fp.is_sensitive_name("--password") and fp.is_sensitive_name("-p")
    assert fp.is_sensitive_name("--snmp-priv-passwd") and fp.is_sensitive_name("--identity-file-key")
    assert not fp.is_sensitive_name("--ip") and not fp.is_sensitive_name("--username")
