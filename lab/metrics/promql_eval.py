"""Evaluates parsed PromQL over the lab's series store (pure apart from reading the store).

Semantics follow Prometheus where the lab needs them: 5-minute lookback with staleness for instant selectors,
counter resets and Prometheus' extrapolation to the window edges in rate()/increase()/delta(), one-to-one and
many-to-one vector matching, __name__ dropped by arithmetic and functions.
"""

from __future__ import annotations

import math
import re

from lab.metrics.promql_parser import (Aggregate, Binary, Call, COMPARISONS, Negate, Number, PromQLError,
                                       Selector, SET_OPS, String, parse)

LOOKBACK_SECONDS = 300.0


class Vector(list):
    """An instant vector: [(labels dict, value)]."""


def _match(matcher, labels: dict) -> bool:
    value = labels.get(matcher.name, "")
    if matcher.op == "=":
        return value == matcher.value
    if matcher.op == "!=":
        return value != matcher.value
    matched = re.fullmatch(matcher.value, value) is not None
    return matched if matcher.op == "=~" else not matched


def _without_name(labels: dict) -> dict:
    return {k: v for k, v in labels.items() if k != "__name__"}


def _signature(labels: dict, matching) -> tuple:
    if matching is not None and matching.on:
        return tuple(sorted((k, labels.get(k, "")) for k in matching.labels))
    ignored = set(matching.labels) if matching is not None else set()
    return tuple(sorted((k, v) for k, v in labels.items() if k != "__name__" and k not in ignored))


def _arith(op: str, a: float, b: float) -> float:
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            if b == 0:
                return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1, b)
            return a / b
        if op == "%":
            return math.fmod(a, b) if b != 0 else math.nan
        if op == "^":
            return a ** b
    except (OverflowError, ValueError):
        return math.nan
    raise PromQLError(f"unknown operator {op}")


