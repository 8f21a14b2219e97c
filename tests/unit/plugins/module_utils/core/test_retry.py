# -*- coding: utf-8 -*-
# Copyright: (c) 2026, workload.availability contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.workload.availability.plugins.module_utils.core.retry import RetryPolicy, parse_retry_after


@pytest.mark.parametrize("status", [None, 429, 500, 502, 503, 504])
def test_transient_statuses_are_retried_until_the_last_attempt(status):
    policy = RetryPolicy(attempts=3)
    assert policy.should_retry(status, 1) and policy.should_retry(status, 2)
    assert not policy.should_retry(status, 3)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 422])
def test_answers_are_not_retried(status):
    assert not RetryPolicy().should_retry(status, 1)


def test_backoff_grows_exponentially_up_to_the_cap_with_full_jitter():
    policy = RetryPolicy(base_delay=0.5, max_delay=3.0)
    assert [policy.delay(n, rand=lambda: 1.0) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert policy.delay(3, rand=lambda: 0.25) == 0.5
    assert policy.delay(1, rand=lambda: 0.0) == 0.0


def test_retry_after_is_a_floor_bounded_by_max_retry_after():
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, max_retry_after=10.0)
    assert policy.delay(1, retry_after=4, rand=lambda: 1.0) == 4.0
    assert policy.delay(4, retry_after=2, rand=lambda: 1.0) == 8.0
    assert policy.delay(1, retry_after=60, rand=lambda: 1.0) == 10.0


def test_invalid_policies_are_refused():
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base_delay=-1)


@pytest.mark.parametrize("header, seconds", [("3", 3.0), (" 1.5 ", 1.5), (None, None), ("soon", None),
                                             ("-2", None), ("Wed, 21 Oct 2026 07:28:00 GMT", None)])
def test_parse_retry_after(header, seconds):
    assert parse_retry_after(header) == seconds
