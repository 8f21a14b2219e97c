"""HTTP/1.1 plumbing: the threaded listener, request parsing, responses and chunked watch streams."""
import json
import logging
import select
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from . import errors
from .encoding import dumps
from .request import Request, Response, parse_query

_LOG = logging.getLogger(__name__)
TABLE_CONTENT_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io"


class _Listener(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, api, ssl_context=None):
        super().__init__(address, _Handler)
        self.api = api
        self.ssl_context = ssl_context
        self._connections = set()
        self._connections_lock = threading.Lock()

    def get_request(self):
        sock, address = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.ssl_context is not None:
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        with self._connections_lock:
            self._connections.add(sock)
        return sock, address

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self):
        """Hang up on kept-alive clients so a stopped server stops answering them."""
        with self._connections_lock:
            connections = list(self._connections)
        for sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):
        _LOG.debug("connection error from %s", client_address, exc_info=True)


class _Stream:
    """Writes one chunk per watch event and notices when the client went away."""

    def __init__(self, handler):
        self.handler = handler

    def write(self, data: bytes):
        out = self.handler.wfile
        out.write(b"%x\r\n" % len(data) + data + b"\r\n")
        out.flush()

    def client_gone(self) -> bool:
        sock = self.handler.connection
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            if not readable:
                return False
            sock.setblocking(False)
            try:
                if isinstance(sock, ssl.SSLSocket):
                    return sock.recv(1) == b""
                return sock.recv(1, socket.MSG_PEEK) == b""
            finally:
                sock.setblocking(True)
        except (ssl.SSLWantReadError, BlockingIOError):
            return False
        except (OSError, ValueError, ssl.SSLError):
            return True

    def abort(self):
        """Cut the stream mid-way: close the connection without the terminating chunk."""
        self.handler.close_connection = True
        self.handler.aborted = True
        try:
            self.handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lab-apiserver"
    sys_version = ""

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
            self.request.settimeout(None)
        super().setup()

    def log_message(self, format, *args):
        _LOG.debug("%s " + format, self.address_string(), *args)

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _serve(self):
        self.aborted = False
        api = self.server.api
        try:
            req = self._parse()
            response = api.handle(req)
        except errors.ApiError as error:
            response = error_response(error)
        except _Drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        except Exception as exc:  # report as a real server does, keep serving
            _LOG.exception("internal error on %s %s", self.command, self.path)
            response = error_response(errors.internal_error(repr(exc)))
        try:
            self._write(response)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True

    def _parse(self) -> Request:
        split = urlsplit(self.path)
        query, lists = parse_query(split.query)
        headers = {k.lower(): v for k, v in self.headers.items()}
        length = int(headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        req = Request(self.command, split.path, query, headers, raw, None, query_lists=lists)
        if raw:
            req.body = parse_body(req.content_type, raw)
        return req

    def _write(self, response: Response):
        headers = dict(response.headers)
        if response.stream is not None:
            try:
                self._write_stream(response, headers)
            finally:
                if response.cleanup is not None:
                    response.cleanup()
            return
        body = response.body
        if isinstance(body, (dict, list)):
            if isinstance(body, dict) and body.get("kind") == "Table":
                headers.setdefault("Content-Type", TABLE_CONTENT_TYPE)
            body = dumps(body)
        elif body is None:
            body = b""
        self.send_response(response.status)
        self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _write_stream(self, response: Response, headers: dict):
        self.send_response(response.status)
        self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.flush()
        try:
            response.stream(_Stream(self))
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True
            return
        except Exception:
            _LOG.exception("watch stream failed on %s", self.path)
            self.close_connection = True
            return
        if not self.aborted:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()


class _Drop(Exception):
    """Raised by the dispatcher to drop the connection without an answer (fault injection)."""


def parse_body(content_type: str, raw: bytes):
    if content_type == "application/vnd.kubernetes.protobuf":
        from .protobuf import decode
        return decode(raw)
    if content_type == "application/cbor":
        raise errors.unsupported_media_type(
            f'the body of the request was in an unknown format - accepted media types include: application/json, '
            f'application/yaml, application/json-patch+json, application/merge-patch+json, '
            f'application/apply-patch+yaml, application/strategic-merge-patch+json ({content_type} is not served '
            'by the lab)')
    try:
        if content_type == "application/apply-patch+yaml" or content_type.endswith("yaml"):
            import yaml
            return yaml.safe_load(raw)
        return json.loads(raw)
    except Exception as exc:
        raise errors.bad_request(f"the body of the request could not be decoded: {exc}")


def error_response(error: errors.ApiError) -> Response:
    headers = {}
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return Response(error.code, error.status(), headers)


def serve(api, host, port, ssl_context=None) -> _Listener:
    return _Listener((host, port), api, ssl_context)


DropConnection = _Drop
