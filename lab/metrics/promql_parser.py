"""A parser for the PromQL subset the lab answers; anything else is a PromQLError (HTTP 400).

Supported: selectors with label matchers (= != =~ !~) and range [d]; numbers; parentheses; unary minus;
+ - * / % ^, comparisons (== != > < >= <=, with `bool`), and/or/unless, vector matching with on()/ignoring()
and group_left()/group_right(); aggregations sum avg min max count (by/without, before or after the
argument); functions rate irate increase delta avg_over_time min_over_time max_over_time sum_over_time
count_over_time clamp clamp_max clamp_min abs sqrt label_replace vector scalar time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class PromQLError(Exception):
    """A query the lab cannot parse or does not support; the HTTP API answers 400 with this message."""


# ------------------------------------------------------------------------------------------------ AST
@dataclass
class Number:
    value: float


@dataclass
class String:
    value: str


@dataclass
class Matcher:
    name: str
    op: str
    value: str


@dataclass
class Selector:
    metric: str | None
    matchers: list = field(default_factory=list)
    range_seconds: float | None = None


@dataclass
class Call:
    name: str
    args: list


@dataclass
class Aggregate:
    op: str
    expr: object
    grouping: list = field(default_factory=list)
    without: bool = False


@dataclass
class Matching:
    on: bool = False                # True: on(labels); False with labels: ignoring(labels)
    labels: list = field(default_factory=list)
    group: str | None = None        # "left" | "right"
    include: list = field(default_factory=list)


@dataclass
class Binary:
    op: str
    left: object
    right: object
    matching: Matching | None = None
    return_bool: bool = False


@dataclass
class Negate:
    expr: object


AGGREGATIONS = ("sum", "avg", "min", "max", "count")
RANGE_FUNCTIONS = ("rate", "irate", "increase", "delta", "avg_over_time", "min_over_time", "max_over_time",
                   "sum_over_time", "count_over_time")
OTHER_FUNCTIONS = ("clamp", "clamp_max", "clamp_min", "abs", "sqrt", "label_replace", "vector", "scalar", "time")
COMPARISONS = ("==", "!=", ">=", "<=", ">", "<")
SET_OPS = ("and", "or", "unless")
# lowest to highest binding
PRECEDENCE = [("or",), ("and", "unless"), COMPARISONS, ("+", "-"), ("*", "/", "%"), ("^",)]

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<duration>(?:[0-9]+(?:ms|s|m|h|d|w|y))+)(?![A-Za-z0-9_:])
  | (?P<number>(?:[0-9]*\.[0-9]+|[0-9]+\.?)(?:[eE][-+]?[0-9]+)?)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<op>=~|!~|==|!=|>=|<=|[-+*/%^(){}\[\],=<>])
""", re.VERBOSE)


