"""BmcComponent: one emulated Redfish BMC per node, wired to the machines' power, with runtime faults."""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import time

from lab.bmc import baremetalhosts as bmh
from lab.bmc.certs import issue_server_cert, make_ca, server_context
from lab.bmc.config import EmulatorConfig, SystemSpec, credentials, htpasswd_line, mac_for, settings
from lab.bmc.emulator import EmulatorProcess, free_port
from lab.bmc.fake_state import FakeSystemsState
from lab.bmc.fault_proxy import FaultProxy
from lab.bmc.faults import DESCRIPTIONS, MODES, NO_FAULT, Fault
from lab.bmc.notify_listener import NotifyListener
from lab.bmc.power_sync import PowerSync
from lab.olm.crd_builder import install

LOG = logging.getLogger(__name__)

# `lab fail NODE --mode M`: the two modes of the issue, plus bmc-<fault> for every proxy fault.
LAB_FAULT_MODES = {"bmc-down": Fault("blackhole")}
LAB_FAULT_MODES.update({f"bmc-{mode}": Fault(mode) for mode in MODES if mode != "none"})
POWER_OFF_MODE = "power-off"


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class BmcComponent:
    name = "bmc"

    def __init__(self, lab, machines=None):
        self.lab = lab
        self._machines = machines
        self.settings = settings(getattr(lab, "preset", "fast"), getattr(lab, "overrides", None))
        self.enabled = getattr(lab, "bmc", True)
        self.auth_enabled = getattr(lab, "bmc_auth", True)
        self.tls_enabled = getattr(lab, "bmc_tls", False)
        self.username, self.password = credentials(getattr(lab, "seed", 0))
        self.workdir = os.path.join(str(getattr(lab, "workdir", ".")), "bmc")
        self.ca_path: str | None = None
        self.emulator: EmulatorProcess | None = None
        self.proxy: FaultProxy | None = None
        self.sync: PowerSync | None = None
        self.listener: NotifyListener | None = None
        self.state: FakeSystemsState | None = None
        self.uuid_of: dict[str, str] = {}
        self.role_of: dict[str, str] = {}
        self.psu_dead: set[str] = set()
        self._machines_token = None
        self._store_token = None
        self._nodelink = None

    # ---------------------------------------------------------------- wiring
    @property
    def machines(self):
        if self._machines is None:
            if "cluster" not in getattr(self.lab, "components", {}):
                raise RuntimeError("the bmc component needs the cluster component (its machines) to run")
            self._machines = self.lab.component("cluster").machines
        return self._machines

    @property
    def store(self):
        return getattr(self.lab, "store", None)

    def start(self) -> None:
        if not self.enabled:
            return
        machines = self.machines
        specs = []
        for node in machines.names():
            machine = machines.get(node)
            self.uuid_of[node] = machine.system_uuid
            self.role_of[node] = "master" if getattr(machine, "role", "worker") in ("master", "control-plane") \
                else self._role(node)
            specs.append(SystemSpec(node, machine.system_uuid, bool(machine.powered)))
        shutil.rmtree(self.workdir, ignore_errors=True)   # the emulator's state must not survive a lab run
        os.makedirs(self.workdir)
        state_dir = os.path.join(self.workdir, "state")
        auth_file = None
        if self.auth_enabled:
            auth_file = os.path.join(self.workdir, "htpasswd")
            with open(auth_file, "w", encoding="utf-8") as handle:
                handle.write(htpasswd_line(self.username, self.password))
        self.sync = PowerSync(None, None, machines, {u: n for n, u in self.uuid_of.items()},
                              self.settings["poll_interval"], on_reported=self._reported)
        self.listener = NotifyListener(self.sync.notified)
        self.listener.start()
        config = EmulatorConfig(port=free_port(), state_dir=state_dir, systems=specs,
                                notification_url=self.listener.url, auth_file=auth_file)
        self.emulator = EmulatorProcess(self.workdir, config, self.settings["power_delay"],
                                        auth=(self.username, self.password) if self.auth_enabled else None)
        self.emulator.start()
        self.state = FakeSystemsState(state_dir)
        self.sync.emulator, self.sync.state = self.emulator, self.state
        self.proxy = FaultProxy(config.port, list(self.uuid_of.items()), ssl_context=self._tls_context(),
                                single_port=len(specs) > self.settings["single_port_above"],
                                default_slow=self.settings["slow_seconds"], system_id=self.settings["system_id"])
        self.proxy.start()
        self._machines_token = machines.subscribe(self._machine_changed) if hasattr(machines, "subscribe") else None
        self._publish_objects()
        self._start_nodelink()
        self.sync.start()
        server = getattr(self.lab, "server", None)
        if server is not None and hasattr(server, "register_control"):
            from lab.bmc.control import control_handler
            server.register_control("bmc", control_handler(self))

    def _start_nodelink(self) -> None:
        """Like OpenShift's nodelink controller: a Node (re-)registered by its kubelet gets its Machine annotation."""
        if self.store is None:
            return
        from lab.olm.scheduler import Scheduler
        self._nodelink = Scheduler("lab-bmc-nodelink")
        self._nodelink.start()

        def on_event(event_type, key, obj, old_obj):
            if key == "nodes" and event_type == "ADDED" and obj["metadata"]["name"] in self.uuid_of:
                node = obj["metadata"]["name"]
                self._nodelink.call(lambda: self._annotate_node(node))
        self._store_token = self.store.subscribe(on_event)

    def stop(self) -> None:
        if self._store_token is not None:
            self.store.unsubscribe(self._store_token)
            self._store_token = None
        if self._nodelink is not None:
            self._nodelink.stop()
            self._nodelink = None
        if self._machines_token is not None:
            self._machines.unsubscribe(self._machines_token)
            self._machines_token = None
        for part in (self.sync, self.proxy, self.listener, self.emulator):
            if part is not None:
                try:
                    part.stop()
                except Exception:  # noqa: BLE001 - stop everything we can
                    LOG.exception("stopping %s failed", type(part).__name__)
        self.sync = self.proxy = self.listener = self.emulator = None

    def _tls_context(self):
        if not self.tls_enabled:
            return None
        server = getattr(self.lab, "server", None)
        lab_tls = getattr(server, "tls_files", None) or {}
        if all(lab_tls.get(k) and os.path.exists(lab_tls[k]) for k in ("ca", "cert", "key")):
            # The API server's certificate is issued by the lab CA for 127.0.0.1: the BMCs present it too.
            self.ca_path = lab_tls["ca"]
            return server_context(lab_tls["cert"], lab_tls["key"])
        ca_cert, ca_key = make_ca(self.workdir)
        self.ca_path = ca_cert
        cert, key = issue_server_cert(self.workdir, ca_cert, ca_key)
        return server_context(cert, key)

    def _role(self, node: str) -> str:
        if self.store is None:
            return "worker"
        try:
            labels = self.store.get("nodes", None, node).get("metadata", {}).get("labels", {})
        except Exception:  # noqa: BLE001 - node object not there (yet)
            return "worker"
        if "node-role.kubernetes.io/master" in labels or "node-role.kubernetes.io/control-plane" in labels:
            return "master"
        return "worker"

    # ---------------------------------------------------------------- addresses
    def base_url(self, node: str) -> str:
        return self.proxy.base_url(node)

    def systems_uri(self, node: str) -> str:
        """`/redfish/v1/Systems/1` (or the configured vendor id) on a node's own port, else the UUID path."""
        return self.proxy.system_path(node)

    def address(self, node: str) -> str:
        return bmh.bmc_address(self.tls_enabled, self.proxy.port(node), self.systems_uri(node))

    def inventory_vars(self) -> dict:
        """Variables for the lab inventory: `lab_bmc_hosts` maps each node to its host vars."""
        hosts = self.inventory_hosts()
        return {"lab_bmc_hosts": hosts} if hosts else {}

    def inventory_hosts(self) -> dict:
        """Per node: bmc_address, bmc_username, bmc_password, bmc_systems_uri, bmc_validate_certs, bmc_ca_path."""
        if not self.enabled or self.proxy is None:
            return {}
        hosts = {}
        for node in self.uuid_of:
            hosts[node] = {
                "bmc_address": self.base_url(node),
                "bmc_username": self.username if self.auth_enabled else "",
                "bmc_password": self.password if self.auth_enabled else "",
                "bmc_systems_uri": self.systems_uri(node),
                "bmc_validate_certs": bool(self.tls_enabled),
                "bmc_ca_path": self.ca_path or "",
            }
        return hosts

    # ---------------------------------------------------------------- faults and controls
    def handles_fault(self, mode: str) -> bool:
        return self.enabled and (mode == POWER_OFF_MODE or mode in LAB_FAULT_MODES)

    def fail(self, node: str, mode: str) -> None:
        if mode == POWER_OFF_MODE:
            self.cut_power(node)
        elif mode in LAB_FAULT_MODES:
            self.set_fault(node, LAB_FAULT_MODES[mode])
        else:
            raise ValueError(f"the BMC component does not handle fault mode {mode!r}")

    def recover(self, node: str) -> None:
        if self.proxy is None or node not in self.uuid_of:
            return
        self.set_fault(node, NO_FAULT)
        if node in self.psu_dead:
            self.psu_dead.discard(node)
            self.state.force_power(self.uuid_of[node], "On")
            self.sync.reconcile({self.uuid_of[node]: self.state.get(self.uuid_of[node])})

    def set_fault(self, node: str, fault: Fault) -> None:
        self.proxy.set_fault(node, fault)
        LOG.info("BMC of %s: fault %s", node, fault.mode)
        self._record_host_error(node, *bmh.error_for_fault(fault.mode))

    def _record_host_error(self, node: str, error_type: str, message: str) -> None:
        """The BareMetalHost shows an unreachable or refusing BMC, as the baremetal-operator reports it."""
        if self.store is None:
            return

        def update(obj):
            status = obj.get("status") or {}
            if status.get("errorType", "") == error_type:
                return None
            status.update({"errorType": error_type, "errorMessage": message, "lastUpdated": _now(),
                           "operationalStatus": "error" if error_type else "OK",
                           "errorCount": status.get("errorCount", 0) + (1 if error_type else 0)})
            obj["status"] = status
            return obj
        try:
            self.store.mutate(bmh.BMH_KEY, bmh.NAMESPACE, node, update, subresource="status")
        except Exception:  # noqa: BLE001 - host object deleted by a user
            LOG.debug("BareMetalHost %s not updated", node)

    def cut_power(self, node: str) -> None:
        """The machine loses power as if its PSU died: no Redfish command, the BMC reports Off from now on."""
        uuid = self.uuid_of[node]
        self.psu_dead.add(node)
        self.state.force_power(uuid, "Off")
        self.sync.reconcile({uuid: self.state.get(uuid)})

    def _machine_changed(self, node: str, change: str) -> None:
        """Power changed by something other than the BMC: make the BMC report the truth."""
        if self.state is None or node not in self.uuid_of or change not in ("power_off", "power_on"):
            return
        uuid = self.uuid_of[node]
        system = self.state.get(uuid)
        wanted = "Off" if change == "power_off" else "On"
        if system.get("power_state") != wanted and not system.get("pending_power"):
            self.state.force_power(uuid, wanted)

    def _reported(self, node: str, power_state: str) -> None:
        if self.store is None:
            return
        powered = power_state == "On"

        def update(obj):
            status = obj.get("status") or {}
            if status.get("poweredOn") == powered:
                return None
            status["poweredOn"] = powered
            status["lastUpdated"] = _now()
            obj["status"] = status
            return obj
        try:
            self.store.mutate(bmh.BMH_KEY, bmh.NAMESPACE, node, update, subresource="status")
        except Exception:  # noqa: BLE001 - host object deleted by a user: nothing to keep current
            LOG.debug("BareMetalHost %s not updated", node)

    # ---------------------------------------------------------------- API objects
    def _publish_objects(self) -> None:
        store = self.store
        if store is None:
            return
        install(self.lab, bmh.bmh_crd())
        install(self.lab, bmh.machine_crd())
        _create(store, "namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                      "metadata": {"name": bmh.NAMESPACE}})
        for node, uuid in self.uuid_of.items():
            role = self.role_of[node]
            _create(store, "secrets", bmh.credentials_secret(node, self.username, self.password))
            _create(store, bmh.MACHINE_KEY, bmh.machine(node, role), status=bmh.machine_status(node))
            host = bmh.baremetalhost(node, self.address(node), mac_for(node), self.tls_enabled, role)
            _create(store, bmh.BMH_KEY, host,
                    status=bmh.baremetalhost_status(self.machines.is_powered(node), role, _now()))
            self._annotate_node(node)

    def _annotate_node(self, node: str) -> None:
        value = f"{bmh.NAMESPACE}/{bmh.machine_name(node)}"

        def annotate(obj):
            annotations = obj["metadata"].setdefault("annotations", {})
            if annotations.get(bmh.MACHINE_ANNOTATION) == value:
                return None
            annotations[bmh.MACHINE_ANNOTATION] = value
            return obj
        try:
            self.store.mutate("nodes", None, node, annotate)
        except Exception:  # noqa: BLE001 - a lab without Node objects (BMC-only tests)
            LOG.debug("node %s not annotated", node)

    # ---------------------------------------------------------------- status
    def status(self) -> dict:
        if not self.enabled or self.proxy is None:
            return {"enabled": False}
        nodes = {}
        for node in self.uuid_of:
            nodes[node] = {"address": self.address(node), "fault": self.proxy.fault(node).to_dict()["mode"],
                           "reported_power": self.sync.reported.get(node, "?"),
                           "psu_dead": node in self.psu_dead}
        return {"enabled": True, "emulator_url": self.emulator.url, "tls": self.tls_enabled,
                "auth": self.auth_enabled, "ca_path": self.ca_path,
                "power_delay": self.settings["power_delay"] or "random 1-11 s (sushy-emulator)",
                "notifications": self.sync.notifications, "nodes": nodes, "fault_modes": DESCRIPTIONS}

    def render_status(self, status: dict) -> str:
        info = status
        if not info.get("enabled"):
            return "BMCs: disabled"
        lines = [f"BMCs: sushy-emulator {info['emulator_url']} (tls={info['tls']}, auth={info['auth']})"]
        for node, item in sorted(info["nodes"].items()):
            extra = " PSU-DEAD" if item["psu_dead"] else ""
            lines.append(f"  {node:<20} {item['reported_power']:<4} fault={item['fault']:<12} "
                         f"{item['address']}{extra}")
        return "\n".join(lines)

    def wait_power(self, node: str, powered: bool, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.machines.is_powered(node) == powered:
                return True
            time.sleep(0.05)
        return False


def _create(store, key: str, obj: dict, status: dict | None = None) -> None:
    try:
        created = store.create(key, obj)
    except Exception as exc:  # noqa: BLE001 - AlreadyExists keeps the existing object
        if getattr(exc, "code", None) == 409:
            return
        raise
    if status is not None:
        created["status"] = status
        store.update(key, created, subresource="status")
