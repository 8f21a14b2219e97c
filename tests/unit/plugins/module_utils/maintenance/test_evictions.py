# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The back-off of one pod's eviction."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.maintenance.evictions import EvictionBackoff


def test_refusals_back_off_1_2_4_then_5_seconds_and_report_only_new_messages():
    backoff = EvictionBackoff()
    assert backoff.due(0.0)
    pauses, reported = [], []
    for refusal in ["pdb", "pdb", "pdb", "kubevirt migrates it", "kubevirt migrates it"]:
        backoff.asked()
        reported.append(backoff.refused(100.0, refusal))
        pauses.append(backoff.next_due - 100.0)
    assert pauses == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert reported == [True, False, False, True, False]
    assert not backoff.due(104.9) and backoff.due(105.0)
    assert backoff.pending_reason() == "eviction refused (429): kubevirt migrates it"


def test_an_accepted_eviction_is_asked_again_only_after_the_longest_pause():
    backoff = EvictionBackoff()
    backoff.asked()
    backoff.accepted(10.0)
    assert backoff.next_due == 15.0 and backoff.attempts == 1
    assert backoff.pending_reason() == "eviction requested, pod terminating"
