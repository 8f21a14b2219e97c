"""The validating webhooks the NHC and NMO operators ship with their CSVs, as lab admission hooks.

Validation rules from shared/reference/medik8s.md; each validator is a pure function returning causes.
"""

from __future__ import annotations

import re

from lab.olm.medik8s_crds import DURATION_PATTERN

NHC_KEY = "nodehealthchecks.remediation.medik8s.io"
NM_KEY = "nodemaintenances.nodemaintenance.medik8s.io"

_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration_seconds(text: str) -> float | None:
    if not isinstance(text, str) or not re.match(DURATION_PATTERN, text):
        return None
    return sum(float(number) * _UNIT_SECONDS[unit]
               for number, _, unit in re.findall(r"([0-9]+(\.[0-9]+)?)(ns|us|µs|ms|s|m|h)", text))


def _cause(field: str, message: str, reason: str = "FieldValueInvalid") -> dict:
    return {"reason": reason, "message": message, "field": field}


def validate_node_health_check(spec: dict) -> list[dict]:
    causes = []
    selector = spec.get("selector") or {}
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        causes.append(_cause("spec.selector", "selector must not be empty: it would match every node"))
    has_min, has_max = spec.get("minHealthy") is not None, spec.get("maxUnhealthy") is not None
    if has_min == has_max:
        causes.append(_cause("spec.minHealthy", "exactly one of minHealthy and maxUnhealthy must be set"))
    has_template, escalations = spec.get("remediationTemplate") is not None, spec.get("escalatingRemediations")
    if has_template == bool(escalations):
        causes.append(_cause("spec.remediationTemplate",
                             "exactly one of remediationTemplate and escalatingRemediations must be set"))
    orders = set()
    for index, step in enumerate(escalations or []):
        order = step.get("order")
        if order in orders:
            causes.append(_cause(f"spec.escalatingRemediations[{index}].order",
                                 f"order {order} is used by more than one escalating remediation"))
        orders.add(order)
        seconds = duration_seconds(step.get("timeout"))
        if seconds is not None and seconds < 60:
            causes.append(_cause(f"spec.escalatingRemediations[{index}].timeout",
                                 f"timeout {step.get('timeout')} is shorter than the minimum of 1m"))
    return causes


def validate_node_maintenance(spec: dict, old_spec: dict | None, node_exists: bool,
                              other_maintenance_of_node: str | None) -> list[dict]:
    node = spec.get("nodeName")
    if old_spec is not None:
        if old_spec.get("nodeName") != node:
            return [_cause("spec.nodeName", "updating spec.nodeName is not allowed", "FieldValueForbidden")]
        return []
    causes = []
    if not node_exists:
        causes.append(_cause("spec.nodeName", f"invalid nodeName: no node named {node!r}", "FieldValueNotFound"))
    if other_maintenance_of_node:
        causes.append(_cause("spec.nodeName", f"invalid nodeName: NodeMaintenance {other_maintenance_of_node} "
                                              f"already exists for node {node!r}", "FieldValueDuplicate"))
    return causes


def register(server, store) -> None:
    """Install both webhooks on the lab's API server (idempotent per server)."""
    from lab.apiserver.errors import invalid

    if getattr(server, "_lab_olm_webhooks", False):
        return
    server._lab_olm_webhooks = True

    def nhc_hook(request):
        if request.subresource:
            return
        causes = validate_node_health_check((request.object or {}).get("spec") or {})
        if causes:
            raise invalid("NodeHealthCheck", request.name or request.object["metadata"].get("name"), causes)

    def nm_hook(request):
        if request.subresource:
            return
        obj = request.object or {}
        spec, name = obj.get("spec") or {}, obj.get("metadata", {}).get("name")
        old_spec = (request.old_object or {}).get("spec") if request.operation == "UPDATE" else None
        node = spec.get("nodeName")
        try:
            store.get("nodes", None, node)
            node_exists = True
        except Exception:  # noqa: BLE001 - 404 from the store
            node_exists = False
        others, _ = store.list(NM_KEY)
        duplicate = next((o["metadata"]["name"] for o in others
                          if o.get("spec", {}).get("nodeName") == node and o["metadata"]["name"] != name), None)
        causes = validate_node_maintenance(spec, old_spec, node_exists, duplicate)
        if causes:
            raise invalid("NodeMaintenance", name, causes)

    for operation in ("CREATE", "UPDATE"):
        server.admission.register(NHC_KEY, operation, nhc_hook)
        server.admission.register(NM_KEY, operation, nm_hook)
