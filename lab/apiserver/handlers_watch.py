"""Watch streams: ADDED/MODIFIED/DELETED/BOOKMARK/ERROR events, one JSON document per line."""
import random
import time

from . import errors
from .encoding import dumps, object_bytes, object_dict, served_api_version, table
from .request import Response

BOOKMARK_INTERVAL = 5.0
POLL = 0.5


def watch(server, req, rt, route) -> Response:
    timeout = req.number("timeoutSeconds", kind=float)
    # Like the real server, an unbounded watch still ends after a randomised long interval.
    duration = timeout if timeout else random.uniform(1800, 3600)
    field_selector = req.query.get("fieldSelector")
    try:
        watcher = server.store.watch(rt.key, route.namespace, req.query.get("resourceVersion"),
                                     req.query.get("labelSelector"), field_selector, name=route.name)
    except errors.ApiError as error:
        if error.code != 410:
            raise
        # As the real server does, an expired resourceVersion is reported inside the (200) watch stream.
        line = dumps({"type": "ERROR", "object": error.status()}) + b"\n"
        return Response(200, stream=lambda out: out.write(line))
    bookmarks = req.flag("allowWatchBookmarks")
    as_table = req.query.get("includeObject", "Metadata") if req.wants_table() else None
    cut_after = server.faults.watch_cut_after(rt.key) if server.faults else None

    def stream(out):
        deadline = time.monotonic() + duration
        next_bookmark = time.monotonic() + BOOKMARK_INTERVAL
        sent = 0
        try:
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return
                event = watcher.next_raw(min(POLL, deadline - now))
                if event is None:
                    if watcher.closed or out.client_gone():
                        return
                    if bookmarks and time.monotonic() >= next_bookmark:
                        rv = watcher.bookmark_version()
                        if rv is not None:
                            out.write(_bookmark(rt, route.version, rv))
                            next_bookmark = time.monotonic() + BOOKMARK_INTERVAL
                    continue
                event_type, entry = event
                if entry is None:
                    status = errors.gone("too old resource version: the watch fell behind").status()
                    out.write(dumps({"type": "ERROR", "object": status}) + b"\n")
                    return
                out.write(_event_line(server, rt, route.version, event_type, entry, as_table))
                sent += 1
                if cut_after is not None and sent >= cut_after:
                    out.abort()
                    return
        finally:
            watcher.close()

    return Response(200, stream=stream, cleanup=watcher.close)


def _event_line(server, rt, version, event_type, entry, as_table) -> bytes:
    if as_table:
        body = table(server.registry, rt, [object_dict(entry.obj, rt, version)], as_table)
        return dumps({"type": event_type, "object": body}) + b"\n"
    return b'{"type":"' + event_type.encode() + b'","object":' + object_bytes(entry, rt, version) + b"}\n"


def _bookmark(rt, version, resource_version) -> bytes:
    obj = {"kind": rt.kind, "apiVersion": served_api_version(rt, version),
           "metadata": {"resourceVersion": resource_version}}
    return dumps({"type": "BOOKMARK", "object": obj}) + b"\n"
