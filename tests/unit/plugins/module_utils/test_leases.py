from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.workload.availability.plugins.module_utils import leases
from ansible_collections.workload.availability.plugins.module_utils import medik8s
from ansible_collections.workload.availability.plugins.module_utils.core.clock import format_time, parse_time

import builders

NOW = datetime.datetime(2026, 1, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
NODE = builders.node("w1", uid="uid-w1")


def lease(holder, renew_offset_s=0, duration=60, acquire_only=False):
    return builders.lease(holder, NOW + datetime.timedelta(seconds=renew_offset_s), duration=duration,
                          acquire_only=acquire_only, resource_version="7")


def test_time_round_trip_and_nanoseconds():
    assert parse_time(format_time(NOW)) == NOW
    assert parse_time("2026-01-01T12:00:00.123456789Z") == NOW + datetime.timedelta(microseconds=123456)
    assert parse_time("2026-01-01T12:00:00Z") == NOW
    assert parse_time(None) is None


def test_validity_uses_renew_time_then_acquire_time():
    assert leases.is_valid(lease("x", renew_offset_s=-30), NOW)
    assert not leases.is_valid(lease("x", renew_offset_s=-61), NOW)
    assert leases.is_valid(lease("x", renew_offset_s=-30, acquire_only=True), NOW)
    assert not leases.is_valid({"spec": {"holderIdentity": "x"}}, NOW)


@pytest.mark.parametrize("current,expected", [
    (None, leases.CREATE),
    (lease("node-maintenance"), leases.RENEW),
    (lease("node-maintenance", renew_offset_s=-3600), leases.RENEW),
    (lease("NodeHealthCheck-nhc"), leases.HELD),
    (lease("NodeHealthCheck-nhc", renew_offset_s=-120), leases.TAKE_OVER),
    (lease(None), leases.TAKE_OVER),
])
def test_decide(current, expected):
    assert leases.decide(current, medik8s.MAINTENANCE_HOLDER, NOW) == expected


def test_new_lease_body_is_owned_by_node():
    body = leases.lease_body(NODE, "node-maintenance", 3600, NOW)
    assert body["metadata"] == {"name": "node-w1", "namespace": "medik8s-leases", "ownerReferences": [
        {"apiVersion": "v1", "kind": "Node", "name": "w1", "uid": "uid-w1"}]}
    assert body["spec"]["holderIdentity"] == "node-maintenance"
    assert body["spec"]["leaseDurationSeconds"] == 3600
    assert body["spec"]["acquireTime"] == body["spec"]["renewTime"] == format_time(NOW)
    assert "leaseTransitions" not in body["spec"]


def test_take_over_counts_transition_and_keeps_resource_version():
    old = lease("NodeHealthCheck-nhc", renew_offset_s=-600)
    old["spec"]["leaseTransitions"] = 2
    body = leases.lease_body(NODE, "node-maintenance", 3600, NOW, old)
    assert body["spec"]["leaseTransitions"] == 3
    assert body["spec"]["holderIdentity"] == "node-maintenance"
    assert body["metadata"]["resourceVersion"] == "7"
    assert old["spec"]["holderIdentity"] == "NodeHealthCheck-nhc"


def test_renewal_keeps_acquire_time():
    ours = lease("node-maintenance", renew_offset_s=-100)
    body = leases.lease_body(NODE, "node-maintenance", 3600, NOW, ours)
    assert body["spec"]["acquireTime"] == ours["spec"]["acquireTime"]
    assert body["spec"]["renewTime"] == format_time(NOW)


def test_needs_renewal_only_past_half_life():
    assert not leases.needs_renewal(lease("a", duration=3600, renew_offset_s=-100), 3600, NOW)
    assert leases.needs_renewal(lease("a", duration=3600, renew_offset_s=-1900), 3600, NOW)


def test_held_error_names_holder_and_expiry():
    err = leases.held_error("w1", lease("NodeHealthCheck-nhc", renew_offset_s=-60, duration=60))
    assert "NodeHealthCheck-nhc" in str(err) and "medik8s-leases/node-w1" in str(err)
    assert format_time(NOW) in str(err)
