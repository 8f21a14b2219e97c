"""One BMC endpoint per node in front of the shared sushy-emulator, with faults switchable at runtime.

Each node gets its own 127.0.0.1 port (its "BMC address"); the proxy forwards Redfish requests to the emulator,
shows each port only its own System, terminates TLS when the lab runs its BMCs with TLS, and injects the node's
current fault (see faults.py). For very large labs one shared port routes by the System in the path instead
(`single_port=True`): connection-level faults then degrade to their per-request nearest ("refuse" resets the
connection, "blackhole" hangs). With a vendor `system_id` ("1", "System.Embedded.1") each node's port shows its
System under that id, as a one-system BMC does (vendor_id.py); the UUID path keeps working. A shared port cannot
tell nodes apart by a vendor id, so it keeps the UUID paths.
"""

from __future__ import annotations

import http.client
import logging
import selectors
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from lab.bmc import routing, vendor_id
from lab.bmc.faults import NO_FAULT, Decision, Fault, decide, redfish_error

LOG = logging.getLogger(__name__)

HOP_BY_HOP = frozenset(["connection", "keep-alive", "transfer-encoding", "content-length", "server", "date",
                        "proxy-connection", "upgrade", "te", "trailer"])
HANG_LIMIT_SECONDS = 600.0


@dataclass
class Binding:
    node: str
    uuid: str
    port: int = 0
    fault: Fault = NO_FAULT
    listener: socket.socket | None = None
    blackhole: tuple | None = None
    connections: set = field(default_factory=set)


def _listen(port: int, backlog: int = 128) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(backlog)
    return sock


def _blackhole(port: int) -> tuple:
    """A socket whose accept queue is full and never drained: new SYNs are dropped, clients time out connecting."""
    sock = _listen(port, backlog=0)
    filler = socket.create_connection(("127.0.0.1", port), timeout=2)
    return sock, filler


