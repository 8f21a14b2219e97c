"""Creates objects as the API server would store them when KubeVirt posts them: with the server's defaults."""


class DefaultingStore:
    """The store, except that create() first applies the API server's create-time defaulting.

    virt-controller creates launcher pods and migrations through the API, so they get the defaults every pod
    gets (default tolerations for not-ready/unreachable nodes, grace period, scheduler name, ...).
    """

    def __init__(self, store, server):
        self._store = store
        self._server = server

    def __getattr__(self, name):
        return getattr(self._store, name)

    def create(self, key, obj, dry_run=False, copy=True):
        if self._server is not None and hasattr(self._server, "prepare_create"):
            obj = self._server.prepare_create(self._store.registry.get(key), obj)
        return self._store.create(key, obj, dry_run=dry_run, copy=copy)
