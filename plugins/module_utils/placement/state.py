# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state of a placement pass (pure): every node's state (placement/nodes.py) with what the pass placed,
removed or moved so far, and the topology domains the (anti-)affinity filters look across.

``PlacementState(nodes, anti_affinity_topologies=(HOSTNAME_LABEL,))``:

- ``nodes`` (name -> node state, copied: the caller's states are never changed) and ``placed`` (key -> node);
- ``add(item, name)``, ``remove(item, name)``, ``move(item, source, target)``: the item's requests and its
  workload entry follow it (a live migration's source pod completes, so the source gets its room back);
- ``domain_workloads(topology_key, value)``: the workloads on the nodes labelled ``topology_key=value``;
- ``repellers(topology_key, value)``: the workloads in that domain with required anti-affinity on that key (topology
  keys other than the hostname, whose domain is the node itself), ``repelling_topologies()``: those keys;
- ``checks_anti_affinity_on(topology_key)``: whether the pass evaluates anti-affinity terms of that key over whole
  domains. node_maintenance's pass keeps its per-node check (the hostname topology, its behaviour since it was
  written); rebalance_vms passes ``None``, every key, as the kube-scheduler does.

A workload is identified by ``workload_key(item)``: the pod key an item carries as ``pod_key`` (a VM is the
virt-launcher pod the node runs), else the item key.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.workload.availability.plugins.module_utils.core.nodes import HOSTNAME_LABEL


def workload_key(item):
    return item.get("pod_key") or item["key"]


def workload_entry(item):
    """What a node's ``workloads`` list holds of a placed item."""
    return {"key": workload_key(item), "namespace": item.get("namespace"), "labels": item.get("labels"),
            "anti_affinity": item.get("anti_affinity")}


class PlacementState(object):
    def __init__(self, nodes, anti_affinity_topologies=(HOSTNAME_LABEL,)):
        # the pass changes only the counters and the workload lists of its nodes: those are copied, the rest shared
        self.nodes = dict((name, dict(node, workloads=list(node.get("workloads") or [])))
                          for name, node in nodes.items())
        self.placed = {}
        self.anti_affinity_topologies = anti_affinity_topologies
        self._domains = {}
        self._repellers = None

    # -- changes -----------------------------------------------------------------------------------------------
    def add(self, item, name):
        node = self.nodes[name]
        node["cpu_used"] += item["cpu"]
        node["mem_used"] += item["memory"]
        node["pods_used"] += 1
        entry = workload_entry(item)
        node.setdefault("workloads", []).append(entry)
        self._index(entry, name, True)
        self.placed[item["key"]] = name

    def remove(self, item, name):
        node = self.nodes[name]
        node["cpu_used"] -= item["cpu"]
        node["mem_used"] -= item["memory"]
        node["pods_used"] -= 1
        wanted = workload_key(item)
        for entry in [w for w in node.get("workloads") or [] if w.get("key") == wanted]:
            node["workloads"].remove(entry)
            self._index(entry, name, False)
        self.placed.pop(item["key"], None)

    def move(self, item, source, target):
        self.remove(item, source)
        self.add(item, target)

    def loads(self):
        return dict((name, round(max(node["cpu_used"] / node["cpu_alloc"] if node["cpu_alloc"] else 0,
                                     node["mem_used"] / node["mem_alloc"] if node["mem_alloc"] else 0), 4))
                    for name, node in self.nodes.items())

    # -- topology ----------------------------------------------------------------------------------------------
    def checks_anti_affinity_on(self, topology_key):
        return self.anti_affinity_topologies is None or topology_key in self.anti_affinity_topologies

    def domain_nodes(self, topology_key, value):
        if topology_key not in self._domains:
            index = {}
            for name in sorted(self.nodes):
                label = self.nodes[name]["labels"].get(topology_key)
                if label is not None:
                    index.setdefault(label, []).append(name)
            self._domains[topology_key] = index
        return self._domains[topology_key].get(value, ())

    def domain_workloads(self, topology_key, value):
        for name in self.domain_nodes(topology_key, value):
            yield from self.nodes[name].get("workloads") or ()

    def all_workloads(self):
        for name in sorted(self.nodes):
            yield from self.nodes[name].get("workloads") or ()

    def repellers(self, topology_key, value):
        """Workloads in the domain ``topology_key=value`` whose required anti-affinity uses that key."""
        if self._repellers is None:
            self._repellers = {}
            for name in sorted(self.nodes):
                for workload in self.nodes[name].get("workloads") or ():
                    self._index(workload, name, True)
        return list(self._repellers.get((topology_key, value), {}).values())

    def repelling_topologies(self):
        if self._repellers is None:
            self.repellers(None, None)
        return sorted(set(key for key, _value in self._repellers))

    def _index(self, workload, name, present):
        if self._repellers is None:
            return
        labels = self.nodes[name]["labels"]
        for topology_key in set(term.get("topologyKey") for term in workload.get("anti_affinity") or ()):
            if topology_key == HOSTNAME_LABEL:
                continue
            domain = (topology_key, labels.get(topology_key))
            if domain[1] is None:
                continue
            members = self._repellers.setdefault(domain, {})
            if present:
                members[workload.get("key")] = workload
            else:
                members.pop(workload.get("key"), None)
                if not members:
                    del self._repellers[domain]
