# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one adapter to BMCs.

``RedfishBmc`` talks Redfish through sushy with a connector whose timeouts and retries are ours (sushy's defaults
can block for about ten minutes on a dead BMC). ``AgentBmc`` runs a ClusterLabs ``fence_<name>`` binary for BMCs
that do not speak Redfish. Both offer ``power_state()``, ``power_off()``, ``power_on()``, ``reboot()`` and
``graceful_shutdown()``, and every power action is **verified**: after the command the power state is read back
until it reaches the expected value or ``power_timeout`` passes, which raises ``BmcError(kind="timeout")``.
An exit code or an HTTP 2xx alone never counts as success.

``open_bmc(target, limits, system_uuid)`` picks the right class for a ``bmc_discovery.BmcTarget``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import shutil
import subprocess
import time

try:
    import requests
    import sushy
    from sushy import auth as sushy_auth
    from sushy import connector as sushy_connector
    from sushy import exceptions as sushy_exceptions
    HAS_SUSHY = True
    SUSHY_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module through missing_required_lib
    HAS_SUSHY = False
    SUSHY_IMPORT_ERROR = exc

from ansible_collections.workload.availability.plugins.module_utils import bmc_discovery
from ansible_collections.workload.availability.plugins.module_utils import fence_params

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


class BmcError(Exception):
    """A BMC operation failed. ``kind`` is one of unreachable, tls, auth, not_allowed, timeout, not_found, protocol,
    agent; ``state`` is the last power state read (or None); ``actions`` the actions done before the failure."""

    def __init__(self, kind, message, state=None, actions=None):
        super(BmcError, self).__init__(message)
        self.kind = kind
        self.message = message
        self.state = state
        self.actions = list(actions or [])

    def __str__(self):
        return self.message


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


def open_bmc(target, limits=None, system_uuid=None, clock=time.monotonic, sleep=time.sleep):
    """The adapter for ``target`` (a bmc_discovery.BmcTarget)."""
    limits = limits or Limits()
    if target.power_timeout and not limits.power_timeout:
        limits.power_timeout = target.power_timeout
    if target.protocol == bmc_discovery.AGENT:
        return AgentBmc(target, limits, clock=clock, sleep=sleep)
    return RedfishBmc(target, limits, system_uuid=system_uuid, clock=clock, sleep=sleep)


def _now_text():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _PowerActions(object):
    """The verified power sequence shared by both adapters; subclasses provide ``_read_state`` and ``_send``."""

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
        record = {"action": action, "reset_type": reset_type, "started_at": _now_text(), "state_before": before}
        if before == expected:
            record.update(sent=False, state=before, verified=True, seconds=round(self.clock() - started, 3))
            self.actions.append(record)
            return record
        self._send(action, reset_type)
        record["sent"] = True
        state = self._wait_for(expected, started, record)
        record.update(state=state, verified=True, seconds=round(self.clock() - started, 3),
                      confirmed_at=_now_text())
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