def parse_duration(text: str) -> float:
    parts = re.findall(r"([0-9]+)(ms|s|m|h|d|w|y)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise PromQLError(f"bad duration {text!r}")
    return float(sum(int(n) * _UNITS[u] for n, u in parts))


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise PromQLError(f"unexpected character {text[pos]!r} at position {pos}")
        pos = match.end()
        kind = match.lastgroup
        if kind != "space":
            tokens.append((kind, match.group()))
    tokens.append(("end", ""))
    return tokens


class Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0

    # ------------------------------------------------------------ token helpers
    def peek(self, offset=0) -> tuple[str, str]:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, value: str) -> None:
        kind, text = self.take()
        if text != value:
            raise PromQLError(f"expected {value!r} but found {text or 'end of query'!r}")

    def at(self, *values) -> bool:
        kind, text = self.peek()
        return kind in ("op", "ident") and text in values

    # ------------------------------------------------------------ grammar
    def parse(self):
        if not self.text.strip():
            raise PromQLError("empty query")
        expr = self.binary(0)
        if self.peek()[0] != "end":
            raise PromQLError(f"unexpected {self.peek()[1]!r} after the end of an expression")
        return expr

    def binary(self, level: int):
        if level == len(PRECEDENCE):
            return self.unary()
        left = self.binary(level + 1)
        while self.at(*PRECEDENCE[level]):
            op = self.take()[1]
            return_bool = False
            if op in COMPARISONS and self.at("bool"):
                self.take()
                return_bool = True
            matching = self.matching()
            # ^ is right-associative, everything else left-associative
            right = self.binary(level if op == "^" else level + 1)
            left = Binary(op, left, right, matching, return_bool)
        return left

    def matching(self) -> Matching | None:
        if not self.at("on", "ignoring"):
            return None
        matching = Matching(on=self.take()[1] == "on", labels=self.label_list())
        if self.at("group_left", "group_right"):
            matching.group = "left" if self.take()[1] == "group_left" else "right"
            if self.peek()[1] == "(":
                matching.include = self.label_list()
        return matching

    def label_list(self) -> list[str]:
        self.expect("(")
        labels = []
        while self.peek()[1] != ")":
            kind, text = self.take()
            if kind != "ident":
                raise PromQLError(f"expected a label name, found {text!r}")
            labels.append(text)
            if self.peek()[1] == ",":
                self.take()
        self.expect(")")
        return labels

    def unary(self):
        if self.peek()[1] == "-":
            self.take()
            return Negate(self.unary())
        if self.peek()[1] == "+":
            self.take()
            return self.unary()
        return self.postfix(self.primary())

    def postfix(self, expr):
        if self.peek()[1] == "[":
            if not isinstance(expr, Selector) or expr.range_seconds is not None:
                raise PromQLError("ranges [..] only follow a metric selector (subqueries are not supported)")
            self.take()
            kind, text = self.take()
            if kind not in ("duration", "number"):
                raise PromQLError(f"bad range {text!r}")
            if self.peek()[1] == ":":
                raise PromQLError("subqueries are not supported by the lab")
            expr.range_seconds = parse_duration(text)
            self.expect("]")
        if self.at("offset", "@"):
            raise PromQLError("offset and @ modifiers are not supported by the lab")
        return expr

    def primary(self):
        kind, text = self.peek()
        if kind == "number":
            self.take()
            return Number(float(text))
        if kind == "duration":
            raise PromQLError(f"unexpected duration {text!r}")
        if kind == "string":
            self.take()
            return String(_unquote(text))
        if text == "(":
            self.take()
            expr = self.binary(0)
            self.expect(")")
            return expr
        if text == "{":
            return self.selector(None)
        if kind == "ident":
            lowered = text.lower()
            if lowered in ("inf", "nan"):
                self.take()
                return Number(float(lowered))
            if lowered in AGGREGATIONS and self.peek(1)[1] in ("(", "by", "without"):
                return self.aggregate()
            if self.peek(1)[1] == "(":
                return self.call()
            self.take()
            return self.selector(text)
        raise PromQLError(f"unexpected {text or 'end of query'!r}")

    def aggregate(self):
        op = self.take()[1].lower()
        grouping, without = [], False
        if self.at("by", "without"):
            without = self.take()[1] == "without"
            grouping = self.label_list()
        self.expect("(")
        expr = self.binary(0)
        if self.peek()[1] == ",":
            raise PromQLError(f"{op} takes one argument")
        self.expect(")")
        if self.at("by", "without"):
            without = self.take()[1] == "without"
            grouping = self.label_list()
        return Aggregate(op, expr, grouping, without)

    def call(self):
        name = self.take()[1]
        if name not in RANGE_FUNCTIONS and name not in OTHER_FUNCTIONS:
            if name in ("topk", "bottomk", "quantile", "stddev", "stdvar", "count_values", "group"):
                raise PromQLError(f"aggregation {name} is not supported by the lab")
            raise PromQLError(f"function {name}() is not supported by the lab")
        self.expect("(")
        args = []
        while self.peek()[1] != ")":
            args.append(self.binary(0))
            if self.peek()[1] == ",":
                self.take()
            elif self.peek()[1] != ")":
                raise PromQLError(f"expected ',' or ')' in {name}(), found {self.peek()[1]!r}")
        self.expect(")")
        return Call(name, args)

    def selector(self, metric: str | None):
        matchers = []
        if self.peek()[1] == "{":
            self.take()
            while self.peek()[1] != "}":
                kind, label = self.take()
                if kind != "ident":
                    raise PromQLError(f"expected a label name in the selector, found {label!r}")
                op = self.take()[1]
                if op not in ("=", "!=", "=~", "!~"):
                    raise PromQLError(f"bad label matcher operator {op!r}")
                kind, value = self.take()
                if kind != "string":
                    raise PromQLError(f"label values must be quoted strings, found {value!r}")
                matchers.append(Matcher(label, op, _unquote(value)))
                if self.peek()[1] == ",":
                    self.take()
            self.expect("}")
        for matcher in matchers:
            if matcher.name == "__name__" and matcher.op == "=":
                metric = matcher.value
        if metric is None and not any(m.op in ("=", "=~") and m.value not in ("", ".*") for m in matchers):
            raise PromQLError("vector selector must contain at least one non-empty matcher")
        return Selector(metric, [m for m in matchers if not (m.name == "__name__" and m.op == "=")])


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def parse(text: str):
    return Parser(text).parse()
