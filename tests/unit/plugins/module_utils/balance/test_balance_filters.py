# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.balance import filters
from ansible_collections.workload.availability.plugins.module_utils.balance import inventory

from balance_snapshot import GI, launcher_pod, node, vmi


def setup(nodes, vmis, pods=()):
    """Node records, VM records and a PlacementState for these objects."""
    all_pods = [launcher_pod(v) for v in vmis] + list(pods)
    requested = inventory.requested_by_node(all_pods)
    records = dict((n["metadata"]["name"], inventory.node_record(n, requested.get(n["metadata"]["name"])))
                   for n in nodes)
    items = dict((inventory.key_of(v), inventory.vm_record(v, launcher_pod(v))) for v in vmis)
    members = [(item["node"], item) for item in items.values()]
    members += [(p["spec"]["nodeName"], filters.pod_member(p)) for p in pods]
    return records, items, filters.PlacementState(records, members)


def test_requests_fit_against_allocatable_and_follows_planned_moves():
    records, items, state = setup([node("w1", cpu=8, mem_gi=32), node("w2", cpu=8, mem_gi=32)],
                                  [vmi("big", "w1", mem_gi=20, cpu_request=2), vmi("filler", "w2", mem_gi=13)])
    big = items["vms/big"]
    assert filters.requests_fit(big, records["w2"], state).startswith("not enough memory")   # 13 + 20 > 32 GiB
    state.move(items["vms/filler"], "w2", "w1")
    assert filters.requests_fit(big, records["w2"], state) is None
    assert state.requested["w2"]["memory"] == 0 and state.requested["w1"]["pods"] == 2
    other = dict(big, key="vms/other")
    state.move(big, "w1", "w2")
    assert filters.requests_fit(other, records["w2"], state) == \
        "not enough memory: needs 20.0 GiB, 12.0 of 32.0 GiB free"


def test_requests_fit_checks_cpu_and_pod_count():
    records, items, state = setup([node("w1", cpu=4), node("w2", cpu=4, pods=1)],
                                  [vmi("a", "w1", cpu_request=3), vmi("b", "w2", cpu_request=2)])
    assert filters.requests_fit(items["vms/a"], records["w2"], state).startswith("not enough CPU")
    small = dict(items["vms/a"], requests={"cpu": 0.1, "memory": GI})
    assert filters.requests_fit(small, records["w2"], state) == "pod limit reached (1)"


def test_node_selector_and_required_node_affinity():
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]},
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["w3"]}]}]}}}
    nodes = [node("w1", labels={"zone": "a", "disk": "ssd"}), node("w2", labels={"zone": "b", "disk": "ssd"}),
             node("w3", labels={"zone": "c"})]
    records, items, state = setup(nodes, [vmi("a", "w1", affinity=affinity, node_selector={"disk": "ssd"})])
    item = items["vms/a"]
    assert filters.node_selector_fit(item, records["w2"], state) is None
    assert filters.node_selector_fit(item, records["w3"], state) == "nodeSelector disk=ssd not matched"
    assert filters.node_affinity_fit(item, records["w1"], state) is None
    assert filters.node_affinity_fit(item, records["w2"], state) == "required node affinity not matched"
    assert filters.node_affinity_fit(item, records["w3"], state) is None       # the second term (ORed)


def test_node_affinity_gt_lt_and_does_not_exist():
    term = {"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["16"]},
                                 {"key": "retired", "operator": "DoesNotExist"}]}
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}}}
    nodes = [node("w1", labels={"cores": "32"}), node("w2", labels={"cores": "8"}),
             node("w3", labels={"cores": "64", "retired": "yes"})]
    records, items, state = setup(nodes, [vmi("a", "w1", affinity=affinity)])
    fits = [filters.node_affinity_fit(items["vms/a"], records[n], state) is None for n in ("w1", "w2", "w3")]
    assert fits == [True, False, False]


