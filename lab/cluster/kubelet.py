"""Simulated kubelets, one per machine, all driven from the controller runner.

A kubelet that runs and reaches the API registers its Node, renews its Lease in kube-node-lease, posts the
Ready condition, starts the pods bound to its node (Running after a start delay) and finishes their graceful
deletion (delete with grace 0 once the containers stopped). A kubelet that is stopped, or partitioned away from
the API, does none of that, while a partitioned or kubelet-stopped machine keeps its containers running. After a
power cycle the machine runs nothing: pods still bound to it restart (restartPolicy Always/OnFailure) or fail
(Never), and pods deleted meanwhile are gone for good."""

import time

from . import nodeobjects
from .podutil import (condition_status, is_deleting, is_terminal, meta, name_of, namespace_of, node_allocatable,
                      now_micro, now_rfc3339, pod_requests, set_condition, uid_of)

CONTAINER_ID_PREFIX = "cri-o://"


class Kubelets:
    name = "kubelet"

    def __init__(self, api, cache, machines, timings, runner, node_specs, recorder):
        self.api = api
        self.cache = cache
        self.machines = machines
        self.timings = timings
        self.runner = runner
        self.specs = {spec["name"]: spec for spec in node_specs}
        self.recorder = recorder
        self.registered: set = set()
        self.last_report: dict = {}
        self.starting: dict = {name: {} for name in self.specs}
        self.stopping: dict = {name: {} for name in self.specs}

    # --- wiring ---
    def start(self):
        for name in self.specs:
            self.runner.enqueue(self, ("heartbeat-timer", name), urgent=True)

    def on_machine_change(self, node, change):
        if node in self.specs:
            self.runner.enqueue(self, ("machine", node, change))

    def on_event(self, event_type, key, obj, old):
        if key == "pods":
            node = (obj.get("spec") or {}).get("nodeName") or ((old or {}).get("spec") or {}).get("nodeName")
            if node in self.specs:
                self.runner.enqueue(self, ("node", node))
        elif key == "nodes" and event_type == "MODIFIED":
            name = name_of(obj)
            if name in self.specs and condition_status(obj, "Ready") != "True":
                self.runner.enqueue(self, ("beat", name))

    def resync(self):
        for name in self.specs:
            self.runner.enqueue(self, ("node", name))

    def sync(self, item):
        kind, node = item[0], item[1]
        if kind == "beat":
            self._heartbeat(node)
        elif kind == "heartbeat-timer":
            # The only self-rescheduling item per node: one heartbeat chain however often "beat" is queued.
            self.runner.enqueue_after(self.timings.lease_renew_seconds, self, ("heartbeat-timer", node), urgent=True)
            self._heartbeat(node)
        elif kind == "machine":
            change = item[2]
            if change in ("kubelet_stop", "power_off"):
                self.registered.discard(node)
                self.starting[node].clear()
                self.stopping[node].clear()
            if change in ("kubelet_start", "booted", "heal"):
                self._heartbeat(node)
            self._sync_pods(node)
        else:
            self._sync_pods(node)

    # --- node registration, lease and status ---
    def _heartbeat(self, node):
        if not self.machines.reaches_api(node):
            return
        machine = self.machines.get(node)
        if node not in self.registered:
            self.register_node(node, machine)
        self.renew_lease(node)
        current = self.cache.get("nodes", "", node)
        if current is None:
            return
        due = time.monotonic() - self.last_report.get(node, 0) >= self.timings.node_status_report_seconds
        stale = condition_status(current, "Ready") != "True"
        if due or stale:
            self._post_status(node, machine)

    def register_node(self, node, machine):
        now = now_rfc3339()
        existing = self.cache.get("nodes", "", node)
        if existing is None:
            existing = self.api.ensure("nodes", nodeobjects.build_node(self.specs[node], machine, now))
            self.cache.put("nodes", existing)
            self.recorder.record(existing, "Starting", "Starting kubelet.", host=node)
        else:
            previous_boot = ((existing.get("status") or {}).get("nodeInfo") or {}).get("bootID")
            if previous_boot and previous_boot != machine.boot_id:
                self.recorder.record(existing, "Rebooted",
                                     f"Node {node} has been rebooted, boot id: {machine.boot_id}",
                                     event_type="Warning", host=node)
            self._post_status(node, machine)
        self.registered.add(node)
        self.runner.enqueue(self, ("node", node))

    def _post_status(self, node, machine):
        now = now_rfc3339()
        fresh = {c["type"]: c for c in nodeobjects.node_conditions(now)}

        def report(obj):
            status = obj.setdefault("status", {})
            conditions = []
            for cond in status.get("conditions") or []:
                wanted = fresh.pop(cond.get("type"), None)
                if wanted is None:
                    conditions.append(cond)
                    continue
                if cond.get("status") == wanted["status"]:
                    wanted["lastTransitionTime"] = cond.get("lastTransitionTime", now)
                conditions.append(wanted)
            conditions.extend(fresh.values())
            status["conditions"] = conditions
            status["nodeInfo"] = nodeobjects.node_info(machine)
            return obj

        before = self.cache.get("nodes", "", node)
        if self.api.mutate("nodes", "", node, report, subresource="status") is not None:
            self.last_report[node] = time.monotonic()
            if before is not None and condition_status(before, "Ready") != "True":
                self.recorder.record(before, "NodeReady", f"Node {node} status is now: NodeReady", host=node)

    def renew_lease(self, node):
        renew = now_micro()

        def touch(lease):
            spec = lease.setdefault("spec", {})
            spec["holderIdentity"] = node
            spec["leaseDurationSeconds"] = self.timings.lease_duration_seconds
            spec["renewTime"] = renew
            return lease

        if self.api.mutate("leases.coordination.k8s.io", "kube-node-lease", node, touch) is None:
            node_obj = self.cache.get("nodes", "", node)
            lease = nodeobjects.build_lease(node, uid_of(node_obj) if node_obj else None,
                                            self.timings.lease_duration_seconds, renew)
            self.api.ensure("leases.coordination.k8s.io", lease)

    # --- pods ---
    def _sync_pods(self, node):
        machine = self.machines.get(node)
        if not machine.powered or machine.booting_until:
            self.starting[node].clear()
            self.stopping[node].clear()
            return
        if not machine.kubelet_running or machine.partitioned:
            return
        if node not in self.registered:
            self._heartbeat(node)
        running = self.machines.running_pods(node)
        present = set()
        for pod in self.cache.pods_on(node):
            uid = uid_of(pod)
            present.add(uid)
            if is_deleting(pod):
                self._stop(node, pod, uid in running)
            elif is_terminal(pod):
                if uid in running:
                    self.machines.pod_stopped(node, uid)
            elif uid in running:
                if not _reported_ready(pod):
                    self._report_running(pod, restarted=False)
            else:
                self._start(node, pod)
        for uid in set(running) - present:
            # Deleted (forced) while this kubelet could not see the API: its containers are killed now.
            self.machines.pod_stopped(node, uid)
        for table in (self.starting[node], self.stopping[node]):
            for uid in set(table) - present:
                del table[uid]

    def _start(self, node, pod):
        uid = uid_of(pod)
        now = time.monotonic()
        if uid not in self.starting[node]:
            if self._ran_before(pod) and (pod.get("spec") or {}).get("restartPolicy", "Always") == "Never":
                self._report_lost_containers(pod)
                return
            if not self._ran_before(pod):
                shortage = self._admission_shortage(node, pod)
                if shortage:
                    self._reject(pod, *shortage)
                    return
            self.starting[node][uid] = now + self.timings.pod_start_seconds
        due = self.starting[node][uid]
        if now < due:
            self.runner.enqueue_after(due - now, self, ("node", node))
            return
        del self.starting[node][uid]
        if self.machines.pod_started(node, uid, namespace_of(pod), name_of(pod)):
            self._report_running(pod, restarted=self._ran_before(pod))

    def _admission_shortage(self, node, pod):
        """The kubelet's own resource admission (pods bound without the scheduler can be rejected):
        (resource, requested, used, capacity) of the first resource that does not fit, else None."""
        node_obj = self.cache.get("nodes", "", node)
        if node_obj is None:
            return None
        allocatable = node_allocatable(node_obj)
        admitted = set(self.machines.running_pods(node)) | set(self.starting[node])
        used: dict = {}
        for other in self.cache.pods_on(node):
            if uid_of(other) in admitted and uid_of(other) != uid_of(pod):
                for res, qty in pod_requests(other).items():
                    used[res] = used.get(res, 0.0) + qty
        for res, qty in sorted(pod_requests(pod).items()):
            if qty > 0 and used.get(res, 0.0) + qty > allocatable.get(res, 0.0) + 1e-9:
                scale = 1000 if res == "cpu" else 1
                return res, int(qty * scale), int(used.get(res, 0.0) * scale), int(allocatable.get(res, 0.0) * scale)
        return None

    def _reject(self, pod, resource, requested, used, capacity):
        message = (f"Pod was rejected: Node didn't have enough resource: {resource}, requested: {requested}, "
                   f"used: {used}, capacity: {capacity}")

        def rejected(obj):
            status = obj.setdefault("status", {})
            if status.get("phase") == "Failed":
                return None
            status.update({"phase": "Failed", "reason": f"OutOf{resource}", "message": message})
            return obj

        self.api.mutate("pods", namespace_of(pod), name_of(pod), rejected, subresource="status")
        self.recorder.record(pod, f"OutOf{resource}", f"Node didn't have enough resource: {resource}, requested: "
                             f"{requested}, used: {used}, capacity: {capacity}", event_type="Warning",
                             host=(pod.get("spec") or {}).get("nodeName"))

    @staticmethod
    def _ran_before(pod) -> bool:
        status = pod.get("status") or {}
        if status.get("phase") == "Running":
            return True
        return any((cs.get("state") or {}).get("running") or (cs.get("state") or {}).get("terminated")
                   for cs in status.get("containerStatuses") or [])

    def _stop(self, node, pod, running_here):
        uid = uid_of(pod)
        if running_here:
            md = meta(pod)
            grace = md.get("deletionGracePeriodSeconds")
            if grace is None:
                grace = (pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
            now = time.monotonic()
            due = self.stopping[node].setdefault(uid, now + min(float(grace), self.timings.pod_stop_seconds))
            if now < due:
                self.runner.enqueue_after(due - now, self, ("node", node))
                return
            self.machines.pod_stopped(node, uid)
        self.stopping[node].pop(uid, None)
        self.api.delete("pods", namespace_of(pod), name_of(pod), grace_period_seconds=0, uid=uid)

    def _report_running(self, pod, restarted):
        now = now_rfc3339()
        spec = pod.get("spec") or {}

        def running(obj):
            status = obj.setdefault("status", {})
            previous = {cs.get("name"): cs for cs in status.get("containerStatuses") or []}
            ready_already = (status.get("phase") == "Running" and not restarted
                             and all(cs.get("ready") for cs in previous.values())
                             and condition_status(obj, "Ready") == "True"
                             and condition_status(obj, "ContainersReady") == "True")
            if ready_already:
                return None
            status["phase"] = "Running"
            status.setdefault("startTime", now)
            status["containerStatuses"] = [
                _container_status(c, previous.get(c.get("name")), now, restarted, uid_of(obj))
                for c in spec.get("containers") or []
            ]
            for ctype in ("PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready", "PodScheduled"):
                set_condition(obj, ctype, "True", now=now)
                for cond in status["conditions"]:
                    if cond["type"] == ctype:
                        cond.pop("reason", None)
                        cond.pop("message", None)
            status.setdefault("qosClass", _qos_class(spec))
            return obj

        self.api.mutate("pods", namespace_of(pod), name_of(pod), running, subresource="status")

    def _report_lost_containers(self, pod):
        now = now_rfc3339()

        def failed(obj):
            status = obj.setdefault("status", {})
            if status.get("phase") == "Failed":
                return None
            status["phase"] = "Failed"
            statuses = []
            for cs in status.get("containerStatuses") or []:
                cs = dict(cs)
                cs["ready"] = False
                cs["started"] = False
                cs["state"] = {"terminated": {
                    "exitCode": 137, "reason": "ContainerStatusUnknown",
                    "message": "The container could not be located when the pod was terminated",
                    "startedAt": None, "finishedAt": now}}
                statuses.append(cs)
            status["containerStatuses"] = statuses
            set_condition(obj, "Ready", "False", reason="PodFailed", now=now)
            set_condition(obj, "ContainersReady", "False", reason="PodFailed", now=now)
            return obj

        self.api.mutate("pods", namespace_of(pod), name_of(pod), failed, subresource="status")


def _reported_ready(pod) -> bool:
    return ((pod.get("status") or {}).get("phase") == "Running" and condition_status(pod, "Ready") == "True"
            and condition_status(pod, "ContainersReady") == "True")


def _container_status(container, previous, now, restarted, pod_uid) -> dict:
    count = int((previous or {}).get("restartCount") or 0) + (1 if restarted and previous else 0)
    container_id = f"{pod_uid.replace('-', '')}{container.get('name', '')}{count}".encode().hex()[:64]
    return {
        "name": container.get("name"),
        "image": container.get("image", ""),
        "imageID": container.get("image", ""),
        "containerID": CONTAINER_ID_PREFIX + container_id,
        "ready": True,
        "started": True,
        "restartCount": count,
        "state": {"running": {"startedAt": now}},
        **({"lastState": previous.get("state")} if restarted and previous else {}),
    }


def _qos_class(spec) -> str:
    containers = spec.get("containers") or []
    requests_any = False
    guaranteed = bool(containers)
    for c in containers:
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if req or lim:
            requests_any = True
        for r in ("cpu", "memory"):
            if r not in lim or (r in req and req[r] != lim[r]):
                guaranteed = False
    if guaranteed:
        return "Guaranteed"
    return "Burstable" if requests_any else "BestEffort"
