"""In-process object store: one global resourceVersion counter, watches, subscribers.

Committed objects are never mutated in place: every write builds a new dict, so readers inside the
server can share them (and their cached JSON encoding) without copying.
"""
import json
import random
import logging
import threading
import time
import uuid
from collections import deque

from . import deletion, errors
from .clock import timestamp
from .resources import has_generation
from .selectors import labels_of, parse_field_selector, parse_label_selector
from .watcher import Watcher

_NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class Entry:
    """A committed object with its JSON encoding computed once."""
    __slots__ = ("obj", "_json")

    def __init__(self, obj: dict):
        self.obj = obj
        self._json = None

    def json(self) -> bytes:
        if self._json is None:
            self._json = json.dumps(self.obj, separators=(",", ":")).encode()
        return self._json

    def clone(self) -> dict:
        return json.loads(self.json())


def clone(obj):
    return json.loads(json.dumps(obj))


def _meta(obj: dict) -> dict:
    return obj.setdefault("metadata", {})


def _spec_of(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


class Store:
    def __init__(self, registry, window: int = 50000, seed: int = 0):
        self.registry = registry
        self.window = window
        self._lock = threading.RLock()
        self._rv = 1
        self._data: dict[str, dict[tuple, Entry]] = {}
        self._events: deque = deque()        # (rv, key, type, entry, old_entry)
        self._compacted_rv = 0
        self._watchers: dict[str, set] = {}
        self._subscribers: dict[int, object] = {}
        self._next_token = 0
        self._pending: deque = deque()
        self._dispatch_lock = threading.Lock()
        self._dispatching = threading.local()
        self._names = random.Random(seed)

    # ----------------------------------------------------------------- reads
    @property
    def current_resource_version(self) -> str:
        return str(self._rv)

    def _bucket(self, key) -> dict:
        bucket = self._data.get(key)
        if bucket is None:
            self.registry.get(key)   # KeyError for unknown types
            bucket = self._data.setdefault(key, {})
        return bucket

    def get_entry(self, key, namespace, name) -> Entry:
        rt = self.registry.get(key)
        entry = self._bucket(key).get((namespace or "" if rt.namespaced else "", name))
        if entry is None:
            raise errors.not_found(key, name)
        return entry

    def get(self, key, namespace, name) -> dict:
        return self.get_entry(key, namespace, name).clone()

    def snapshot(self, key, namespace=None, label_predicate=None, field_predicate=None) -> tuple[list, str]:
        """Matching entries sorted by namespace/name, and the list resourceVersion (shared, read-only)."""
        with self._lock:
            bucket = self._bucket(key)
            rv = str(self._rv)
            items = list(bucket.items())
        items.sort()    # outside the lock: writers need not wait for a big LIST
        result = []
        for (ns, _name), entry in items:
            if namespace and ns != namespace:
                continue
            if label_predicate is not None and not label_predicate(labels_of(entry.obj)):
                continue
            if field_predicate is not None and not field_predicate(entry.obj):
                continue
            result.append(entry)
        return result, rv

    def list(self, key, namespace=None, label_selector=None, field_selector=None) -> tuple[list[dict], str]:
        entries, rv = self.snapshot(key, namespace, parse_label_selector(label_selector),
                                    parse_field_selector(key, field_selector))
        return [entry.clone() for entry in entries], rv

    def count(self, key) -> int:
        return len(self._bucket(key))

    # ----------------------------------------------------------------- writes
    def create(self, key, obj, dry_run=False, copy=True) -> dict:
        """copy=False returns the committed object itself, shared and read-only (for caches and indexes)."""
        rt = self.registry.get(key)
        obj = {"apiVersion": rt.api_version, "kind": rt.kind,
               **{k: v for k, v in clone(obj).items() if k not in ("apiVersion", "kind")}}
        meta = _meta(obj)
        if rt.namespaced:
            meta["namespace"] = meta.get("namespace") or "default"
        else:
            meta.pop("namespace", None)
        for field in ("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
            meta.pop(field, None)
        if key == "namespaces":
            # as the namespace strategy does: its content is deleted before the namespace goes
            obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
            obj.setdefault("status", {}).setdefault("phase", "Active")
        with self._lock:
            bucket = self._bucket(key)
            if not meta.get("name"):
                if not meta.get("generateName"):
                    raise errors.invalid(rt.kind, "", [{
                        "reason": "FieldValueRequired", "field": "metadata.name",
                        "message": "Required value: name or generateName is required"}])
                meta["name"] = self._generated_name(bucket, meta.get("namespace", ""), meta["generateName"])
            ident = (meta.get("namespace", ""), meta["name"])
            if ident in bucket:
                raise errors.already_exists(key, meta["name"])
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = timestamp()
            if has_generation(rt):
                meta["generation"] = 1
            else:
                meta.pop("generation", None)
            if dry_run:
                meta["resourceVersion"] = str(self._rv)
                return obj
            self._rv += 1
            meta["resourceVersion"] = str(self._rv)
            entry = Entry(obj)
            bucket[ident] = entry
            self._commit(key, "ADDED", entry, None)
        self._dispatch()
        return entry.clone() if copy else entry.obj

    def _generated_name(self, bucket, namespace, prefix) -> str:
        prefix = prefix[:58]
        while True:
            name = prefix + "".join(self._names.choice(_NAME_SUFFIX_ALPHABET) for _ in range(5))
            if (namespace, name) not in bucket:
                return name

    def update(self, key, obj, subresource=None, dry_run=False) -> dict:
        meta = obj.get("metadata") or {}
        rt = self.registry.get(key)
        namespace = meta.get("namespace") or ("default" if rt.namespaced else "")
        with self._lock:
            old = self.get_entry(key, namespace, meta.get("name"))
            self._check_preconditions(key, old.obj, meta.get("uid"), meta.get("resourceVersion"))
            result = self._update_locked(rt, old, clone(obj), subresource, dry_run)
        self._dispatch()
        return result

    def mutate(self, key, namespace, name, fn, subresource=None, copy=True) -> dict | None:
        """Atomic read-modify-write; subresource "status" writes only .status, "*" writes spec and status.

        copy=False returns the committed object itself, shared and read-only (for caches and indexes)."""
        rt = self.registry.get(key)
        with self._lock:
            old = self.get_entry(key, namespace, name)
            new = fn(old.clone())
            if new is None:
                return None
            result = self._update_locked(rt, old, new, subresource, False, copy)
        self._dispatch()
        return result

    def _check_preconditions(self, key, current, uid, resource_version):
        meta = current["metadata"]
        if uid and uid != meta.get("uid"):
            raise errors.conflict(key, meta["name"],
                                  f"Precondition failed: UID in precondition: {uid}, "
                                  f"UID in object meta: {meta.get('uid')}")
        if resource_version and resource_version != meta.get("resourceVersion"):
            raise errors.conflict(key, meta["name"], "the object has been modified; please apply your "
                                  "changes to the latest version and try again")

    def _update_locked(self, rt, old_entry: Entry, new: dict, subresource, dry_run, copy=True) -> dict:
        old = old_entry.obj
        if subresource == "status":
            # Committed objects are never mutated, so the new version may share the old one's unchanged parts;
            # only the metadata dict is written below, so it alone is copied.
            candidate = dict(old, metadata=dict(old["metadata"]))
            if "status" in new:
                candidate["status"] = new["status"]
            else:
                candidate.pop("status", None)
            new = candidate if not dry_run else clone(candidate)
        elif rt.has_status_subresource and subresource != "*":
            if "status" in old:
                new["status"] = old["status"] if not dry_run else clone(old["status"])
            else:
                new.pop("status", None)
        new["apiVersion"] = rt.api_version
        new["kind"] = rt.kind
        meta = _meta(new)
        old_meta = old["metadata"]
        for field in ("name", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"):
            if field in old_meta:
                meta[field] = old_meta[field]
            else:
                meta.pop(field, None)
        if rt.namespaced:
            meta["namespace"] = old_meta["namespace"]
        else:
            meta.pop("namespace", None)
        if old_meta.get("deletionTimestamp"):
            added = set(meta.get("finalizers") or []) - set(old_meta.get("finalizers") or [])
            if added:
                raise errors.invalid(rt.kind, old_meta["name"], [{
                    "reason": "FieldValueForbidden", "field": "metadata.finalizers",
                    "message": "Forbidden: no new finalizers can be added if the object is being deleted, "
                               f"found new finalizers {sorted(added)!r}"}])
        if not meta.get("finalizers"):
            meta.pop("finalizers", None)
        if has_generation(rt):
            generation = old_meta.get("generation", 1)
            if subresource != "status" and _spec_of(new) != _spec_of(old):
                generation += 1
            meta["generation"] = generation
        else:
            meta.pop("generation", None)
        meta["resourceVersion"] = old_meta["resourceVersion"]
        if new == old:
            return old_entry.clone() if copy else old
        if dry_run:
            return new
        ident = (old_meta.get("namespace", ""), old_meta["name"])
        if deletion.deletion_complete(rt.key, new):
            return self._remove_locked(rt.key, ident, old_entry, new, copy)
        self._rv += 1
        meta["resourceVersion"] = str(self._rv)
        entry = Entry(new)
        self._data[rt.key][ident] = entry
        self._commit(rt.key, "MODIFIED", entry, old_entry)
        return entry.clone() if copy else entry.obj

    def _remove_locked(self, key, ident, old_entry: Entry, final: dict, copy=True) -> dict:
        final = dict(final, metadata=dict(final["metadata"]))   # only the resourceVersion changes
        self._rv += 1
        final["metadata"]["resourceVersion"] = str(self._rv)
        del self._data[key][ident]
        entry = Entry(final)
        self._commit(key, "DELETED", entry, old_entry)
        return entry.clone() if copy else entry.obj

    def delete(self, key, namespace, name, grace_period_seconds=None, propagation_policy=None,
               preconditions=None, dry_run=False) -> dict:
        return self.delete_ex(key, namespace, name, grace_period_seconds, propagation_policy,
                              preconditions, dry_run)[0]

    def delete_ex(self, key, namespace, name, grace_period_seconds=None, propagation_policy=None,
                  preconditions=None, dry_run=False, copy=True) -> tuple[dict, bool]:
        """Like delete(); also tells whether the object is gone (True) or only marked for deletion.
        copy=False returns the committed object itself, shared and read-only."""
        with self._lock:
            old = self.get_entry(key, namespace, name)
            preconditions = preconditions or {}
            self._check_preconditions(key, old.obj, preconditions.get("uid"),
                                      preconditions.get("resourceVersion"))
            decision = deletion.plan(key, old.clone(), grace_period_seconds, propagation_policy, time.time())
            new = decision.obj
            if decision.action == deletion.KEEP:
                return (old.clone() if copy else old.obj), False
            if dry_run:
                return new, decision.action == deletion.REMOVE
            meta = new["metadata"]
            ident = (meta.get("namespace", ""), meta["name"])
            if decision.action == deletion.REMOVE:
                result = (self._remove_locked(key, ident, old, new, copy), True)
            else:
                self._rv += 1
                meta["resourceVersion"] = str(self._rv)
                entry = Entry(new)
                self._data[key][ident] = entry
                self._commit(key, "MODIFIED", entry, old)
                result = (entry.clone() if copy else entry.obj, False)
        self._dispatch()
        return result

    def force_remove(self, key, namespace, name) -> dict:
        """Remove an object whatever its finalizers (used when a CRD and all its objects go away)."""
        with self._lock:
            old = self.get_entry(key, namespace, name)
            meta = old.obj["metadata"]
            result = self._remove_locked(key, (meta.get("namespace", ""), meta["name"]), old, old.obj)
        self._dispatch()
        return result

    # ---------------------------------------------------------- watch & events
    def _commit(self, key, event_type, entry: Entry, old_entry: Entry | None):
        """Called with the lock held, right after the data dict changed."""
        self._events.append((self._rv, key, event_type, entry, old_entry))
        while len(self._events) > self.window:
            self._compacted_rv = self._events.popleft()[0]
        for watcher in list(self._watchers.get(key, ())):
            watcher.offer(event_type, entry, old_entry)
        if self._subscribers:
            self._pending.append((event_type, key, entry, old_entry))

    def compact(self):
        """Forget the event window, as etcd compaction does; older watches then get 410 Gone."""
        with self._lock:
            self._events.clear()
            self._compacted_rv = self._rv

    def watch(self, key, namespace=None, resource_version=None, label_selector=None, field_selector=None,
              name=None) -> Watcher:
        label_predicate = parse_label_selector(label_selector)
        field_predicate = parse_field_selector(key, field_selector)
        with self._lock:
            bucket = self._bucket(key)
            watcher = Watcher(self, key, namespace, name, label_predicate, field_predicate)
            if resource_version in (None, "", "0"):
                for (ns, obj_name), entry in sorted(bucket.items()):
                    watcher.offer("ADDED", entry, None)
            else:
                try:
                    since = int(resource_version)
                except ValueError:
                    raise errors.bad_request(f"invalid resource version: {resource_version!r}")
                if since < self._compacted_rv:
                    raise errors.gone(f"too old resource version: {since} ({self._compacted_rv + 1})")
                for rv, event_key, event_type, entry, old_entry in self._events:
                    if rv > since and event_key == key:
                        watcher.offer(event_type, entry, old_entry)
            self._watchers.setdefault(key, set()).add(watcher)
        return watcher

    def _forget_watcher(self, watcher):
        with self._lock:
            self._watchers.get(watcher.key, set()).discard(watcher)

    def close_watchers(self):
        """End every open watch (the server is stopping)."""
        with self._lock:
            watchers = [w for group in self._watchers.values() for w in group]
        for watcher in watchers:
            watcher.close()

    def watcher_count(self) -> int:
        with self._lock:
            return sum(len(w) for w in self._watchers.values())

    def subscribe(self, fn, copy=True):
        """fn(event_type, key, obj, old) after each commit; copy=False hands out the stored (read-only) dicts."""
        with self._lock:
            self._next_token += 1
            self._subscribers[self._next_token] = (fn, copy)
            return self._next_token

    def unsubscribe(self, token):
        with self._lock:
            self._subscribers.pop(token, None)

    def _dispatch(self):
        """Deliver pending events to subscribers in commit order, outside the store lock.

        A subscriber that writes from its callback does not dispatch re-entrantly: its event waits for the
        delivery loop already running on this thread, so every subscriber still sees events in commit order.
        """
        if not self._pending or getattr(self._dispatching, "active", False):
            return
        with self._dispatch_lock:
            self._dispatching.active = True
            try:
                self._deliver_pending()
            finally:
                self._dispatching.active = False

    def _deliver_pending(self):
        while True:
            try:
                event_type, key, entry, old_entry = self._pending.popleft()
            except IndexError:
                return
            for fn, copy in list(self._subscribers.values()):
                try:
                    if copy:
                        fn(event_type, key, entry.clone(), old_entry.clone() if old_entry else None)
                    else:
                        fn(event_type, key, entry.obj, old_entry.obj if old_entry else None)
                except Exception:  # a broken subscriber must not fail the writer
                    logging.getLogger(__name__).exception("store subscriber failed")


