"""A Prometheus-compatible HTTP API over the lab's series: /api/v1/query, /api/v1/query_range, and the small
endpoints clients probe (/-/ready, /api/v1/status/buildinfo, /api/v1/labels, /api/v1/label/<name>/values)."""

from __future__ import annotations

import json
import math
import re
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from lab.metrics.promql_eval import Vector
from lab.metrics.promql_parser import PromQLError, parse, parse_duration

MAX_POINTS = 11000   # Prometheus' own limit on points per series in a range query


def parse_time(text: str | None, default: float) -> float:
    if text is None or text == "":
        return default
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise PromQLError(f"cannot parse {text!r} to a valid timestamp") from None


def parse_step(text: str | None) -> float:
    if not text:
        raise PromQLError("missing step parameter")
    try:
        step = float(text)
    except ValueError:
        step = parse_duration(text)
    if step <= 0:
        raise PromQLError("zero or negative query resolution step widths are not accepted")
    return step


def format_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if value != int(value) or abs(value) >= 1e15 else str(int(value))


def instant_result(value, t: float) -> dict:
    if isinstance(value, Vector):
        return {"resultType": "vector",
                "result": [{"metric": labels, "value": [t, format_value(v)]} for labels, v in value]}
    if isinstance(value, str):
        return {"resultType": "string", "result": [t, value]}
    return {"resultType": "scalar", "result": [t, format_value(value)]}


def range_result(evaluator, expr, start: float, end: float, step: float) -> dict:
    if end < start:
        raise PromQLError("end timestamp must not be before start time")
    if (end - start) / step > MAX_POINTS:
        raise PromQLError("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the "
                          "query resolution (?step=XX)")
    series: dict[tuple, dict] = {}
    t = start
    while t <= end + 1e-9:
        value = evaluator.eval(expr, t)
        if isinstance(value, str):
            raise PromQLError("invalid expression type \"string\" for range query, must be Scalar or instant Vector")
        points = value if isinstance(value, Vector) else Vector([({}, value)])
        for labels, v in points:
            key = tuple(sorted(labels.items()))
            series.setdefault(key, {"metric": labels, "values": []})["values"].append([t, format_value(v)])
        t += step
    return {"resultType": "matrix", "result": list(series.values())}


class PrometheusServer:
    def __init__(self, evaluator, series_store):
        self.evaluator = evaluator
        self.series_store = series_store
        self.queries = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002
                pass

            def do_GET(self):
                url = urlparse(self.path)
                self._dispatch(url.path, parse_qs(url.query))

            def do_POST(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                params = parse_qs(url.query)
                if length:
                    params.update(parse_qs(self.rfile.read(length).decode()))
                self._dispatch(url.path, params)

            def _dispatch(self, path, params):
                status, body = server.handle(path, {k: v[-1] for k, v in params.items()})
                data = json.dumps(body).encode() if not isinstance(body, bytes) else body
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if not isinstance(body, bytes)
                                 else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="lab-prometheus", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def handle(self, path: str, params: dict) -> tuple[int, dict | bytes]:
        try:
            if path in ("/-/ready", "/-/healthy"):
                return 200, b"Prometheus Server is Ready.\n"
            if path == "/api/v1/status/buildinfo":
                return 200, {"status": "success", "data": {"version": "2.55.1", "revision": "lab", "branch": "lab",
                                                           "goVersion": "go1.23"}}
            if path == "/api/v1/query":
                self.queries += 1
                query = params.get("query")
                if not query:
                    raise PromQLError("missing query parameter")
                t = parse_time(params.get("time"), time.time())
                return 200, {"status": "success", "data": instant_result(self.evaluator.eval(parse(query), t), t)}
            if path == "/api/v1/query_range":
                self.queries += 1
                query = params.get("query")
                if not query:
                    raise PromQLError("missing query parameter")
                start, end = parse_time(params.get("start"), None), parse_time(params.get("end"), None)
                if start is None or end is None:
                    raise PromQLError("missing start or end parameter")
                step = parse_step(params.get("step"))
                return 200, {"status": "success",
                             "data": range_result(self.evaluator, parse(query), start, end, step)}
            if path == "/api/v1/labels":
                names = sorted({k for s in self.series_store.series(None) for k in s.labels})
                return 200, {"status": "success", "data": names}
            if path.startswith("/api/v1/label/") and path.endswith("/values"):
                label = path[len("/api/v1/label/"):-len("/values")]
                values = sorted({s.labels[label] for s in self.series_store.series(None) if label in s.labels})
                return 200, {"status": "success", "data": values}
            return 404, {"status": "error", "errorType": "not_found", "error": f"unknown endpoint {path}"}
        except PromQLError as error:
            return 400, {"status": "error", "errorType": "bad_data", "error": str(error)}
        except re.error as error:
            return 400, {"status": "error", "errorType": "bad_data", "error": f"invalid regular expression: {error}"}
