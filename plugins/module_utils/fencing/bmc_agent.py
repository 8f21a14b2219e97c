# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A ClusterLabs fence agent binary (``fence_ipmilan``, ``fence_redfish`` ...) for BMCs that do not speak Redfish
(shell)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess
import time

from ansible_collections.workload.availability.plugins.module_utils.core.errors import BmcError
from ansible_collections.workload.availability.plugins.module_utils.fencing import far
from ansible_collections.workload.availability.plugins.module_utils.fencing.bmc_power import (
    AGENT_FAILED, AUTH, NOT_ALLOWED, OFF, ON, TIMEOUT, TLS, UNREACHABLE, PowerActions)


class AgentBmc(PowerActions):
    """A ClusterLabs fence agent binary (``fence_ipmilan``, ``fence_redfish`` ...).

    Options go to the agent as ``name=value`` lines on stdin with an empty argv, which fencing.py-based agents
    accept, so the password never appears in the process list. Exit codes: 0 success (``status``: On), 2
    (``status``: Off), anything else a failure. Every action is confirmed with ``--action status``."""

    SEARCH_PATH = ("/usr/sbin", "/sbin", "/usr/local/sbin")

    def __init__(self, target, limits, clock=time.monotonic, sleep=time.sleep, binary=None):
        super(AgentBmc, self).__init__(limits, clock, sleep)
        self.target = target
        self.agent = target.agent
        self.parameters = dict(target.agent_parameters or {})
        self.parameters.pop("--action", None)
        self.parameters.pop("-o", None)
        self.binary = binary or self._find_binary(self.agent)
        self.requests = 0
        self.runs = []

    def describe(self):
        return "fence agent %s (%s)" % (self.agent, self.target.host or "no --ip")

    @classmethod
    def _find_binary(cls, agent):
        found = shutil.which(agent) or next(
            (os.path.join(d, agent) for d in cls.SEARCH_PATH if os.access(os.path.join(d, agent), os.X_OK)), None)
        if not found:
            raise BmcError(AGENT_FAILED, "fence agent %s is not installed (looked in PATH and %s); install the "
                           "ClusterLabs fence-agents package (Debian/Ubuntu: fence-agents, RHEL: fence-agents-all)"
                           % (agent, ", ".join(cls.SEARCH_PATH)))
        return found

    def command_line(self):
        """The FAR-style argv, credentials hidden (for results; the agent itself gets stdin)."""
        shown = far.FenceParameters(self.parameters, {}).redacted()
        return far.agent_argv(self.agent, shown)

    def run(self, action):
        """Run the agent once; returns (exit code, stdout, stderr) with secrets removed from the text."""
        options = dict(self.parameters)
        options["--action"] = action
        stdin = far.agent_stdin(options)
        started = self.clock()
        try:
            proc = subprocess.run([self.binary], input=stdin, capture_output=True, text=True,
                                  timeout=self.limits.agent_timeout, env=dict(os.environ, LANG="C", LC_ALL="C"),
                                  check=False)
        except subprocess.TimeoutExpired:
            raise BmcError(TIMEOUT, "%s --action %s did not finish within %ss" % (
                self.describe(), action, int(self.limits.agent_timeout)), actions=self.actions)
        self.requests += 1
        stdout, stderr = self._clean(proc.stdout), self._clean(proc.stderr)
        self.runs.append({"action": action, "rc": proc.returncode, "seconds": round(self.clock() - started, 3),
                          "output": (stdout.strip() or stderr.strip())[-500:]})
        return proc.returncode, stdout, stderr

    def _clean(self, text):
        for value in far.FenceParameters(self.parameters, {}).sensitive_values():
            text = text.replace(value, "********")
        return text

    def _read_state(self):
        rc, stdout, stderr = self.run("status")
        if rc == 0:
            return ON
        if rc == 2:
            return OFF
        raise BmcError(self._classify(stderr + stdout), "%s --action status failed (exit %s): %s"
                       % (self.describe(), rc, _last_line(stderr or stdout)), actions=self.actions)

    def _send(self, action, reset_type):
        agent_action = "on" if action == "on" else "off"
        if action == "graceful_shutdown":
            raise BmcError(NOT_ALLOWED, "%s has no graceful shutdown action; allowed: on, off, reboot, status"
                           % self.describe(), actions=self.actions)
        rc, stdout, stderr = self.run(agent_action)
        if rc != 0:
            raise BmcError(self._classify(stderr + stdout), "%s --action %s failed (exit %s): %s"
                           % (self.describe(), agent_action, rc, _last_line(stderr or stdout)),
                           actions=self.actions)

    @staticmethod
    def _classify(text):
        lowered = text.lower()
        if "ssl" in lowered or "certificate" in lowered:
            return TLS
        if "401" in lowered or "login" in lowered or "credential" in lowered or "password" in lowered:
            return AUTH
        if "timed out" in lowered and "power" in lowered:
            return TIMEOUT
        if "connect" in lowered or "unreachable" in lowered or "refused" in lowered:
            return UNREACHABLE
        return AGENT_FAILED


def _last_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
