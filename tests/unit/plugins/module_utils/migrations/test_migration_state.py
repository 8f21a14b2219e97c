from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.migrations import state as migrations


def test_limits_from_kubevirt_cr_and_defaults():
    assert migrations.limits_from_kubevirt(None) == {"per_cluster": 5, "per_node": 2}
    cr = {"spec": {"configuration": {"migrations": {"parallelMigrationsPerCluster": 10,
                                                    "parallelOutboundMigrationsPerNode": 3}}}}
    assert migrations.limits_from_kubevirt(cr) == {"per_cluster": 10, "per_node": 3}


def test_free_slots_respects_both_limits():
    limits = {"per_cluster": 5, "per_node": 2}
    assert migrations.free_slots(limits, [], "w1") == 2
    assert migrations.free_slots(limits, ["w1"], "w1") == 1
    assert migrations.free_slots(limits, ["w1", "w1"], "w1") == 0
    assert migrations.free_slots(limits, ["w2", "w3", "w4", "w5"], "w1") == 1
    assert migrations.free_slots(limits, ["w2", "w3", "w4", "w5", "w6", "w1"], "w1") == 0


def test_active_migration():
    assert migrations.is_active({"status": {"phase": "Pending"}})
    assert migrations.is_active({})
    assert not migrations.is_active({"status": {"phase": "Succeeded"}})
    assert not migrations.is_active({"status": {"phase": "Failed"}})
