"""Seeded fault injection for API requests, switchable at runtime through /lab/v1/faults.

A rule: {"verb": "list"|"*", "resource": "pods"|"*", "rate": 0.3, "error": 500|503|429|409,
"retry_after": 2, "latency": 0.2, "drop": true, "watch_cut_after": 3, "count": 10}
"""
import random
import threading
from dataclasses import dataclass

from . import errors

ERRORS = (500, 503, 429, 409)
RULE_FIELDS = ("verb", "resource", "rate", "error", "retry_after", "latency", "drop", "watch_cut_after", "count")


@dataclass
class Decision:
    latency: float = 0.0
    error: errors.ApiError | None = None
    drop: bool = False


def check_rule(rule: dict) -> dict:
    if not isinstance(rule, dict):
        raise errors.bad_request("a fault rule must be an object")
    unknown = set(rule) - set(RULE_FIELDS)
    if unknown:
        raise errors.bad_request(f"unknown fault rule fields: {sorted(unknown)}")
    if rule.get("error") is not None and rule["error"] not in ERRORS:
        raise errors.bad_request(f"fault error must be one of {ERRORS}")
    rate = rule.get("rate", 1.0)
    if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise errors.bad_request("fault rate must be between 0 and 1")
    return {"verb": "*", "resource": "*", "rate": 1.0, **rule}


def injected_error(code, retry_after, key, name) -> errors.ApiError:
    if code == 500:
        return errors.internal_error("injected fault")
    if code == 503:
        return errors.service_unavailable("the server is currently unable to handle the request")
    if code == 429:
        return errors.too_many_requests("the server has received too many requests and has asked us to try "
                                        "again later", retry_after=retry_after or 1)
    return errors.conflict(key, name or "", "the object has been modified; please apply your changes to the "
                           "latest version and try again")


class FaultInjector:
    def __init__(self, seed: int = 0):
        self._lock = threading.Lock()
        self._rules: list[dict] = []
        self._fired: list[int] = []
        self.seed = seed
        self._random = random.Random(seed)

    def set_rules(self, rules: list, seed: int | None = None):
        checked = [check_rule(rule) for rule in rules]
        with self._lock:
            self._rules = checked
            self._fired = [0] * len(checked)
            if seed is not None:
                self.seed = seed
            self._random = random.Random(self.seed)

    def clear(self):
        self.set_rules([])

    def describe(self) -> dict:
        with self._lock:
            return {"seed": self.seed,
                    "rules": [dict(rule, fired=fired) for rule, fired in zip(self._rules, self._fired)]}

    def _applies(self, index, rule, verb, key, subresource=None) -> bool:
        resources = ("*", key, f"{key}/{subresource}") if subresource else ("*", key)
        if rule["verb"] not in ("*", verb) or rule["resource"] not in resources:
            return False
        if rule.get("count") is not None and self._fired[index] >= rule["count"]:
            return False
        return self._random.random() < rule["rate"]

    def decide(self, verb, key, name=None, subresource=None) -> Decision:
        """What to do to one request; a rule for "pods" also hits pods' subresources, "pods/eviction" only those."""
        decision = Decision()
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.get("watch_cut_after") is not None:   # only cuts watch streams
                    continue
                if not self._applies(index, rule, verb, key, subresource):
                    continue
                self._fired[index] += 1
                decision.latency += float(rule.get("latency") or 0)
                if rule.get("drop"):
                    decision.drop = True
                elif rule.get("error") and decision.error is None:
                    decision.error = injected_error(rule["error"], rule.get("retry_after"), key, name)
        return decision

    def watch_cut_after(self, key) -> int | None:
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.get("watch_cut_after") is not None and self._applies(index, rule, "watch", key):
                    self._fired[index] += 1
                    return int(rule["watch_cut_after"])
        return None

    def control(self, req):
        """Handler for /lab/v1/faults: GET shows, PUT/POST replaces ({"rules": [...], "seed": n}), DELETE clears."""
        if req.method == "GET":
            return 200, self.describe()
        if req.method == "DELETE":
            self.clear()
            return 200, self.describe()
        body = req.body if isinstance(req.body, dict) else {}
        rules = body.get("rules", [])
        if not isinstance(rules, list):
            raise errors.bad_request("rules must be a list")
        self.set_rules(rules, body.get("seed"))
        return 200, self.describe()
