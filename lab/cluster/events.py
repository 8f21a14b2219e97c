"""core/v1 Events as the cluster's components record them (repeats of the same event bump its count)."""

import hashlib
import itertools

from .podutil import meta, now_rfc3339

_sequence = itertools.count(1)


class Recorder:
    def __init__(self, api, component: str):
        self.api = api
        self.component = component
        self._known: dict = {}

    def record(self, involved: dict, reason: str, message: str, event_type="Normal", host=None):
        if not self.api.registered("events"):
            return
        md = meta(involved)
        namespace = md.get("namespace") or "default"
        signature = (md.get("uid"), reason, message)
        now = now_rfc3339()
        known = self._known.get(signature)
        if known is not None:
            def bump(event):
                event["count"] = int(event.get("count") or 1) + 1
                event["lastTimestamp"] = now
                return event
            if self.api.mutate("events", namespace, known, bump) is not None:
                return
        suffix = hashlib.sha1(f"{md.get('uid')}{reason}{next(_sequence)}".encode()).hexdigest()[:16]
        name = f"{md.get('name')}.{suffix}"
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": {
                "apiVersion": involved.get("apiVersion", "v1"),
                "kind": involved.get("kind", ""),
                "name": md.get("name"),
                "namespace": md.get("namespace"),
                "uid": md.get("uid"),
                "resourceVersion": md.get("resourceVersion"),
            },
            "reason": reason,
            "message": message,
            "type": event_type,
            "source": {"component": self.component, **({"host": host} if host else {})},
            "reportingComponent": self.component,
            "reportingInstance": host or self.component,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
        }
        if len(self._known) > 20000:
            self._known.clear()
        try:
            self.api.store.create("events", event)
            self._known[signature] = name
        except Exception:  # noqa: BLE001 - events are best effort, as in Kubernetes
            pass
