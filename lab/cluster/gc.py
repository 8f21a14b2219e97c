"""Garbage collector for ownerReferences, over every resource type the store holds.

Background: once all owners of an object are gone, the object is deleted. Foreground: an owner carrying the
foregroundDeletion finalizer has its dependents deleted (in foreground too) and loses the finalizer when no
dependent with blockOwnerDeletion=true is left. Orphan: an owner carrying the orphan finalizer has its
ownerReference removed from every dependent, then loses the finalizer. Owners are identified by uid; an owner
that is not in the graph is looked up in the store before a dependent is judged dangling."""

from .podutil import meta

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"


class _Node:
    __slots__ = ("key", "namespace", "name", "owners", "deleting", "finalizers")

    def __init__(self, key, obj):
        md = meta(obj)
        self.key = key
        self.namespace = md.get("namespace") or ""
        self.name = md.get("name")
        self.owners = [dict(r) for r in md.get("ownerReferences") or []]
        self.deleting = bool(md.get("deletionTimestamp"))
        self.finalizers = list(md.get("finalizers") or [])


class GarbageCollector:
    name = "garbage-collector"

    def __init__(self, api, runner):
        self.api = api
        self.runner = runner
        self.graph: dict = {}          # uid -> _Node
        self.dependents: dict = {}     # owner uid -> set of dependent uids

    def populate(self):
        for rt in self.api.store.registry.all():
            if "list" not in rt.verbs:
                continue
            try:
                objects, _ = self.api.store.list(rt.key)
            except Exception:  # noqa: BLE001 - a type may vanish while we list
                continue
            for obj in objects:
                self._upsert(rt.key, obj)

    def _upsert(self, key, obj):
        uid = meta(obj).get("uid")
        if not uid:
            return None
        old = self.graph.get(uid)
        node = _Node(key, obj)
        if old is not None:
            for ref in old.owners:
                self.dependents.get(ref.get("uid"), set()).discard(uid)
        for ref in node.owners:
            self.dependents.setdefault(ref.get("uid"), set()).add(uid)
        self.graph[uid] = node
        return node

    def on_event(self, event_type, key, obj, old):
        uid = meta(obj).get("uid")
        if not uid:
            return
        if event_type == "DELETED":
            node = self.graph.pop(uid, None)
            if node is not None:
                for ref in node.owners:
                    self.dependents.get(ref.get("uid"), set()).discard(uid)
                    owner = self.graph.get(ref.get("uid"))
                    if owner is not None and owner.deleting and FOREGROUND in owner.finalizers:
                        self.runner.enqueue(self, ("foreground", ref.get("uid")))
            for dependent in self.dependents.get(uid, set()):
                self.runner.enqueue(self, ("attempt", dependent))
            return
        node = self._upsert(key, obj)
        if node.deleting and ORPHAN in node.finalizers:
            self.runner.enqueue(self, ("orphan", uid))
        elif node.deleting and FOREGROUND in node.finalizers:
            self.runner.enqueue(self, ("foreground", uid))
        if any(ref.get("uid") not in self.graph for ref in node.owners):
            self.runner.enqueue(self, ("attempt", uid))

    def resync(self):
        for uid, node in list(self.graph.items()):
            if node.deleting and (ORPHAN in node.finalizers or FOREGROUND in node.finalizers):
                self.runner.enqueue(self, ("orphan" if ORPHAN in node.finalizers else "foreground", uid))
            elif node.owners and any(ref.get("uid") not in self.graph for ref in node.owners):
                self.runner.enqueue(self, ("attempt", uid))

    def sync(self, item):
        kind, uid = item
        if kind == "attempt":
            self._attempt(uid)
        elif kind == "foreground":
            self._foreground(uid)
        elif kind == "orphan":
            self._orphan(uid)

    # --- owner classification ---
    def _owner_state(self, dependent: _Node, ref) -> str:
        """solid | dangling | waiting (owner being deleted in foreground) | unknown (type not served)."""
        owner = self.graph.get(ref.get("uid"))
        if owner is None:
            rt = self.api.store.registry.by_kind(ref.get("apiVersion"), ref.get("kind"))
            if rt is None:
                return "unknown"
            try:
                found = self.api.store.get(rt.key, dependent.namespace if rt.namespaced else None, ref.get("name"))
            except Exception as exc:  # noqa: BLE001
                if getattr(exc, "code", None) == 404:
                    return "dangling"
                raise
            if meta(found).get("uid") != ref.get("uid"):
                return "dangling"
            owner = self._upsert(rt.key, found)
        if owner.deleting and FOREGROUND in owner.finalizers:
            return "waiting"
        return "solid"

    def _attempt(self, uid):
        node = self.graph.get(uid)
        if node is None or not node.owners:
            return
        states = {ref.get("uid"): self._owner_state(node, ref) for ref in node.owners}
        if "unknown" in states.values():
            return
        if "solid" in states.values():
            stale = {u for u, s in states.items() if s in ("dangling", "waiting")}
            if stale:
                self._drop_owner_refs(node, stale)
            return
        if node.deleting:
            return
        policy = "Foreground" if "waiting" in states.values() else "Background"
        self.api.delete(node.key, node.namespace or None, node.name, propagation_policy=policy, uid=uid)

    def _foreground(self, uid):
        owner = self.graph.get(uid)
        if owner is None or not owner.deleting or FOREGROUND not in owner.finalizers:
            return
        blocking = 0
        for dep_uid in list(self.dependents.get(uid, set())):
            dependent = self.graph.get(dep_uid)
            if dependent is None:
                continue
            ref = next((r for r in dependent.owners if r.get("uid") == uid), {})
            if ref.get("blockOwnerDeletion"):
                blocking += 1
            if not dependent.deleting:
                self._attempt(dep_uid)
        if blocking == 0:
            self._remove_finalizer(owner, FOREGROUND)

    def _orphan(self, uid):
        owner = self.graph.get(uid)
        if owner is None or not owner.deleting or ORPHAN not in owner.finalizers:
            return
        for dep_uid in list(self.dependents.get(uid, set())):
            dependent = self.graph.get(dep_uid)
            if dependent is not None:
                self._drop_owner_refs(dependent, {uid})
        self._remove_finalizer(owner, ORPHAN)

    def _drop_owner_refs(self, node: _Node, owner_uids: set):
        def drop(obj):
            refs = meta(obj).get("ownerReferences") or []
            kept = [r for r in refs if r.get("uid") not in owner_uids]
            if len(kept) == len(refs):
                return None
            if kept:
                obj["metadata"]["ownerReferences"] = kept
            else:
                obj["metadata"].pop("ownerReferences", None)
            return obj

        updated = self.api.mutate(node.key, node.namespace or None, node.name, drop)
        if updated is not None:
            self._upsert(node.key, updated)

    def _remove_finalizer(self, node: _Node, finalizer: str):
        def release(obj):
            finalizers = meta(obj).get("finalizers") or []
            if finalizer not in finalizers:
                return None
            obj["metadata"]["finalizers"] = [f for f in finalizers if f != finalizer]
            return obj

        self.api.mutate(node.key, node.namespace or None, node.name, release)
