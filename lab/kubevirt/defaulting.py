"""Creates objects as the API server would store them when KubeVirt posts them: with the server's defaults."""

from lab.apiserver.admission import AdmissionRequest


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
            if key == "pods":
                obj = self._admit_pod(obj, dry_run)
        return self._store.create(key, obj, dry_run=dry_run, copy=copy)

    def _admit_pod(self, pod, dry_run):
        # Mutating admission runs after defaulting on every API create; for pods it holds the DefaultTolerationSeconds
        # step with the lab's configured seconds, which a virt-launcher gets like any other pod. Pods only, so the
        # migrations KubeVirt's controllers create keep bypassing the lab's migration webhook as before.
        admission = getattr(self._server, "admission", None)
        if admission is None:
            return pod
        meta = pod.get("metadata") or {}
        request = AdmissionRequest("CREATE", "pods", meta.get("namespace"), meta.get("name"), pod, None,
                                   dry_run=dry_run)
        admission.run(request)
        return request.object
