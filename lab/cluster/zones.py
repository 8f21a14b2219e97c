"""Zone disruption states and the per-zone rate limit on NoExecute tainting, as the node lifecycle controller
applies them: a healthy zone taints at node-eviction-rate; a partially disrupted zone (at least 3 and at least
55 % of its nodes not Ready) taints at the secondary rate if it is large, otherwise not at all; a fully disrupted
zone taints at the normal rate unless every zone is fully disrupted, in which case nothing is tainted and
existing NoExecute taints are removed."""

NORMAL = "Normal"
PARTIAL = "PartialDisruption"
FULL = "FullDisruption"


def zone_state(ready: int, not_ready: int, unhealthy_threshold: float) -> str:
    if ready == 0 and not_ready > 0:
        return FULL
    if not_ready > 2 and not_ready / (ready + not_ready) >= unhealthy_threshold:
        return PARTIAL
    return NORMAL


def eviction_rate(state: str, zone_size: int, timings) -> float:
    if state == PARTIAL:
        return timings.secondary_node_eviction_rate if zone_size > timings.large_cluster_size_threshold else 0.0
    return timings.node_eviction_rate


class TokenBucket:
    """One token, refilled at `rate` per second: the first tainting is immediate, the next wait."""

    def __init__(self, rate: float):
        self.rate = rate
        self.tokens = 1.0
        self.stamp = None

    def set_rate(self, rate: float, now: float):
        self._refill(now)
        self.rate = rate

    def _refill(self, now):
        if self.stamp is not None and self.rate > 0:
            self.tokens = min(1.0, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self, now: float):
        """0 when a token was taken; else seconds until one is available (None: never at this rate)."""
        self._refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        if self.rate <= 0:
            return None
        return (1.0 - self.tokens) / self.rate
