"""Namespace lifecycle: writes need an existing, non-terminating namespace; deletion empties it first."""
import logging
import threading

from . import errors

INITIAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
_LOG = logging.getLogger(__name__)


def check_namespace_open(store, namespace):
    """NamespaceLifecycle admission for creates of namespaced objects."""
    try:
        ns = store.get_entry("namespaces", None, namespace).obj
    except errors.ApiError:
        raise errors.not_found("namespaces", namespace)
    if ns["metadata"].get("deletionTimestamp"):
        raise errors.ApiError(403, "Forbidden",
                              f"unable to create new content in namespace {namespace} because it is being "
                              "terminated", {"name": namespace, "kind": "namespaces"})


class NamespaceFinalizer:
    """Deletes the content of a terminating namespace, then releases its `kubernetes` finalizer."""

    def __init__(self, store):
        self.store = store
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._token = store.subscribe(self._on_event, copy=False)
        self._thread = threading.Thread(target=self._run, name="namespace-finalizer", daemon=True)
        self._thread.start()

    def _on_event(self, event_type, key, obj, old):
        if key == "namespaces" and obj["metadata"].get("deletionTimestamp"):
            self._wake.set()
        elif old is not None and event_type == "DELETED" and obj["metadata"].get("namespace"):
            self._wake.set()

    def _run(self):
        while not self._stop.is_set():
            self._wake.wait(1.0)
            self._wake.clear()
            try:
                self._sweep()
            except Exception:
                _LOG.exception("namespace finalizer sweep failed")

    def _sweep(self):
        terminating, _ = self.store.snapshot("namespaces")
        for entry in terminating:
            meta = entry.obj["metadata"]
            if meta.get("deletionTimestamp"):
                self._finalize(meta["name"])

    def _finalize(self, namespace):
        remaining = 0
        for rt in self.store.registry.all():
            if not rt.namespaced or "delete" not in rt.verbs:
                continue
            try:
                entries, _ = self.store.snapshot(rt.key, namespace)
            except KeyError:
                continue
            for entry in entries:
                remaining += 1
                meta = entry.obj["metadata"]
                if meta.get("deletionTimestamp"):
                    continue
                try:
                    self.store.delete(rt.key, namespace, meta["name"], propagation_policy="Background")
                except errors.ApiError:
                    pass
        if remaining == 0:
            def release(ns):
                spec = ns.setdefault("spec", {})
                if "kubernetes" not in (spec.get("finalizers") or []):
                    return None
                spec["finalizers"] = [f for f in spec["finalizers"] if f != "kubernetes"]
                return ns
            try:
                self.store.mutate("namespaces", None, namespace, release)
            except errors.ApiError:
                pass

    def stop(self):
        self._stop.set()
        self._wake.set()
        self.store.unsubscribe(self._token)
        self._thread.join(timeout=2)
