# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.workload.availability.plugins.module_utils.balance import convergence
from ansible_collections.workload.availability.plugins.module_utils.balance.waves import Waves

GI = 2 ** 30
MI = 2 ** 20
GBIT = 1.25e8          # bytes/s of 1 Gbit/s
DEFAULT = convergence.migration_config(None)


def test_kubevirt_defaults_and_cr_values():
    assert DEFAULT == {"bandwidth_per_migration": 0.0, "completion_timeout_per_gib": 150, "progress_timeout": 150,
                       "allow_auto_converge": False, "allow_post_copy": False, "allow_workload_disruption": False}
    config = convergence.migration_config({"spec": {"configuration": {"migrations": {
        "bandwidthPerMigration": "64Mi", "completionTimeoutPerGiB": 0, "allowPostCopy": True}}}})
    assert config["bandwidth_per_migration"] == 64 * MI
    assert config["completion_timeout_per_gib"] == 0                     # an explicit 0 is kept: no limit
    assert config["allow_workload_disruption"] is True                   # follows allowPostCopy when unset


def test_completion_limit_is_per_gb_rounded_up():
    # 4 GiB = 4.29 GB -> 5 x 150 s, as KubeVirt's ScaledValue(Giga)
    assert convergence.completion_limit(4 * GI, DEFAULT) == 750
    assert convergence.completion_limit(int(1e9), DEFAULT) == 150
    assert convergence.completion_limit(4 * GI, dict(DEFAULT, completion_timeout_per_gib=0)) is None


def test_a_quiet_vm_on_a_fast_link_converges_in_about_one_pass():
    prediction = convergence.predict(4 * GI, 10 * MI, 10 * GBIT, DEFAULT)
    assert prediction["converges"] and prediction["mode"] == "pre-copy"
    # one pass of 4 GiB at 1.25 GB/s is 3.4 s, plus what was dirtied meanwhile, plus the target pod's start
    assert 3.4 + convergence.SETUP_SECONDS < prediction["seconds"] < 3.6 + convergence.SETUP_SECONDS
    assert 4 * GI < prediction["transferred_bytes"] < 4.1 * GI


def test_a_hot_vm_on_a_slow_link_runs_until_the_completion_limit_aborts_it():
    prediction = convergence.predict(16 * GI, 200 * MI, 1 * GBIT, DEFAULT)   # dirties 210 MB/s, link 125 MB/s
    assert not prediction["converges"]
    assert prediction["reason"].startswith("KubeVirt would abort it: not completed after 2700 s")
    # the data sent keeps dropping within every pass, so progressTimeout never fires; the monitor compares whole
    # seconds with the limit (18 GB x 150 s) and aborts in the second after it
    assert prediction["seconds"] == pytest.approx(2700 + 1 + convergence.SETUP_SECONDS, abs=0.2)


def test_only_a_stream_that_sends_nothing_is_stuck():
    prediction = convergence.predict(4 * GI, 10 * MI, 0, DEFAULT)
    assert not prediction["converges"] and "stuck" in prediction["reason"]


def test_a_shared_link_turns_a_converging_migration_into_an_aborted_one():
    alone = convergence.predict(8 * GI, 90 * MI, 1 * GBIT, DEFAULT)          # 94 MB/s against 125 MB/s
    shared = convergence.predict(8 * GI, 90 * MI, 1 * GBIT / 2, DEFAULT)     # two streams on the link
    assert alone["converges"] and not shared["converges"]


def test_auto_converge_throttles_the_guest_into_convergence():
    hot = (16 * GI, 1200 * MI, 8 * GBIT)                                       # dirty rate above the bandwidth
    assert not convergence.predict(*hot, config=DEFAULT)["converges"]
    throttled = convergence.predict(*hot, config=dict(DEFAULT, allow_auto_converge=True))
    assert throttled["converges"] and throttled["mode"] == "auto-converge"
    assert "vCPUs throttled to" in throttled["reason"]


def test_post_copy_takes_over_at_the_completion_limit():
    hot = (16 * GI, 1200 * MI, 8 * GBIT)
    post_copy = dict(DEFAULT, allow_post_copy=True, allow_workload_disruption=True)
    rescued = convergence.predict(*hot, config=post_copy)
    assert rescued["converges"] and rescued["mode"] == "post-copy"
    assert rescued["reason"] == "switches to post-copy after 2700 s (allowPostCopy)"
    early = convergence.predict(*hot, config=dict(post_copy, completion_timeout_per_gib=5))   # 18 GB x 5 = 90 s
    assert early["reason"] == "switches to post-copy after 90 s (allowPostCopy)"
    assert early["seconds"] < 91 + 16 * GI / (8 * GBIT) + convergence.SETUP_SECONDS + 0.1