def test_taints_need_tolerations_but_prefer_no_schedule_does_not():
    taint = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    nodes = [node("w1"), node("w2", taints=[taint]),
             node("w3", taints=[{"key": "x", "effect": "PreferNoSchedule"}])]
    records, items, state = setup(nodes, [
        vmi("plain", "w1"),
        vmi("tolerant", "w1", tolerations=[
            {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}])])
    assert filters.taints_fit(items["vms/plain"], records["w2"], state) == "taint dedicated:NoSchedule not tolerated"
    assert filters.taints_fit(items["vms/tolerant"], records["w2"], state) is None
    assert filters.taints_fit(items["vms/plain"], records["w3"], state) is None


ANTI = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "kubernetes.io/hostname"}]}}


def test_required_anti_affinity_of_the_moving_vm():
    records, items, state = setup([node("w1"), node("w2"), node("w3")], [
        vmi("db-1", "w1", labels={"app": "db"}, affinity=ANTI), vmi("db-2", "w2", labels={"app": "db"})])
    item = items["vms/db-1"]
    assert filters.pod_affinity_fit(item, records["w2"], state) == \
        "required anti-affinity: vms/db-2 runs in kubernetes.io/hostname=w2"
    assert filters.pod_affinity_fit(item, records["w3"], state) is None
    assert filters.pod_affinity_fit(item, records["w1"], state) is None          # it does not repel itself


def test_required_anti_affinity_of_vms_already_there_is_checked_too():
    records, items, state = setup([node("w1"), node("w2")], [
        vmi("web", "w1", labels={"app": "db"}), vmi("db-2", "w2", labels={"app": "x"}, affinity=ANTI)])
    assert filters.pod_affinity_fit(items["vms/web"], records["w2"], state) == \
        "anti-affinity of vms/db-2 forbids kubernetes.io/hostname=w2"
    state.move(items["vms/db-2"], "w2", "w1")
    assert filters.pod_affinity_fit(items["vms/web"], records["w2"], state) is None


def test_anti_affinity_across_a_zone_and_other_namespaces_only_when_listed():
    zone = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["db"]}]},
         "topologyKey": "zone"}]}}
    nodes = [node("w1", labels={"zone": "a"}), node("w2", labels={"zone": "b"}), node("w3", labels={"zone": "b"})]
    other_ns = {"metadata": {"name": "db-pod", "namespace": "other", "labels": {"app": "db"}},
                "spec": {"nodeName": "w3", "containers": []}, "status": {"phase": "Running"}}
    records, items, state = setup(nodes, [vmi("db-1", "w1", labels={"app": "db"}, affinity=zone)], [other_ns])
    assert filters.pod_affinity_fit(items["vms/db-1"], records["w2"], state) is None   # other namespace
    zone["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]["namespaces"] = ["other"]
    assert filters.pod_affinity_fit(items["vms/db-1"], records["w2"], state) == \
        "required anti-affinity: pod:other/db-pod runs in zone=b"


def test_required_pod_affinity_needs_a_partner_in_the_domain():
    together = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "cache"}}, "topologyKey": "kubernetes.io/hostname"}]}}
    records, items, state = setup([node("w1"), node("w2"), node("w3")], [
        vmi("app", "w1", affinity=together), vmi("cache", "w2", labels={"app": "cache"})])
    assert filters.pod_affinity_fit(items["vms/app"], records["w2"], state) is None
    assert filters.pod_affinity_fit(items["vms/app"], records["w3"], state) == \
        "required pod affinity not satisfied in kubernetes.io/hostname=w3"


def test_fits_all_returns_the_first_refusal_in_filter_order():
    unschedulable = node("w2", labels={"kubevirt.io/schedulable": "false"},
                         taints=[{"key": "t", "effect": "NoSchedule"}])
    records, items, state = setup([node("w1"), unschedulable], [vmi("a", "w1")])
    fits = filters.fits_all()
    assert fits(items["vms/a"], records["w2"], state) == "nodeSelector kubevirt.io/schedulable=true not matched"
    assert filters.fits_all((filters.taints_fit,))(items["vms/a"], records["w2"], state) == \
        "taint t:NoSchedule not tolerated"
    assert fits(items["vms/a"], records["w1"], state) is None
