"""Pure builders for the sushy-emulator configuration and the BMC settings of the lab."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import bcrypt

from lab.bmc import vendor_id

PRESETS = {
    # power_delay: None keeps the emulator's own random 1-11 s; (lo, hi) goes through the short-delay wrapper.
    # system_id: the path id of each node's System on its own BMC port ("1", "System.Embedded.1" or "uuid").
    "fast": {
        "power_delay": None,
        "poll_interval": 0.2,
        "slow_seconds": 5.0,
        "single_port_above": 200,
        "system_id": "1",
    },
    "realistic": {
        "power_delay": None,
        "poll_interval": 1.0,
        "slow_seconds": 20.0,
        "single_port_above": 200,
        "system_id": "1",
    },
}

OVERRIDE_PREFIX = "bmc_"


def settings(preset: str, overrides: dict | None) -> dict:
    """The BMC time constants: the preset's table, then lab overrides named `bmc_<key>`."""
    values = dict(PRESETS.get(preset, PRESETS["fast"]))
    for key, value in (overrides or {}).items():
        if key.startswith(OVERRIDE_PREFIX) and key[len(OVERRIDE_PREFIX):] in values:
            values[key[len(OVERRIDE_PREFIX):]] = value
    for key in ("poll_interval", "slow_seconds"):
        values[key] = float(values[key])
    values["single_port_above"] = int(values["single_port_above"])
    values["system_id"] = vendor_id.checked(values["system_id"])
    delay = values["power_delay"]
    if delay in ("", "none", "None", "random"):
        delay = None
    if isinstance(delay, str):   # from the command line: "0,1", "0-1" or "2"
        delay = [part for part in delay.replace("-", ",").split(",") if part.strip()]
        delay = delay * 2 if len(delay) == 1 else delay
    values["power_delay"] = None
    if delay is not None:
        low, high = delay
        values["power_delay"] = (int(low), int(high))
    return values


@dataclass(frozen=True)
class SystemSpec:
    node: str
    uuid: str
    powered: bool
    mac: str = ""


@dataclass
class EmulatorConfig:
    port: int
    state_dir: str
    systems: list
    notification_url: str | None = None
    auth_file: str | None = None
    extra: dict = field(default_factory=dict)


def mac_for(node: str) -> str:
    """A stable locally-administered MAC per node name (52:54:00 is the KVM prefix used by libvirt)."""
    digest = hashlib.sha256(node.encode()).digest()
    return "52:54:00:%02x:%02x:%02x" % (digest[0], digest[1], digest[2])


def fake_systems(specs: list[SystemSpec], notify: bool) -> list[dict]:
    return [
        {
            "uuid": spec.uuid,
            "name": spec.node,
            "power_state": "On" if spec.powered else "Off",
            "external_notifier": notify,
            "nics": [{"mac": spec.mac or mac_for(spec.node), "ip": "127.0.0.1"}],
        }
        for spec in specs
    ]


def render_config(config: EmulatorConfig) -> str:
    """The Python file sushy-emulator loads with --config."""
    values = {
        "SUSHY_EMULATOR_LISTEN_IP": "127.0.0.1",
        "SUSHY_EMULATOR_LISTEN_PORT": config.port,
        "SUSHY_EMULATOR_FAKE_DRIVER": True,
        "SUSHY_EMULATOR_FAKE_SYSTEMS": fake_systems(config.systems, config.notification_url is not None),
        "SUSHY_EMULATOR_STATE_DIR": config.state_dir,
    }
    if config.notification_url:
        values["EXTERNAL_NOTIFICATION_URL"] = config.notification_url
    if config.auth_file:
        values["SUSHY_EMULATOR_AUTH_FILE"] = config.auth_file
    values.update(config.extra)
    return "".join(f"{key} = {value!r}\n" for key, value in values.items())


def htpasswd_line(username: str, password: str, cost: int = 4) -> str:
    """One htpasswd entry with a bcrypt digest, the only kind sushy-emulator accepts."""
    digest = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=cost)).decode()
    return f"{username}:{digest}\n"


def credentials(seed: int) -> tuple[str, str]:
    """Deterministic per-lab credentials, so a lab's inventory is reproducible from its seed."""
    token = hashlib.sha256(f"lab-bmc-{seed}".encode()).hexdigest()[:16]
    return "admin", f"bmc-{token}"
