"""What the cluster's controllers share: their wiring, and the wake-up rule of a controller whose objects own pods."""

from .podutil import controller_ref, name_of, namespace_of


class Controller:
    """A controller run by the Runner: it is told of store events, enqueues work items, and syncs them one by one."""
    name = ""

    def __init__(self, api, cache, timings, runner):
        self.api = api
        self.cache = cache
        self.timings = timings
        self.runner = runner


class PodOwnerController(Controller):
    """Syncs objects of one kind by (namespace, name), and wakes an object when a pod it controls changes."""
    key = ""
    owner_kind = ""

    def on_event(self, event_type, key, obj, old):
        if key == self.key:
            self.runner.enqueue(self, (namespace_of(obj), name_of(obj)))
        elif key == "pods":
            ref = controller_ref(obj) or controller_ref(old or {})
            if ref and ref.get("kind") == self.owner_kind:
                self.runner.enqueue(self, (namespace_of(obj), ref.get("name")))

    def resync(self):
        for owner in self.cache.list(self.key):
            self.runner.enqueue(self, (namespace_of(owner), name_of(owner)))
