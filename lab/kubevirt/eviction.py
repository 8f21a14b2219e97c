"""The virt-launcher eviction interceptor (KubeVirt's virt-api validating webhook on pods/eviction).

Decisions follow KubeVirt's pod eviction admitter; denials are worded as kube-apiserver words a webhook denial
(`admission webhook "<name>" denied the request: <message>`) with the webhook's 429 code and no reason.
"""
from . import crds
from .kubevirt_cr import vmi_eviction_strategy
from .launcher import APP_LABEL, DOMAIN_ANNOTATION
from .objects import annotations_of, condition_is_true, labels_of
from ..apiserver.errors import ApiError

WEBHOOK_NAME = "virt-launcher-eviction-interceptor.kubevirt.io"
EVICTION_FORMAT = 'Eviction triggered evacuation of VMI "{namespace}/{name}"'


def denied(message: str) -> ApiError:
    return ApiError(429, "", f'admission webhook "{WEBHOOK_NAME}" denied the request: {message}')


def decide_eviction(pod: dict, vmi: dict | None, vmi_error: str | None, strategy: str | None):
    """("allow", None) | ("deny", message) | ("mark", message) for one eviction request (pure)."""
    if labels_of(pod).get(APP_LABEL) != "virt-launcher":
        return "allow", None
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return "allow", None
    if DOMAIN_ANNOTATION not in annotations_of(pod):
        return "allow", None
    if vmi is None:
        return "deny", f"kubevirt failed getting the vmi: {vmi_error}"
    if strategy is None:
        return "allow", None
    migratable = condition_is_true(vmi, "LiveMigratable")
    name = vmi["metadata"]["name"]
    if strategy == "LiveMigrate":
        if not migratable:
            return "deny", f"VMI {name} is configured with an eviction strategy but is not live-migratable"
        mark = True
    elif strategy == "LiveMigrateIfPossible":
        mark = migratable
    elif strategy == "External":
        mark = True
    else:
        mark = False
    if not mark:
        return "allow", None
    message = EVICTION_FORMAT.format(namespace=vmi["metadata"]["namespace"], name=name)
    status = vmi.get("status") or {}
    if status.get("evacuationNodeName"):
        return "deny", "Evacuation in progress: " + message
    if status.get("nodeName") != (pod.get("spec") or {}).get("nodeName"):
        return "deny", "Eviction request for target Pod"
    return "mark", message


def _is_dry_run(request) -> bool:
    if getattr(request, "dry_run", False):
        return True
    options = (request.object or {}).get("deleteOptions") or {}
    return "All" in (options.get("dryRun") or [])


class EvictionInterceptor:
    def __init__(self, store, cluster_config):
        self.store = store
        self.cluster_config = cluster_config

    def __call__(self, request):
        try:
            pod = self.store.get("pods", request.namespace, request.name)
        except ApiError:
            return
        vmi, vmi_error = None, None
        vmi_name = annotations_of(pod).get(DOMAIN_ANNOTATION)
        if vmi_name:
            try:
                vmi = self.store.get(crds.VMI_KEY, request.namespace, vmi_name)
            except ApiError as error:
                vmi_error = error.message
        strategy = vmi_eviction_strategy(self.cluster_config(), vmi) if vmi else None
        if strategy == "None":
            strategy = None
        verdict, message = decide_eviction(pod, vmi, vmi_error, strategy)
        if verdict == "allow":
            return
        if verdict == "mark" and not _is_dry_run(request):
            node = (pod.get("spec") or {}).get("nodeName")

            def mark(obj):
                status = obj.setdefault("status", {})
                if status.get("evacuationNodeName"):
                    return None
                status["evacuationNodeName"] = node
                return obj
            try:
                self.store.mutate(crds.VMI_KEY, request.namespace, vmi_name, mark, subresource="status", copy=False)
            except ApiError as error:
                raise denied(f"kubevirt failed marking the vmi for eviction: {error.message}")
        raise denied(message)
