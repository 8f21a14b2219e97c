"""Emulated Redfish BMCs for the lab: sushy-emulator, a per-node fault proxy, BareMetalHosts."""

from lab.bmc.component import BmcComponent

__all__ = ["BmcComponent"]
