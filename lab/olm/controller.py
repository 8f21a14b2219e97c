"""The lab's OLM: Subscription -> InstallPlan (Automatic, or Manual until approved) -> CRDs + CSV -> CSV phases.

As in OLM, the InstallPlan applies the bundle (the operator's CRDs, then its CSV); the CSV then walks
Pending -> InstallReady -> Installing -> Succeeded, or Failed when its namespace's OperatorGroup does not allow it.
No operator Deployment runs: the operators' runtime behaviour is out of the lab's scope.
"""

from __future__ import annotations

import datetime
import logging

from lab.olm import lifecycle, medik8s_crds, webhooks
from lab.olm.crd_builder import create_defaulted, install
from lab.olm.scheduler import Scheduler

LOG = logging.getLogger(__name__)

SUB_KEY = "subscriptions.operators.coreos.com"
IP_KEY = "installplans.operators.coreos.com"
CSV_KEY = "clusterserviceversions.operators.coreos.com"
OG_KEY = "operatorgroups.operators.coreos.com"
SUBSCRIPTION_ANNOTATION = "lab.workload.availability/subscription"


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _condition(type_: str, status: str, reason: str, message: str) -> dict:
    return {"type": type_, "status": status, "reason": reason, "message": message, "lastTransitionTime": now()}


