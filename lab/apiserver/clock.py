"""Timestamps in the RFC 3339 form the API uses."""
import time


def timestamp(at: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if at is None else at))
