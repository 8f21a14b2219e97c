"""OlmComponent: OLM kinds, catalogs, package manifests and the install controller; OpenShift kinds."""

from __future__ import annotations

import logging
import uuid

from lab.olm import catalog, olm_crds, openshift_crds, packageserver
from lab.olm.controller import CSV_KEY, OlmController, now
from lab.olm.crd_builder import install

LOG = logging.getLogger(__name__)

PRESETS = {"fast": {"step_seconds": 0.2, "retry_seconds": 1.0},
           "realistic": {"step_seconds": 5.0, "retry_seconds": 15.0}}
NAMESPACES = ("openshift-marketplace", "openshift-operators", "openshift-operator-lifecycle-manager")


def settings(preset: str, overrides: dict | None) -> dict:
    values = dict(PRESETS.get(preset, PRESETS["fast"]))
    for key, value in (overrides or {}).items():
        if key.startswith("olm_") and key[4:] in values:
            values[key[4:]] = float(value)
    return values


class OlmComponent:
    name = "olm"

    def __init__(self, lab):
        self.lab = lab
        self.settings = settings(getattr(lab, "preset", "fast"), getattr(lab, "overrides", None))
        self.controller: OlmController | None = None

    def start(self) -> None:
        store = self.lab.store
        for definition in olm_crds.definitions() + [openshift_crds.machine_config(),
                                                    openshift_crds.cluster_version()]:
            install(self.lab, definition)
        for namespace in NAMESPACES:
            _create(store, "namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {
                "name": namespace, "labels": {"openshift.io/cluster-monitoring": "true"}}})
        _create(store, "operatorgroups.operators.coreos.com", {
            "apiVersion": "operators.coreos.com/v1", "kind": "OperatorGroup",
            "metadata": {"name": "global-operators", "namespace": "openshift-operators"}, "spec": {}},
            status={"namespaces": [""], "lastUpdated": now()})
        for source in catalog.CATALOGS:
            obj, status = catalog.catalog_source(source, now())
            _create(store, "catalogsources.operators.coreos.com", obj, status=status)
        cluster_id = str(uuid.UUID(int=(getattr(self.lab, "seed", 0) or 0) + 0x10AB))
        obj, status = openshift_crds.cluster_version_object(cluster_id, now())
        _create(store, "clusterversions.config.openshift.io", obj, status=status)
        server = getattr(self.lab, "server", None)
        if server is not None and hasattr(server, "register_aggregated"):
            from lab.apiserver.selectors import parse_label_selector
            server.register_aggregated(packageserver.GROUP, packageserver.VERSION, [packageserver.resource_type()],
                                       packageserver.handler(now, parse_label_selector))
        self.controller = OlmController(self.lab, self.settings["step_seconds"], self.settings["retry_seconds"])
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def status(self) -> dict:
        csvs = {}
        try:
            for csv in self.lab.store.list(CSV_KEY)[0]:
                meta = csv["metadata"]
                csvs[f"{meta['namespace']}/{meta['name']}"] = (csv.get("status") or {}).get("phase", "")
        except Exception:  # noqa: BLE001 - store not started
            pass
        return {"olm": {"catalogs": sorted(catalog.CATALOGS), "csvs": csvs}}

    def render_status(self, status: dict) -> str:
        info = status.get("olm", {})
        lines = [f"OLM: catalogs {', '.join(info.get('catalogs', []))}"]
        for name, phase in sorted(info.get("csvs", {}).items()):
            lines.append(f"  {name:<70} {phase}")
        return "\n".join(lines)


def _create(store, key: str, obj: dict, status: dict | None = None) -> None:
    try:
        created = store.create(key, obj)
    except Exception as exc:  # noqa: BLE001
        if getattr(exc, "code", None) == 409:
            return
        raise
    if status is not None:
        created["status"] = status
        store.update(key, created, subresource="status")