class OlmController:
    def __init__(self, lab, step_seconds: float, retry_seconds: float):
        self.lab = lab
        self.store = lab.store
        self.step_seconds = step_seconds
        self.retry_seconds = retry_seconds
        self.scheduler = Scheduler("lab-olm")
        self._token = None
        self.installed: dict[tuple, str] = {}     # (namespace, csv) -> phase, for status()

    def start(self) -> None:
        self.scheduler.start()
        self._token = self.store.subscribe(self._on_event)
        for sub in self.store.list(SUB_KEY)[0]:
            self._enqueue_subscription(sub)
        for plan in self.store.list(IP_KEY)[0]:
            self._enqueue_plan(plan)

    def stop(self) -> None:
        if self._token is not None:
            self.store.unsubscribe(self._token)
        self.scheduler.stop()

    # ---------------------------------------------------------------- events (must not block)
    def _on_event(self, event_type, key, obj, old_obj) -> None:
        if event_type == "DELETED" or obj is None:
            return
        if key == SUB_KEY and (old_obj is None or old_obj.get("spec") != obj.get("spec")):
            self._enqueue_subscription(obj)
        elif key == IP_KEY:
            self._enqueue_plan(obj)

    def _enqueue_subscription(self, sub: dict) -> None:
        meta = sub["metadata"]
        if not (sub.get("status") or {}).get("installPlanRef"):
            self.scheduler.call(lambda: self.reconcile_subscription(meta["namespace"], meta["name"]))

    def _enqueue_plan(self, plan: dict) -> None:
        meta, spec = plan["metadata"], plan.get("spec") or {}
        phase = (plan.get("status") or {}).get("phase")
        if spec.get("approved") and phase in (None, "", "RequiresApproval", "Planning"):
            self.scheduler.call(lambda: self.execute_plan(meta["namespace"], meta["name"]), self.step_seconds)

    # ---------------------------------------------------------------- Subscription -> InstallPlan
    def reconcile_subscription(self, namespace: str, name: str) -> None:
        sub = self._get(SUB_KEY, namespace, name)
        if sub is None or (sub.get("status") or {}).get("installPlanRef"):
            return
        package, error = lifecycle.resolve(sub.get("spec") or {})
        if error:
            self._set_status(SUB_KEY, namespace, name, {
                "state": "", "lastUpdated": now(),
                "conditions": [_condition("ResolutionFailed", "True", "ConstraintsNotSatisfiable", error)],
                "catalogHealth": self._catalog_health()})
            return
        plan = self.store.create(IP_KEY, lifecycle.install_plan_object(package, sub))
        approval = plan["spec"]["approval"]
        self._set_status(IP_KEY, namespace, plan["metadata"]["name"], {
            "phase": "Installing" if approval == "Automatic" else "RequiresApproval",
            "catalogSources": [sub["spec"]["source"]],
            "bundleLookups": [{"path": f"registry.redhat.io/lab/{package.name}-bundle:v{package.version}",
                               "identifier": package.csv_name,
                               "catalogSourceRef": {"name": sub["spec"]["source"],
                                                    "namespace": sub["spec"]["sourceNamespace"]}}]})
        ref = {"apiVersion": "operators.coreos.com/v1alpha1", "kind": "InstallPlan", "namespace": namespace,
               "name": plan["metadata"]["name"], "uid": plan["metadata"].get("uid", ""),
               "resourceVersion": plan["metadata"].get("resourceVersion", "")}
        pending = _condition("InstallPlanPending", "True",
                             "Installing" if approval == "Automatic" else "RequiresApproval", "")
        self._set_status(SUB_KEY, namespace, name, {
            "state": "UpgradePending", "currentCSV": package.csv_name, "installPlanRef": ref,
            "installplan": {"apiVersion": ref["apiVersion"], "kind": "InstallPlan", "name": ref["name"],
                            "uuid": ref["uid"]},
            "installPlanGeneration": 1, "lastUpdated": now(), "conditions": [pending],
            "catalogHealth": self._catalog_health()})
        if approval == "Automatic":
            self.scheduler.call(lambda: self.execute_plan(namespace, plan["metadata"]["name"]), self.step_seconds)

    def _catalog_health(self) -> list[dict]:
        from lab.olm import catalog
        return [{"catalogSourceRef": {"apiVersion": "operators.coreos.com/v1alpha1", "kind": "CatalogSource",
                                      "name": source, "namespace": catalog.MARKETPLACE},
                 "healthy": True, "lastUpdated": now()} for source in catalog.CATALOGS]

    # ---------------------------------------------------------------- InstallPlan -> CRDs + CSV
    def execute_plan(self, namespace: str, name: str) -> None:
        plan = self._get(IP_KEY, namespace, name)
        if plan is None or not plan["spec"].get("approved"):
            return
        if (plan.get("status") or {}).get("phase") in ("Complete", "Failed"):
            return
        csv_name = plan["spec"]["clusterServiceVersionNames"][0]
        package = lifecycle.package_of_csv(csv_name, plan["spec"].get("source", ""))
        owner = next((r["name"] for r in plan["metadata"].get("ownerReferences", []) if r["kind"] == "Subscription"),
                     "")
        steps = []
        for definition in package.crd_definitions():
            install(self.lab, definition)
            steps.append({"resolving": csv_name, "status": "Created",
                          "resource": {"group": "apiextensions.k8s.io", "version": "v1",
                                       "kind": "CustomResourceDefinition", "name": definition["metadata"]["name"]}})
        if self._get(CSV_KEY, namespace, csv_name) is None:
            self.store.create(CSV_KEY, lifecycle.csv_object(package, namespace, owner))
        steps.append({"resolving": csv_name, "status": "Created",
                      "resource": {"group": "operators.coreos.com", "version": "v1alpha1",
                                   "kind": "ClusterServiceVersion", "name": csv_name}})
        self._set_status(IP_KEY, namespace, name, {
            "phase": "Complete", "plan": steps,
            "conditions": [_condition("Installed", "True", "", "")]})
        self._mutate_status(SUB_KEY, namespace, owner, lambda status: status.update({
            "conditions": [c for c in status.get("conditions", []) if c["type"] != "InstallPlanPending"],
            "lastUpdated": now()}))
        self.scheduler.call(lambda: self.step_csv(namespace, csv_name), self.step_seconds)

    # ---------------------------------------------------------------- CSV phases
    def step_csv(self, namespace: str, name: str) -> None:
        csv = self._get(CSV_KEY, namespace, name)
        if csv is None:
            return
        status = csv.get("status") or {}
        phase = status.get("phase")
        if phase == "Succeeded":
            return
        package = lifecycle.package_of_csv(name, "redhat-operators") or lifecycle.package_of_csv(
            name, "community-operators")
        index = 0 if phase == "Failed" else lifecycle.next_step(phase)
        if index >= 1:
            groups = self.store.list(OG_KEY, namespace=namespace)[0]
            problem = lifecycle.operator_group_problem(groups, package)
            if problem:
                self._set_csv_phase(namespace, name, "Failed", *problem)
                self.scheduler.call(lambda: self.step_csv(namespace, name), self.retry_seconds)
                return
        step_phase, reason, message = lifecycle.CSV_STEPS[index]
        self._set_csv_phase(namespace, name, step_phase, reason, message)
        if step_phase == "Succeeded":
            self._succeeded(csv, package)
        else:
            self.scheduler.call(lambda: self.step_csv(namespace, name), self.step_seconds)

    def _set_csv_phase(self, namespace: str, name: str, phase: str, reason: str, message: str) -> None:
        self.installed[(namespace, name)] = phase

        def update(status):
            stamp = now()
            conditions = status.get("conditions", [])
            conditions.append({"phase": phase, "reason": reason, "message": message,
                               "lastTransitionTime": stamp, "lastUpdateTime": stamp})
            status.update({"phase": phase, "reason": reason, "message": message, "lastUpdateTime": stamp,
                           "lastTransitionTime": stamp, "conditions": conditions[-10:],
                           "requirementStatus": [{"group": "operators.coreos.com", "version": "v1alpha1",
                                                  "kind": "ClusterServiceVersion", "name": name,
                                                  "status": "Present", "message": "CSV minKubeVersion (1.25.0) "
                                                                                  "less than server version"}]})
        self._mutate_status(CSV_KEY, namespace, name, update)

    def _succeeded(self, csv: dict, package) -> None:
        namespace = csv["metadata"]["namespace"]
        sub_name = csv["metadata"].get("annotations", {}).get(SUBSCRIPTION_ANNOTATION, "")
        self._mutate_status(SUB_KEY, namespace, sub_name, lambda status: status.update({
            "state": "AtLatestKnown", "installedCSV": csv["metadata"]["name"], "lastUpdated": now()}))
        server = getattr(self.lab, "server", None)
        if package.name in ("node-healthcheck-operator", "node-maintenance-operator") and server is not None:
            webhooks.register(server, self.store)
        if package.name == "self-node-remediation":
            for key, obj in medik8s_crds.self_node_remediation_defaults(namespace):
                try:
                    create_defaulted(self.lab, key, obj)
                except Exception as exc:  # noqa: BLE001 - already there from an earlier install
                    if getattr(exc, "code", None) != 409:
                        raise

    # ---------------------------------------------------------------- store helpers
    def _get(self, key, namespace, name) -> dict | None:
        try:
            return self.store.get(key, namespace, name)
        except Exception as exc:  # noqa: BLE001
            if getattr(exc, "code", None) == 404:
                return None
            raise

    def _set_status(self, key, namespace, name, status: dict) -> None:
        self._mutate_status(key, namespace, name, lambda current: current.update(status))

    def _mutate_status(self, key, namespace, name, change) -> None:
        if not name:
            return

        def fn(obj):
            status = obj.get("status") or {}
            change(status)
            obj["status"] = status
            return obj
        try:
            self.store.mutate(key, namespace, name, fn, subresource="status")
        except Exception as exc:  # noqa: BLE001 - deleted meanwhile: nothing to record
            if getattr(exc, "code", None) != 404:
                raise
