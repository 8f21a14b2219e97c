# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The verified power sequence every BMC adapter shares (shell: it sleeps while it polls), its bounds and the BMC
error kinds.

Every power action is **verified**: after the command the power state is read back until it reaches the expected
value or ``power_timeout`` passes, which raises ``BmcError(kind="timeout")``. An exit code or an HTTP 2xx alone
never counts as success.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core.clock import now_text
from ansible_collections.workload.availability.plugins.module_utils.core.errors import BmcError

ON = "On"
OFF = "Off"

# BmcError kinds
UNREACHABLE = "unreachable"
TLS = "tls"
AUTH = "auth"
NOT_ALLOWED = "not_allowed"
TIMEOUT = "timeout"
NOT_FOUND = "not_found"
PROTOCOL = "protocol"
AGENT_FAILED = "agent"


class Limits(object):
    """Bounds of every BMC interaction (seconds)."""

    def __init__(self, timeout=10, retries=2, retry_interval=1, power_timeout=60, poll_interval=1.0,
                 agent_timeout=None):
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.retry_interval = float(retry_interval)
        self.power_timeout = float(power_timeout)
        self.poll_interval = float(poll_interval)
        self.agent_timeout = float(agent_timeout) if agent_timeout else self.power_timeout + 4 * self.timeout


class PowerActions(object):
    """The verified power sequence; adapters provide ``_read_state``, ``_send`` and ``describe``."""

    def __init__(self, limits, clock, sleep):
        self.limits = limits
        self.clock = clock
        self.sleep = sleep
        self.actions = []

    def power_state(self):
        return self._read_state()

    def power_off(self):
        return self._ensure(OFF, "off", "ForceOff")

    def power_on(self):
        return self._ensure(ON, "on", "On")

    def graceful_shutdown(self):
        return self._ensure(OFF, "graceful_shutdown", "GracefulShutdown")

    def reboot(self):
        """Off, confirmed Off, On, confirmed On (an already-off machine is only powered on)."""
        self.power_off()
        return self.power_on()

    def _ensure(self, expected, action, reset_type):
        started = self.clock()
        before = self._read_state()
        record = {"action": action, "reset_type": reset_type, "started_at": now_text(), "state_before": before}
        if before == expected:
            record.update(sent=False, state=before, verified=True, seconds=round(self.clock() - started, 3))
            self.actions.append(record)
            return record
        self._send(action, reset_type)
        record["sent"] = True
        state = self._wait_for(expected, started, record)
        record.update(state=state, verified=True, seconds=round(self.clock() - started, 3),
                      confirmed_at=now_text())
        self.actions.append(record)
        return record

    def _wait_for(self, expected, started, record):
        deadline = started + self.limits.power_timeout
        state = None
        while True:
            state = self._read_state()
            if state == expected:
                return state
            if self.clock() >= deadline:
                record.update(state=state, verified=False, seconds=round(self.clock() - started, 3))
                self.actions.append(record)
                raise BmcError(
                    TIMEOUT, "%s: the BMC accepted %s but the power state is still %s after %ss (expected %s)"
                    % (self.describe(), record["reset_type"], state, int(self.limits.power_timeout), expected),
                    state=state, actions=self.actions)
            self.sleep(min(self.limits.poll_interval, max(0.0, deadline - self.clock())))


def short_text(error):
    text = str(error)
    return text if len(text) < 300 else text[:297] + "..."
