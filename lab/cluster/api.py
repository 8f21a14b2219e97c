"""The controllers' writes to the store, mirrored into the cache at once (write-through)."""

from .podutil import meta


def api_defaults(key, obj):
    """What the API server's defaulting adds to a built-in object created over HTTP (controllers write to the
    store directly, so they apply it themselves)."""
    try:
        from lab.apiserver import builtin
    except ImportError:
        return obj
    return builtin.apply_defaults(key, obj)


def is_status(exc, code) -> bool:
    return getattr(exc, "code", None) == code


class Api:
    def __init__(self, store, cache):
        self.store = store
        self.cache = cache

    def registered(self, key) -> bool:
        try:
            self.store.registry.get(key)
            return True
        except KeyError:
            return False

    def create(self, key, obj):
        created = self.store.create(key, api_defaults(key, obj), copy=False)   # cached: shared, read-only
        self.cache.put(key, created)
        return created

    def ensure(self, key, obj):
        """Creates obj unless an object of that name exists; returns the stored one."""
        md = meta(obj)
        try:
            return self.create(key, obj)
        except Exception as exc:  # noqa: BLE001 - ApiError from the store; only 409 is expected
            if not is_status(exc, 409):
                raise
            return self.store.get(key, md.get("namespace"), md["name"])

    def mutate(self, key, namespace, name, fn, subresource=None):
        """Atomic read-modify-write; None when fn made no change or the object is gone."""
        try:
            updated = self.store.mutate(key, namespace, name, fn, subresource=subresource, copy=False)
        except Exception as exc:  # noqa: BLE001
            if is_status(exc, 404):
                return None
            raise
        if updated is not None:
            self.cache.put(key, updated)
        return updated

    def delete(self, key, namespace, name, grace_period_seconds=None, propagation_policy=None, uid=None):
        """Deletes; True if the object existed. uid guards against deleting a successor of the same name."""
        preconditions = {"uid": uid} if uid else None
        try:
            result, gone = self.store.delete_ex(key, namespace, name, grace_period_seconds=grace_period_seconds,
                                                propagation_policy=propagation_policy,
                                                preconditions=preconditions, copy=False)
        except Exception as exc:  # noqa: BLE001
            if is_status(exc, 404) or is_status(exc, 409):
                return False
            raise
        if gone:
            self.cache.remove(key, result)
        else:
            self.cache.put(key, result)
        return True
