"""The endpoint sushy-emulator's external notifier PUTs each changed System to (127.0.0.1, lab-private)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class NotifyListener:
    def __init__(self, on_system):
        self.on_system = on_system
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self):
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    system = json.loads(self.rfile.read(length) or b"null")
                except ValueError:
                    self.send_response(400)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                listener.on_system(system)
                self.send_response(204)
                self.end_headers()

            do_POST = do_PUT

            def log_message(self, format, *args):  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="bmc-notify", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/notify"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
