"""Seeded load profiles: the fraction of its size a VM or pod uses at time t (pure, deterministic)."""

from __future__ import annotations

import math
import zlib

PROFILES = ("steady", "noisy", "diurnal", "spike")

DEFAULT_TIMING = {
    "noise_period": 20.0,       # seconds between independent noise knots (values interpolate in between)
    "diurnal_period": 86400.0,  # one day; the fast preset shrinks it
    "spike_every": 600.0,       # a spike starts once per this many seconds, at a seeded offset
    "spike_length": 90.0,
}


def _unit(key: str, index: int) -> float:
    """A deterministic pseudo-random number in [-1, 1] for (key, index)."""
    return zlib.crc32(f"{key}#{index}".encode()) / 0xFFFFFFFF * 2.0 - 1.0


def smooth_noise(key: str, t: float, period: float) -> float:
    position = t / period
    index = math.floor(position)
    weight = position - index
    return _unit(key, index) * (1 - weight) + _unit(key, index + 1) * weight


def pick_profile(key: str) -> str:
    return PROFILES[zlib.crc32(key.encode()) % len(PROFILES)]


def pick_mean(key: str, low: float, high: float) -> float:
    return low + (zlib.crc32((key + "/mean").encode()) / 0xFFFFFFFF) * (high - low)


def fraction(profile: str, mean: float, key: str, t: float, timing: dict | None = None,
             dimension: str = "cpu") -> float:
    """Utilization in [0.01, 1] of a workload's size. Memory moves the same way but a quarter as much."""
    timing = timing or DEFAULT_TIMING
    scale = 1.0 if dimension == "cpu" else 0.25
    key = f"{key}/{dimension}"
    if profile == "steady":
        value = mean * (1 + 0.03 * scale * smooth_noise(key, t, timing["noise_period"]))
    elif profile == "noisy":
        value = mean * (1 + 0.45 * scale * smooth_noise(key, t, timing["noise_period"] / 2))
    elif profile == "diurnal":
        phase = (zlib.crc32(key.encode()) % 1000) / 1000.0
        value = mean * (1 + 0.6 * scale * math.sin(2 * math.pi * (t / timing["diurnal_period"] + phase)))
    elif profile == "spike":
        offset = (zlib.crc32(key.encode()) % 1000) / 1000.0 * timing["spike_every"]
        in_spike = (t - offset) % timing["spike_every"] < timing["spike_length"]
        base = mean * (1 - 0.5 * scale)
        value = base + (max(0.95, mean) - base) * scale if in_spike else base
    else:
        raise ValueError(f"unknown load profile {profile!r}; expected one of {', '.join(PROFILES)}")
    return min(1.0, max(0.01, value))