def test_without_disruption_the_completion_limit_aborts():
    prediction = convergence.predict(16 * GI, 1200 * MI, 8 * GBIT, dict(DEFAULT, completion_timeout_per_gib=5))
    assert not prediction["converges"]
    assert prediction["reason"].startswith("KubeVirt would abort it: not completed after 90 s (completionTimeoutPerGiB)")


def test_pausing_the_guest_converges_but_is_not_acceptable_to_the_planner():
    config = dict(DEFAULT, completion_timeout_per_gib=5, allow_workload_disruption=True)
    prediction = convergence.predict(16 * GI, 1200 * MI, 8 * GBIT, config)
    assert prediction["converges"] and prediction["mode"] == "paused"
    assert not convergence.acceptable(prediction)
    assert convergence.acceptable(convergence.predict(4 * GI, 10 * MI, 10 * GBIT, DEFAULT))


def test_a_slowly_converging_vm_is_not_stuck_while_each_pass_starts_lower():
    # ratio 0.94: many passes, each shorter, none without progress for 150 s
    prediction = convergence.predict(16 * GI, 0.94 * 8 * GBIT, 8 * GBIT, DEFAULT)
    assert prediction["converges"] and prediction["seconds"] > 150


def test_resident_memory_shortens_the_first_pass_not_the_limit():
    full = convergence.predict(16 * GI, 10 * MI, 1 * GBIT, DEFAULT)
    sparse = convergence.predict(16 * GI, 10 * MI, 1 * GBIT, DEFAULT, first_pass=2 * GI)
    assert sparse["seconds"] < full["seconds"] / 4
    assert sparse["limit_seconds"] == full["limit_seconds"] == 18 * 150


def links(_node):
    return 10 * GBIT


def test_waves_follow_kubevirt_limits_with_in_flight_migrations_first():
    waves = Waves({"per_cluster": 3, "per_node": 2}, [{"source": "w1", "target": "w2"}], links)
    assert waves.wave_for("w1") == 0
    waves.add(0, "w1", "w3", "a")
    assert waves.wave_for("w1") == 1                                  # w1 has 2 outbound in wave 0
    assert waves.wave_for("w4") == 0
    waves.add(0, "w4", "w5", "b")
    assert waves.wave_for("w4") == 1                                  # the cluster limit of 3 is reached


def test_streams_share_the_links_and_obey_the_ceilings():
    waves = Waves({"per_cluster": 5, "per_node": 2}, [], links, stream_ceiling=0.8 * GBIT * 10)
    assert waves.bandwidth(0, "w1", "w2", added=("w1", "w2")) == 0.8 * GBIT * 10     # the ceiling binds
    waves.add(0, "w1", "w2", "a")
    assert waves.bandwidth(0, "w1", "w3", added=("w1", "w3")) == 5 * GBIT            # w1's link halved
    assert waves.bandwidth(0, "w1", "w2", added=("w1", "w3")) == 5 * GBIT            # and so is a's
    assert waves.bandwidth(0, "w4", "w2", added=("w4", "w2")) == 5 * GBIT            # w2's inbound shared
    assert waves.sharing(0, "w1", "w9") == [("w1", "w2", "a")]
    capped = Waves({"per_cluster": 5, "per_node": 2}, [], links, per_migration=64 * MI)
    assert capped.bandwidth(0, "w1", "w2", added=("w1", "w2")) == 64 * MI


def test_the_score_prefers_fewer_bytes_and_charges_each_migration():
    from ansible_collections.workload.availability.plugins.module_utils.balance.search import gain_per_gib
    assert gain_per_gib(0.02, 4 * GI) == pytest.approx(0.02 / 5)
    assert gain_per_gib(0.02, 4 * GI) > gain_per_gib(0.02, 12 * GI)
    # a tiny VM is not infinitely attractive: half the relief for a quarter of the bytes does not win
    assert gain_per_gib(0.01, 0.25 * GI) < gain_per_gib(0.02, 1 * GI)