class RedfishBmc(_PowerActions):
    """A Redfish System reached through sushy."""

    def __init__(self, target, limits, system_uuid=None, clock=time.monotonic, sleep=time.sleep):
        super(RedfishBmc, self).__init__(limits, clock, sleep)
        if not HAS_SUSHY:
            raise BmcError(PROTOCOL, "the sushy Python library is required for Redfish: %s" % SUSHY_IMPORT_ERROR)
        self.target = target
        self.system_uuid = system_uuid
        self.requests = 0
        self._root = None
        self._system = None
        self._fresh = False
        self.system_path = None
        self.system_bmc_uuid = None

    def describe(self):
        return "BMC %s%s" % (self.target.base_url, (" " + self.system_path) if self.system_path else "")

    def _count(self, _response):
        self.requests += 1

    # -- connection and System selection -------------------------------------------------------------------
    def connect(self):
        if self._system is not None:
            return self._system
        verify = self.target.ca_path if (self.target.verify and self.target.ca_path) else bool(self.target.verify)
        conn = sushy_connector.Connector(
            self.target.base_url, verify=verify, response_callback=self._count,
            server_side_retries=self.limits.retries, server_side_retries_delay=self.limits.retry_interval,
            default_request_timeout=self.limits.timeout, connect_timeout=self.limits.timeout)
        auth = sushy_auth.BasicAuth(username=self.target.username, password=self.target.password)
        self._root = self._call(lambda: sushy.Sushy(self.target.base_url, auth=auth, connector=conn,
                                                    root_prefix=self.target.root_prefix), "connect")
        self._system = self._select_system()
        self._fresh = True
        return self._system

    def _select_system(self):
        if self.target.systems_uri:
            system = self._call(lambda: self._root.get_system(self.target.systems_uri), "read System")
            self.system_path = system.path
            self.system_bmc_uuid = system.uuid
            if self.system_uuid and system.uuid and not same_uuid(system.uuid, self.system_uuid):
                raise BmcError(
                    NOT_FOUND, "%s reports UUID %s but the node's systemUUID is %s: refusing to act on what may be "
                    "another machine (check systems_uri)" % (self.describe(), system.uuid, self.system_uuid))
            return system
        if not self.system_uuid:
            raise BmcError(
                NOT_FOUND, "BMC %s: no systems_uri given and the node reports no status.nodeInfo.systemUUID to "
                "match a System by; set bmc.systems_uri (or --systems-uri)" % self.target.base_url)
        collection = self._call(self._root.get_system_collection, "list Systems")
        seen = []
        for path in collection.members_identities:
            system = self._call(lambda p=path: self._root.get_system(p), "read System")
            seen.append("%s (UUID %s)" % (path, system.uuid))
            if system.uuid and same_uuid(system.uuid, self.system_uuid):
                self.system_path = system.path
                self.system_bmc_uuid = system.uuid
                return system
        raise BmcError(
            NOT_FOUND, "BMC %s has no System with UUID %s (the node's systemUUID); it has %s. Set "
            "bmc.systems_uri to choose one" % (self.target.base_url, self.system_uuid, ", ".join(seen) or "none"))

    # -- power ----------------------------------------------------------------------------------------------
    def allowed_reset_types(self):
        system = self.connect()
        return sorted(str(getattr(v, "value", v)) for v in system.get_allowed_reset_system_values())

    def _read_state(self):
        system = self.connect()
        if self._fresh:
            self._fresh = False  # selecting the System has just read it
        else:
            self._call(lambda: system.refresh(force=True), "read PowerState")
        state = system.power_state
        return str(getattr(state, "value", state)) if state is not None else None

    def reset(self, reset_type, expect):
        """Send any allowed ResetType and wait for ``expect`` (``On``/``Off``)."""
        return self._ensure(expect, reset_type, reset_type)

    def _send(self, action, reset_type):
        system = self.connect()
        allowed = self.allowed_reset_types()
        if reset_type not in allowed:
            raise BmcError(NOT_ALLOWED, "%s does not allow ResetType %s for %s; allowed: %s"
                           % (self.describe(), reset_type, action, ", ".join(allowed)), actions=self.actions)
        attempts = max(1, self.limits.retries + 1)
        for attempt in range(attempts):
            try:
                self._call(lambda: system.reset_system(sushy.ResetType(reset_type)), "send %s" % reset_type)
                return
            except BmcError as error:
                if error.kind != PROTOCOL or attempt == attempts - 1:
                    raise
                # A 5xx answer does not say whether the command was applied: retry it only after looking.
                self.sleep(self.limits.retry_interval)
                state = self._read_state()
                if (reset_type == "On" and state == ON) or (reset_type != "On" and state == OFF):
                    return

    def _call(self, fn, what):
        try:
            return fn()
        except sushy_exceptions.ConnectionError as error:
            cause = error.__context__
            if requests is not None and isinstance(cause, requests.exceptions.SSLError):
                raise BmcError(TLS, "%s: TLS verification failed while trying to %s (%s); give the BMC's CA in "
                               "bmc.ca_path, or set bmc.validate_certs=false / --ssl-insecure only if you accept "
                               "an unverified BMC" % (self.describe(), what, _short(cause)), actions=self.actions)
            raise BmcError(UNREACHABLE, "%s is unreachable (could not %s within %ss, %d attempts): %s"
                           % (self.describe(), what, int(self.limits.timeout), self.limits.retries or 3,
                              _short(cause or error)), actions=self.actions)
        except sushy_exceptions.AccessError as error:
            raise BmcError(AUTH, "%s rejected the credentials of user %r while trying to %s (HTTP %s)"
                           % (self.describe(), self.target.username, what, error.status_code),
                           actions=self.actions)
        except sushy_exceptions.ResourceNotFoundError:
            raise BmcError(NOT_FOUND, "%s: %s not found while trying to %s; check systems_uri / --systems-uri"
                           % (self.target.base_url, self.target.systems_uri or "resource", what),
                           actions=self.actions)
        except sushy_exceptions.HTTPError as error:
            raise BmcError(PROTOCOL, "%s answered HTTP %s while trying to %s: %s"
                           % (self.describe(), error.status_code, what, error.detail or error.code),
                           actions=self.actions)
        except sushy_exceptions.SushyError as error:
            raise BmcError(PROTOCOL, "%s: could not %s: %s" % (self.describe(), what, error), actions=self.actions)


def same_uuid(a, b):
    """SMBIOS UUIDs compared case-insensitively, also with the first three fields byte-swapped (some firmware
    reports them little-endian, others big-endian)."""
    a = a.strip().lower()
    b = b.strip().lower()
    return a == b or _swap_uuid(a) == b


def _swap_uuid(text):
    parts = text.split("-")
    if len(parts) != 5:
        return text
    swapped = ["".join(reversed([p[i:i + 2] for i in range(0, len(p), 2)])) for p in parts[:3]]
    return "-".join(swapped + parts[3:])


def _short(error):
    text = str(error)
    return text if len(text) < 300 else text[:297] + "..."


class AgentBmc(_PowerActions):
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
        shown = fence_params.FenceParameters(self.parameters, {}).redacted()
        return fence_params.agent_argv(self.agent, shown)

    def run(self, action):
        """Run the agent once; returns (exit code, stdout, stderr) with secrets removed from the text."""
        options = dict(self.parameters)
        options["--action"] = action
        stdin = fence_params.agent_stdin(options)
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
        for value in fence_params.FenceParameters(self.parameters, {}).sensitive_values():
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
