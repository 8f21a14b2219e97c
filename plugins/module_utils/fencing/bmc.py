# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one adapter to BMCs: ``open_bmc(target, limits, system_uuid)`` picks the adapter for a
discovery.BmcTarget (shell).

``RedfishBmc`` (bmc_redfish.py) talks Redfish through sushy; ``AgentBmc`` (bmc_agent.py) runs a ClusterLabs
``fence_<name>`` binary. Both offer ``power_state()``, ``power_off()``, ``power_on()``, ``reboot()`` and
``graceful_shutdown()``, every power action verified (bmc_power.py). The names callers need are importable from
here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.workload.availability.plugins.module_utils.core.errors import BmcError
from ansible_collections.workload.availability.plugins.module_utils.fencing import discovery
from ansible_collections.workload.availability.plugins.module_utils.fencing.bmc_agent import AgentBmc
from ansible_collections.workload.availability.plugins.module_utils.fencing.bmc_power import (
    AGENT_FAILED, AUTH, NOT_ALLOWED, NOT_FOUND, OFF, ON, PROTOCOL, TIMEOUT, TLS, UNREACHABLE, Limits)
from ansible_collections.workload.availability.plugins.module_utils.fencing.bmc_redfish import (
    HAS_SUSHY, SUSHY_IMPORT_ERROR, RedfishBmc, same_uuid)

__all__ = ["open_bmc", "AgentBmc", "RedfishBmc", "BmcError", "Limits", "same_uuid", "HAS_SUSHY", "SUSHY_IMPORT_ERROR",
           "ON", "OFF", "AGENT_FAILED", "AUTH", "NOT_ALLOWED", "NOT_FOUND", "PROTOCOL", "TIMEOUT", "TLS", "UNREACHABLE"]


def open_bmc(target, limits=None, system_uuid=None, clock=time.monotonic, sleep=time.sleep):
    """The adapter for ``target`` (a discovery.BmcTarget)."""
    limits = limits or Limits()
    if target.power_timeout and not limits.power_timeout:
        limits.power_timeout = target.power_timeout
    if target.protocol == discovery.AGENT:
        return AgentBmc(target, limits, clock=clock, sleep=sleep)
    return RedfishBmc(target, limits, system_uuid=system_uuid, clock=clock, sleep=sleep)
