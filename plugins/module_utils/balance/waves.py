# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which planned migrations run together, and the bandwidth each stream gets.

KubeVirt runs at most ``parallelMigrationsPerCluster`` migrations at once and at most
``parallelOutboundMigrationsPerNode`` out of one node; the rest wait Pending. The plan puts each move in the first
wave where both limits leave room, wave 0 starting with the migrations already in flight (Pending ones included:
they take the next free slot).

A stream's bandwidth is the least of: its source node's link divided by the streams leaving that node in the wave,
its target node's link divided by the streams entering it (links are full duplex), the per-stream ceiling (one
migration connection is bounded by one QEMU thread and TLS, not by the wire) and ``bandwidthPerMigration`` when the
KubeVirt CR sets it. All rates in bytes/s; 0 means "no ceiling".

``Waves(limits, in_flight, link_of, stream_ceiling, per_migration)``: ``wave_for(source)`` -> index,
``bandwidth(index, source, target, added)`` -> bytes/s, ``sharing(index, source, target)`` -> planned moves whose
bandwidth an added stream would cut, ``add(index, source, target, key)``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class Waves:
    def __init__(self, limits, in_flight, link_of, stream_ceiling=0.0, per_migration=0.0):
        self.limits = limits
        self.link_of = link_of
        self.ceilings = [c for c in (stream_ceiling, per_migration) if c and c > 0]
        self.waves = []
        for migration in in_flight:
            self._wave(0)["count"] += 1
            self._count(0, "out", migration.get("source"))
            self._count(0, "in", migration.get("target"))

    def _wave(self, index):
        while len(self.waves) <= index:
            self.waves.append({"count": 0, "out": {}, "in": {}, "moves": []})
        return self.waves[index]

    def _count(self, index, direction, node):
        if node:
            counts = self._wave(index)[direction]
            counts[node] = counts.get(node, 0) + 1

    def wave_for(self, source):
        index = 0
        while True:
            wave = self._wave(index)
            if wave["count"] < self.limits["per_cluster"] and wave["out"].get(source, 0) < self.limits["per_node"]:
                return index
            index += 1

    def bandwidth(self, index, source, target, added=None):
        """The bandwidth of a stream ``source`` -> ``target`` in wave ``index``, with the stream ``added``
        (source, target) counted as well: pass the candidate itself to price it, or to re-price a planned move."""
        wave = self._wave(index)
        added = added or (None, None)
        outbound = wave["out"].get(source, 0) + (1 if added[0] == source else 0)
        inbound = wave["in"].get(target, 0) + (1 if added[1] == target else 0)
        shares = [self.link_of(source) / max(1, outbound), self.link_of(target) / max(1, inbound)]
        return min(shares + self.ceilings)

    def sharing(self, index, source, target):
        """Planned moves of wave ``index`` on the same outbound or inbound link as a new ``source`` -> ``target``."""
        return [move for move in self._wave(index)["moves"] if move[0] == source or move[1] == target]

    def add(self, index, source, target, key):
        wave = self._wave(index)
        wave["count"] += 1
        wave["moves"].append((source, target, key))
        self._count(index, "out", source)
        self._count(index, "in", target)