def _compare(op: str, a: float, b: float) -> bool:
    return {"==": a == b, "!=": a != b, ">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]


class Evaluator:
    def __init__(self, store):
        self.store = store

    def instant(self, text: str, at: float):
        return self.eval(parse(text), at)

    # ------------------------------------------------------------------ dispatch
    def eval(self, node, t: float):
        if isinstance(node, Number):
            return node.value
        if isinstance(node, String):
            return node.value
        if isinstance(node, Selector):
            if node.range_seconds is not None:
                raise PromQLError("a range vector must be the argument of a function such as rate()")
            return self.select(node, t)
        if isinstance(node, Negate):
            value = self.eval(node.expr, t)
            if isinstance(value, Vector):
                return Vector((_without_name(labels), -v) for labels, v in value)
            return -value
        if isinstance(node, Aggregate):
            return self.aggregate(node, t)
        if isinstance(node, Call):
            return self.call(node, t)
        if isinstance(node, Binary):
            return self.binary(node, t)
        raise PromQLError(f"cannot evaluate {type(node).__name__}")

    # ------------------------------------------------------------------ selectors
    def _series(self, selector: Selector):
        for series in self.store.series(selector.metric):
            if all(_match(m, series.labels) for m in selector.matchers):
                yield series

    def select(self, selector: Selector, t: float) -> Vector:
        result = Vector()
        for series in self._series(selector):
            sample = series.latest(t, LOOKBACK_SECONDS)
            if sample is not None:
                result.append((dict(series.labels), sample))
        return result

    def select_range(self, selector: Selector, t: float) -> list:
        return [(dict(series.labels), points) for series in self._series(selector)
                if (points := series.window(t - selector.range_seconds, t))]

    # ------------------------------------------------------------------ functions
    def call(self, node: Call, t: float):
        name, args = node.name, node.args
        if name == "time":
            return t
        if name == "vector":
            self._arity(node, 1)
            return Vector([({}, float(self._scalar(args[0], t, name)))])
        if name == "scalar":
            self._arity(node, 1)
            value = self._vector(args[0], t, name)
            return value[0][1] if len(value) == 1 else math.nan
        if name in ("rate", "irate", "increase", "delta") or name.endswith("_over_time"):
            self._arity(node, 1)
            if not isinstance(args[0], Selector) or args[0].range_seconds is None:
                raise PromQLError(f"{name}() expects a range vector such as metric[1m]")
            return self.range_function(name, args[0], t)
        if name in ("abs", "sqrt"):
            self._arity(node, 1)
            fn = abs if name == "abs" else (lambda v: math.sqrt(v) if v >= 0 else math.nan)
            return Vector((_without_name(labels), fn(v)) for labels, v in self._vector(args[0], t, name))
        if name in ("clamp_max", "clamp_min"):
            self._arity(node, 2)
            bound = float(self._scalar(args[1], t, name))
            fn = (lambda v: min(v, bound)) if name == "clamp_max" else (lambda v: max(v, bound))
            return Vector((_without_name(labels), fn(v)) for labels, v in self._vector(args[0], t, name))
        if name == "clamp":
            self._arity(node, 3)
            low, high = float(self._scalar(args[1], t, name)), float(self._scalar(args[2], t, name))
            return Vector((_without_name(labels), max(low, min(high, v))) for labels, v in
                          self._vector(args[0], t, name)) if low <= high else Vector()
        if name == "label_replace":
            self._arity(node, 5)
            return self.label_replace(node, t)
        raise PromQLError(f"function {name}() is not supported by the lab")

    @staticmethod
    def _arity(node: Call, count: int) -> None:
        if len(node.args) != count:
            raise PromQLError(f"{node.name}() expects {count} argument(s), got {len(node.args)}")

    def _vector(self, arg, t, name) -> Vector:
        value = self.eval(arg, t)
        if not isinstance(value, Vector):
            raise PromQLError(f"{name}() expects an instant vector argument")
        return value

    def _scalar(self, arg, t, name):
        value = self.eval(arg, t)
        if isinstance(value, Vector):
            raise PromQLError(f"{name}() expects a scalar here")
        return value

    def label_replace(self, node: Call, t: float) -> Vector:
        vector = self._vector(node.args[0], t, "label_replace")
        dst, replacement, src, regex = (self._scalar(a, t, "label_replace") for a in node.args[1:])
        pattern = re.compile(regex)
        template = re.sub(r"\$\{?(\w+)\}?", lambda m: "\\g<" + m.group(1) + ">", replacement)
        result = Vector()
        for labels, value in vector:
            labels = dict(labels)
            match = pattern.fullmatch(labels.get(src, ""))
            if match:
                new = match.expand(template)
                if new:
                    labels[dst] = new
                else:
                    labels.pop(dst, None)
            result.append((labels, value))
        return result

    def range_function(self, name: str, selector: Selector, t: float) -> Vector:
        result = Vector()
        for labels, points in self.select_range(selector, t):
            value = _range_value(name, points, selector.range_seconds, t)
            if value is not None:
                result.append((_without_name(labels), value))
        return result

    # ------------------------------------------------------------------ aggregation
    def aggregate(self, node: Aggregate, t: float) -> Vector:
        vector = self.eval(node.expr, t)
        if not isinstance(vector, Vector):
            raise PromQLError(f"{node.op}() expects an instant vector")
        groups: dict[tuple, tuple[dict, list]] = {}
        for labels, value in vector:
            if node.without:
                kept = {k: v for k, v in labels.items() if k not in node.grouping and k != "__name__"}
            else:
                kept = {k: labels[k] for k in node.grouping if k in labels}
            key = tuple(sorted(kept.items()))
            groups.setdefault(key, (kept, []))[1].append(value)
        reducers = {"sum": sum, "avg": lambda vs: sum(vs) / len(vs), "min": min, "max": max, "count": len}
        return Vector((labels, float(reducers[node.op](values))) for labels, values in groups.values())

    # ------------------------------------------------------------------ binary operators
    def binary(self, node: Binary, t: float):
        left, right = self.eval(node.left, t), self.eval(node.right, t)
        op = node.op
        if op in SET_OPS:
            if not (isinstance(left, Vector) and isinstance(right, Vector)):
                raise PromQLError(f"{op} is only defined between instant vectors")
            return self.set_operation(op, left, right, node.matching)
        left_vec, right_vec = isinstance(left, Vector), isinstance(right, Vector)
        if not left_vec and not right_vec:
            if op in COMPARISONS:
                if not node.return_bool:
                    raise PromQLError("comparisons between scalars must use the bool modifier")
                return float(_compare(op, left, right))
            return _arith(op, left, right)
        if left_vec and right_vec:
            return self.vector_vector(node, left, right)
        vector, scalar = (left, right) if left_vec else (right, left)
        result = Vector()
        for labels, value in vector:
            a, b = (value, scalar) if left_vec else (scalar, value)
            if op in COMPARISONS:
                keep = _compare(op, a, b)
                if node.return_bool:
                    result.append((_without_name(labels), float(keep)))
                elif keep:
                    result.append((labels, value))
            else:
                result.append((_without_name(labels), _arith(op, a, b)))
        return result

    def vector_vector(self, node: Binary, left: Vector, right: Vector) -> Vector:
        matching = node.matching
        group = matching.group if matching else None
        one, many = (right, left) if group != "right" else (left, right)
        index: dict[tuple, tuple] = {}
        for labels, value in one:
            key = _signature(labels, matching)
            if key in index:
                side = "right" if one is right else "left"
                raise PromQLError(f"many-to-many matching not allowed: duplicate series on the {side} side; "
                                  f"use on()/ignoring() with group_left/group_right")
            index[key] = (labels, value)
        result, seen = Vector(), set()
        for labels, value in many:
            key = _signature(labels, matching)
            partner = index.get(key)
            if partner is None:
                continue
            if group is None:
                if key in seen:
                    raise PromQLError("many-to-many matching not allowed: duplicate series on the left side")
                seen.add(key)
            a, b = (value, partner[1]) if one is right else (partner[1], value)
            out_labels = _without_name(labels) if group else _matched_labels(labels, matching)
            if group and matching.include:
                for label in matching.include:
                    if label in partner[0]:
                        out_labels[label] = partner[0][label]
            if node.op in COMPARISONS:
                keep = _compare(node.op, a, b)
                if node.return_bool:
                    result.append((out_labels, float(keep)))
                elif keep:
                    result.append((labels, value) if one is right else partner)
            else:
                result.append((out_labels, _arith(node.op, a, b)))
        return result

    @staticmethod
    def set_operation(op: str, left: Vector, right: Vector, matching) -> Vector:
        right_keys = {_signature(labels, matching) for labels, _ in right}
        if op == "and":
            return Vector((l, v) for l, v in left if _signature(l, matching) in right_keys)
        if op == "unless":
            return Vector((l, v) for l, v in left if _signature(l, matching) not in right_keys)
        left_keys = {_signature(l, matching) for l, _ in left}
        return Vector(list(left) + [(l, v) for l, v in right if _signature(l, matching) not in left_keys])


def _matched_labels(labels: dict, matching) -> dict:
    if matching is not None and matching.on:
        return {k: labels[k] for k in matching.labels if k in labels}
    ignored = set(matching.labels) if matching is not None else set()
    return {k: v for k, v in labels.items() if k != "__name__" and k not in ignored}


def _range_value(name: str, points: list, range_seconds: float, t: float) -> float | None:
    values = [v for _, v in points]
    if name.endswith("_over_time"):
        return {"avg_over_time": lambda: sum(values) / len(values), "min_over_time": lambda: min(values),
                "max_over_time": lambda: max(values), "sum_over_time": lambda: sum(values),
                "count_over_time": lambda: float(len(values))}[name]()
    if len(points) < 2:
        return None
    if name == "irate":
        (t0, v0), (t1, v1) = points[-2], points[-1]
        change = v1 - v0 if v1 >= v0 else v1
        return change / (t1 - t0) if t1 > t0 else None
    counter = name in ("rate", "increase")
    if counter:
        result = 0.0
        for previous, current in zip(values, values[1:]):
            result += current - previous if current >= previous else current   # counter reset
    else:
        result = values[-1] - values[0]
    return _extrapolate(result, points, range_seconds, t, counter, is_rate=name == "rate")


def _extrapolate(result: float, points: list, range_seconds: float, t: float, counter: bool,
                 is_rate: bool) -> float | None:
    """Prometheus' extrapolation of an increase observed between the first and last sample to the whole window."""
    first_t, first_v, last_t = points[0][0], points[0][1], points[-1][0]
    sampled = last_t - first_t
    if sampled <= 0:
        return None
    to_start, to_end = first_t - (t - range_seconds), t - last_t
    average_gap = sampled / (len(points) - 1)
    if counter and result > 0 and first_v >= 0:
        to_start = min(to_start, sampled * (first_v / result))
    threshold = average_gap * 1.1
    interval = sampled
    interval += to_start if to_start < threshold else average_gap / 2
    interval += to_end if to_end < threshold else average_gap / 2
    result *= interval / sampled
    return result / range_seconds if is_rate else result