class FaultProxy:
    def __init__(self, upstream_port: int, systems: list[tuple[str, str]], ssl_context: ssl.SSLContext | None = None,
                 single_port: bool = False, default_slow: float = 5.0, host: str = "127.0.0.1",
                 system_id: str = vendor_id.UUID_MODE):
        self.upstream_port = upstream_port
        self.ssl_context = ssl_context
        self.single_port = single_port
        self.vendor_id = None if single_port or system_id == vendor_id.UUID_MODE else system_id
        self.default_slow = default_slow
        self.host = host
        self.bindings = {node: Binding(node, uuid) for node, uuid in systems}
        self._by_identity = {}
        for binding in self.bindings.values():
            self._by_identity[binding.uuid] = binding
            self._by_identity[binding.node] = binding
        self.shared: Binding | None = Binding("*", "*") if single_port else None
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._commands: list = []
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.requests = 0

    # ---------------------------------------------------------------- lifecycle
    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context else "http"

    def start(self) -> None:
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        for binding in self._listening_bindings():
            binding.listener = _listen(binding.port)
            binding.port = binding.listener.getsockname()[1]
            self._selector.register(binding.listener, selectors.EVENT_READ, binding)
        self._thread = threading.Thread(target=self._accept_loop, name="bmc-fault-proxy", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()
        self._wake_w.send(b"x")
        if self._thread:
            self._thread.join(timeout=5)
        for binding in self._listening_bindings():
            self._close_listener(binding)
            self._drop_connections(binding)
        self._wake_r.close()
        self._wake_w.close()
        self._selector.close()

    def _listening_bindings(self) -> list[Binding]:
        return [self.shared] if self.single_port else list(self.bindings.values())

    # ---------------------------------------------------------------- addresses and faults
    def port(self, node: str) -> int:
        return self.shared.port if self.single_port else self.bindings[node].port

    def base_url(self, node: str) -> str:
        return f"{self.scheme}://{self.host}:{self.port(node)}"

    def system_path(self, node: str) -> str:
        """The path under which the node's BMC answers its System."""
        return vendor_id.system_path(self.vendor_id or self.bindings[node].uuid)

    def fault(self, node: str) -> Fault:
        return self.bindings[node].fault

    def set_fault(self, node: str, fault: Fault) -> None:
        binding = self.bindings[node]
        done = threading.Event()
        with self._changed:
            previous, binding.fault = binding.fault, fault
            self._changed.notify_all()
        if not self.single_port and previous.mode != fault.mode:
            self._commands.append((binding, done))
            self._wake_w.send(b"x")
            if not done.wait(timeout=5):
                raise RuntimeError(f"fault proxy did not apply the fault of {node} in time")

    def _apply_connection_mode(self, binding: Binding) -> None:
        """Runs in the accept thread: make the node's socket match its fault."""
        mode = binding.fault.mode
        if mode in ("refuse", "blackhole", "hang"):
            self._drop_connections(binding)
        if mode in ("refuse", "blackhole"):
            self._close_listener(binding)
            if mode == "blackhole":
                binding.blackhole = _blackhole(binding.port)
        elif binding.listener is None:
            self._close_blackhole(binding)
            binding.listener = _listen(binding.port)
            self._selector.register(binding.listener, selectors.EVENT_READ, binding)

    def _close_listener(self, binding: Binding) -> None:
        if binding.listener is not None:
            try:
                self._selector.unregister(binding.listener)
            except (KeyError, ValueError):
                pass
            binding.listener.close()
            binding.listener = None
        self._close_blackhole(binding)

    @staticmethod
    def _close_blackhole(binding: Binding) -> None:
        if binding.blackhole:
            for sock in binding.blackhole:
                sock.close()
            binding.blackhole = None

    def _drop_connections(self, binding: Binding) -> None:
        with self._lock:
            connections = list(binding.connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # ---------------------------------------------------------------- accepting
    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            for key, _ in self._selector.select(timeout=1.0):
                if key.data is None:
                    self._wake_r.recv(4096)
                    while self._commands:
                        binding, done = self._commands.pop(0)
                        try:
                            self._apply_connection_mode(binding)
                        except OSError:
                            LOG.exception("fault proxy: cannot switch the socket of %s", binding.node)
                        done.set()
                    continue
                try:
                    conn, address = key.fileobj.accept()
                except OSError:
                    continue
                threading.Thread(target=self._serve, args=(key.data, conn, address), daemon=True,
                                 name=f"bmc-{key.data.node}").start()

    def _serve(self, binding: Binding, conn: socket.socket, address) -> None:
        try:
            if self.ssl_context is not None:
                conn.settimeout(10)
                conn = self.ssl_context.wrap_socket(conn, server_side=True)
                conn.settimeout(None)
            with self._lock:
                binding.connections.add(conn)
            _Handler(conn, address, _Context(self, binding))
        except (OSError, ssl.SSLError):
            pass
        finally:
            with self._lock:
                binding.connections.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    # ---------------------------------------------------------------- used by the handler
    def binding_for(self, accepted_on: Binding, path: str) -> Binding | None:
        if not self.single_port:
            return accepted_on
        identity = routing.system_id(path)
        return self._by_identity.get(identity) if identity else None

    def wait_while_hanging(self, binding: Binding) -> None:
        deadline = time.monotonic() + HANG_LIMIT_SECONDS
        with self._changed:
            while (binding.fault.mode in ("hang", "blackhole") and not self._stopping.is_set()
                   and time.monotonic() < deadline):
                self._changed.wait(timeout=1.0)

    def sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)


@dataclass
class _Context:
    proxy: FaultProxy
    binding: Binding


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 120
    server_version = "LabBMC/1.0"
    sys_version = ""

    def __init__(self, request, client_address, context: _Context):
        self.context = context
        self.upstream: http.client.HTTPConnection | None = None
        super().__init__(request, client_address, context)

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        LOG.debug("bmc %s: " + format, self.context.binding.node, *args)

    def finish(self):
        super().finish()
        if self.upstream is not None:
            self.upstream.close()

    def do_GET(self):
        self._handle()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_GET

    def _handle(self) -> None:
        proxy = self.context.proxy
        proxy.requests += 1
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        binding = proxy.binding_for(self.context.binding, self.path)
        fault = binding.fault if binding is not None else NO_FAULT
        if proxy.single_port and fault.mode == "refuse":
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        mode_fault = Fault("hang") if proxy.single_port and fault.mode == "blackhole" else fault
        decision = decide(mode_fault, self.command, self.path, proxy.default_slow)
        if decision.hang:
            proxy.wait_while_hanging(binding)
            self.close_connection = True
            return
        if decision.delay:
            proxy.sleep(decision.delay)
        path = self.path
        if proxy.vendor_id:
            path = vendor_id.to_upstream(path, proxy.vendor_id, binding.uuid)
        if not proxy.single_port and routing.foreign_system(path, binding.uuid, binding.node):
            self._answer(404, redfish_error(f"System {routing.system_id(path)} is not managed by this BMC",
                                            "Base.1.0.ResourceMissingAtURI"),
                         [("Content-Type", "application/json")])
            return
        if not decision.forwards:
            self._answer_locally(decision, binding)
            return
        self._forward(path, body, binding)

    def _answer_locally(self, decision: Decision, binding: Binding) -> None:
        if decision.check_auth:
            status, headers, data = self._upstream("GET", f"{routing.SYSTEMS_PREFIX}/{binding.uuid}", b"")
            if status == 401:
                self._answer(status, data, headers)
                return
        self._answer(decision.status, decision.body, list(decision.headers))

    def _forward(self, path: str, body: bytes, binding: Binding | None) -> None:
        if self.command == "POST" and path.rstrip("/").endswith("/Actions/ComputerSystem.Reset"):
            body = routing.rewrite_reset_request(body)
        status, headers, data = self._upstream(self.command, path, body)
        if status == 200 and self.command == "GET":
            if routing.is_systems_collection(path) and not self.context.proxy.single_port:
                data = routing.only_own_member(data, binding.uuid)
            elif routing.system_id(path) and path.rstrip("/").count("/") == 4:
                data = routing.advertise_reset_aliases(data)
        if self.context.proxy.vendor_id:
            data, headers = self._as_vendor(data, headers, binding.uuid)
        self._answer(status, data, headers)

    def _as_vendor(self, data: bytes, headers: list, uuid: str) -> tuple[bytes, list]:
        """Body and Location (the emulator redirects a System's name to its UUID path) under the vendor id."""
        vendor = self.context.proxy.vendor_id
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        data = vendor_id.to_vendor_body(data, content_type, vendor, uuid)
        headers = [(k, vendor_id.to_vendor_text(v, vendor, uuid) if k.lower() == "location" else v)
                   for k, v in headers]
        return data, headers

    def _upstream(self, method: str, path: str, body: bytes) -> tuple[int, list, bytes]:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "host"}
        headers["Host"] = f"127.0.0.1:{self.context.proxy.upstream_port}"
        if body or method in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = str(len(body))
        for attempt in (1, 2):
            if self.upstream is None:
                self.upstream = http.client.HTTPConnection("127.0.0.1", self.context.proxy.upstream_port, timeout=60)
            try:
                self.upstream.request(method, path, body=body or None, headers=headers)
                response = self.upstream.getresponse()
                data = response.read()
                out = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
                return response.status, self._rewrite_location(out), data
            except (http.client.HTTPException, OSError):
                self.upstream.close()
                self.upstream = None
                if attempt == 2:
                    return 502, [("Content-Type", "application/json")], redfish_error("BMC backend unavailable")
        raise AssertionError("unreachable")

    def _rewrite_location(self, headers: list) -> list:
        proxy = self.context.proxy
        upstream = f"http://127.0.0.1:{proxy.upstream_port}"
        own = f"{proxy.scheme}://{proxy.host}:{self.connection.getsockname()[1]}"
        return [(k, v.replace(upstream, own, 1) if k.lower() == "location" else v) for k, v in headers]

    def _answer(self, status: int, data: bytes, headers: list) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data) if self.command != "HEAD" else 0))
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)
