"""Pure OLM decisions and the operators' webhook rules."""

import pytest

from lab.olm import catalog, lifecycle, webhooks

SPEC = {"name": "node-healthcheck-operator", "source": "redhat-operators",
        "sourceNamespace": "openshift-marketplace"}


def test_resolve_finds_the_channel_head():
    package, error = lifecycle.resolve(SPEC)
    assert error is None and package.csv_name == "node-healthcheck-operator.v0.10.0"
    community, _ = lifecycle.resolve(dict(SPEC, source="community-operators"))
    assert community.csv_name == "node-healthcheck-operator.v0.12.0"


@pytest.mark.parametrize("change, fragment", [
    ({"source": "certified-operators"}, "catalogsource not found"),
    ({"sourceNamespace": "default"}, "catalogsource not found"),
    ({"name": "nope"}, "no operators found in package nope"),
    ({"channel": "alpha"}, "channel alpha"),
    ({"startingCSV": "node-healthcheck-operator.v0.1.0"}, "v0.1.0"),
])
def test_resolve_explains_failures(change, fragment):
    package, error = lifecycle.resolve(dict(SPEC, **change))
    assert package is None and fragment in error


def test_operator_group_rules():
    nhc = catalog.RED_HAT["node-healthcheck-operator"]
    descheduler = catalog.RED_HAT["cluster-kube-descheduler-operator"]
    all_namespaces = {"spec": {}}
    own = {"spec": {"targetNamespaces": ["openshift-kube-descheduler-operator"]}}
    assert lifecycle.operator_group_problem([], nhc)[0] == "NoOperatorGroup"
    assert lifecycle.operator_group_problem([own, own], nhc)[0] == "TooManyOperatorGroups"
    assert lifecycle.operator_group_problem([all_namespaces], nhc) is None
    assert lifecycle.operator_group_problem([all_namespaces], descheduler)[0] == "UnsupportedOperatorGroup"
    assert lifecycle.operator_group_problem([own], descheduler) is None


def test_csv_phases_in_order():
    phases, phase = [], None
    for _ in range(5):
        phase = lifecycle.CSV_STEPS[lifecycle.next_step(phase)][0]
        phases.append(phase)
    assert phases == ["Pending", "InstallReady", "Installing", "Succeeded", "Succeeded"]


def test_durations():
    assert webhooks.duration_seconds("1m30s") == 90
    assert webhooks.duration_seconds("300s") == 300
    assert webhooks.duration_seconds("5 minutes") is None


def test_node_maintenance_rules():
    assert webhooks.validate_node_maintenance({"nodeName": "w0"}, None, True, None) == []
    assert webhooks.validate_node_maintenance({"nodeName": "w0"}, None, False, None)[0]["reason"] == \
        "FieldValueNotFound"
    assert webhooks.validate_node_maintenance({"nodeName": "w0"}, None, True, "nm-1")[0]["reason"] == \
        "FieldValueDuplicate"
    assert webhooks.validate_node_maintenance({"nodeName": "w1"}, {"nodeName": "w0"}, True, None)[0]["reason"] == \
        "FieldValueForbidden"


def test_every_operator_crd_is_structural_enough_to_serve():
    for source in catalog.CATALOGS.values():
        for package in source["packages"].values():
            for definition in package.crd_definitions():
                version = definition["spec"]["versions"][0]
                assert version["storage"] and version["schema"]["openAPIV3Schema"]["type"] == "object"
