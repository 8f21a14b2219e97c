# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Redfish System reached through sushy, with a connector whose timeouts and retries are ours (sushy's defaults can
block for about ten minutes on a dead BMC) (shell)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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

from ansible_collections.workload.availability.plugins.module_utils.core.errors import BmcError
from ansible_collections.workload.availability.plugins.module_utils.fencing.bmc_power import (
    AUTH, NOT_ALLOWED, NOT_FOUND, OFF, ON, PROTOCOL, TLS, UNREACHABLE, PowerActions, short_text)


class RedfishBmc(PowerActions):
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
                               "an unverified BMC" % (self.describe(), what, short_text(cause)), actions=self.actions)
            raise BmcError(UNREACHABLE, "%s is unreachable (could not %s within %ss, %d attempts): %s"
                           % (self.describe(), what, int(self.limits.timeout), self.limits.retries or 3,
                              short_text(cause or error)), actions=self.actions)
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
