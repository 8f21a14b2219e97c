"""An in-memory time-series store: append-only samples per labelled series, staleness markers, retention."""

from __future__ import annotations

import bisect
import threading


class Series:
    __slots__ = ("labels", "data")

    def __init__(self, labels: dict):
        self.labels = labels
        self.data = ([], [])          # (times, values); a value of None is a staleness marker

    def append(self, t: float, value: float | None) -> None:
        times, values = self.data
        times.append(t)
        values.append(value)

    def latest(self, t: float, lookback: float) -> float | None:
        times, values = self.data
        count = min(len(times), len(values))
        index = bisect.bisect_right(times, t, 0, count) - 1
        if index < 0 or times[index] <= t - lookback:
            return None
        return values[index]

    def window(self, start: float, end: float) -> list[tuple[float, float]]:
        times, values = self.data
        count = min(len(times), len(values))
        low = bisect.bisect_right(times, start, 0, count)
        high = bisect.bisect_right(times, end, 0, count)
        return [(times[i], values[i]) for i in range(low, high) if values[i] is not None]

    def last_value(self) -> float | None:
        times, values = self.data
        return values[-1] if values else None

    def prune(self, before: float) -> None:
        times, values = self.data
        cut = bisect.bisect_left(times, before)
        if cut:
            self.data = (times[cut:], values[cut:])


class SeriesStore:
    def __init__(self):
        self._lock = threading.Lock()
        self._by_name: dict[str, dict[tuple, Series]] = {}

    def _get(self, name: str, labels: dict) -> Series:
        key = tuple(sorted(labels.items()))
        bucket = self._by_name.setdefault(name, {})
        series = bucket.get(key)
        if series is None:
            series = bucket[key] = Series(dict(labels, __name__=name))
        return series

    def add(self, name: str, labels: dict, t: float, value: float) -> None:
        with self._lock:
            self._get(name, labels).append(t, float(value))

    def mark_stale(self, name: str, labels: dict, t: float) -> None:
        with self._lock:
            key = tuple(sorted(labels.items()))
            series = self._by_name.get(name, {}).get(key)
        if series is not None and series.last_value() is not None:
            series.append(t, None)

    def series(self, name: str | None) -> list[Series]:
        with self._lock:
            if name is not None:
                return list(self._by_name.get(name, {}).values())
            return [s for bucket in self._by_name.values() for s in bucket.values()]

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._by_name)

    def prune(self, before: float) -> None:
        for series in self.series(None):
            series.prune(before)
