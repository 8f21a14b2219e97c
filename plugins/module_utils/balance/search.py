# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The search: source, VM and destination chosen together, one move at a time, best move first.

Objective: the variance of the nodes' combined load (``load.combined``), i.e. DRS's standard deviation squared.

Each step classifies the nodes with the thresholds (``thresholds.classify``) on the loads predicted so far:

- relieve: some node is overutilized and some underutilized (the descheduler's precondition): sources are the
  overutilized nodes, busiest first; destinations the underutilized ones, idlest first;
- even out: else, while the imbalance (stddev of combined load) is above ``target_imbalance``: sources are the nodes
  above the mean, destinations those below it;
- otherwise the cluster is within target and the search stops.

For the first ``SOURCE_BREADTH`` sources that have a movable VM, every VM on them is tried against the
destinations in order until ``DESTINATIONS_PER_VM`` of them accept it (idler destinations gain more, so the best
ones come first); a destination accepts when, in this order:

1. it stays at or below the high threshold in every dimension (a move never makes a new hotspot);
2. it ends no busier than the source (no overshoot: the reverse move can never gain, so no ping-pong);
3. the move removes at least ``min_gain`` of the imbalance the two nodes carry (their squared deviations from the
   mean; Proxmox's margin, taken on the pair because at hundreds of nodes no single move reaches a share of the
   cluster-wide figure) and lowers the cluster's variance;
4. the placement filters pass (placement/filters.py: schedulable, selectors, node affinity, taints, pod
   (anti-)affinity, requests against allocatable), on a placement state that follows the planned moves;
5. the migration is predicted to converge (``convergence``) at the bandwidth its wave leaves it, without slowing an
   already planned migration on the same links below convergence.

Among accepted moves the one with the most variance removed per GiB sent (memory re-sent for dirty pages
included, plus ``MIGRATION_OVERHEAD_GIB`` so tiny VMs are not moved for nothing) wins. Moves scoring within
``SCORE_TOLERANCE`` of the best count as equal, and so do moves of a VM of the same size from the same node within
``LOOKALIKE_TOLERANCE``; equals go to the VM key, then the destination name. One snapshot gives one plan whatever
order it was listed in, and the drift of the metrics between a check-mode run and the real one does not swap one
VM for its look-alike. A node that received a VM is
no source later in the plan and one that gave is no destination. The search stops at the target, at
``max_migrations``, or when no move is accepted.

Why the scoring is the rebalancer's own and not a placement scorer (``scorer(item, node, state)``): a move is
judged on the source, the VM and the destination together (what leaving does to the source counts as much as what
arriving does to the destination), on measured load rather than requests, and against the cost of the migration
the convergence model predicts; a placement scorer sees one item and one node's requests.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.workload.availability.plugins.module_utils.balance import convergence
from ansible_collections.workload.availability.plugins.module_utils.balance import load
from ansible_collections.workload.availability.plugins.module_utils.balance import thresholds
from ansible_collections.workload.availability.plugins.module_utils.placement.framework import why_not

SOURCE_BREADTH = 8
DESTINATIONS_PER_VM = 4
MIGRATION_OVERHEAD_GIB = 1.0
SCORE_TOLERANCE = 0.1
LOOKALIKE_TOLERANCE = 0.25
GIB = float(2 ** 30)
EPSILON = 1e-12


def _category(reason):
    """What a refusal is about, without its figures, so refusals by several destinations add up."""
    return reason.split(" (", 1)[0].split(":", 1)[0]


def gain_per_gib(variance_removed, transferred_bytes):
    """The move's score: imbalance (variance) removed per GiB the migration sends, dirty pages re-sent included,
    plus a fixed GiB-equivalent per migration (target pod start, handover)."""
    return variance_removed / (transferred_bytes / GIB + MIGRATION_OVERHEAD_GIB)


def pick(options):
    """The option to take: the first by (VM key, destination) among those scoring within SCORE_TOLERANCE of the
    best, or within LOOKALIKE_TOLERANCE when they move a VM of the same size from the same node (look-alikes:
    which of them goes is a matter of how busy each was in the last minute)."""
    if not options:
        return None
    best = max(options, key=lambda o: o["score"])

    def equal(option):
        tolerance = LOOKALIKE_TOLERANCE if (option["source"], option["memory"]) == (best["source"], best["memory"]) \
            else SCORE_TOLERANCE
        return option["score"] >= best["score"] * (1.0 - tolerance)
    return min((option for option in options if equal(option)), key=lambda o: (o["key"], o["target"]))


def summarize(reasons, examined):
    """One line from {category: (count, first full reason)}."""
    parts = ["%d x %s" % (count, example) if count > 1 else example
             for _category_name, (count, example) in sorted(reasons.items(), key=lambda kv: (-kv[1][0], kv[0]))]
    return "no destination accepted it (%d tried): %s" % (examined, "; ".join(parts[:3]))


class Search:
    """``problem``: {"entries": {node: load model entry, migrations in flight landed}, "measured": {node: loads as
    measured (default: those of the entries)}, "movable": {node: [VM keys]}, "items": {key: VM item}, "usage": {key:
    model VM usage}}; ``settings``: validated module settings; ``filters`` and ``state``: the
    placement filters and the PlacementState they run on; ``waves``: a Waves; ``config``: migration config."""

    def __init__(self, problem, settings, filters, state, waves, config):
        self.entries = dict(problem["entries"])
        self.movable = problem["movable"]
        self.items = problem["items"]
        self.usage = problem["usage"]
        self.settings = settings
        self.filters, self.state, self.waves, self.config = filters, state, waves, config
        self.weights = settings["weights"]
        self.loads = dict((name, load.node_loads(entry, self.weights)) for name, entry in self.entries.items())
        self.initial = problem.get("measured") or dict(self.loads)
        self.moves, self.reasons, self.predictions = [], {}, {}
        self.moved, self.gave, self.received = set(), set(), set()
        self.stop_reason = None

    # -- cluster figures ------------------------------------------------------------------------------------------
    def figures(self):
        names = sorted(self.loads)
        values = [self.loads[name]["combined"] for name in names]
        count = len(values)
        mean = math.fsum(values) / count
        square_sum = math.fsum(v * v for v in values)
        return {"count": count, "mean": mean, "square_sum": square_sum,
                "variance": max(0.0, square_sum / count - mean * mean)}

    # -- migrations -----------------------------------------------------------------------------------------------
    def dirty_rate(self, key):
        measured = self.usage[key].get("dirty_rate")
        rate = measured if measured is not None else self.settings["assumed_dirty_rate"]
        return rate * (1.0 + self.settings["dirty_rate_margin"]), measured is None

    def predict(self, key, bandwidth):
        cache_key = (key, round(bandwidth))
        if cache_key not in self.predictions:
            usage = self.usage[key]
            first_pass = usage["memory"] if usage.get("basis") != "requests" else None
            self.predictions[cache_key] = convergence.predict(
                self.items[key]["guest_memory"], self.dirty_rate(key)[0], bandwidth, self.config, first_pass)
        return self.predictions[cache_key]

    def migration(self, key, source, target):
        """(wave, prediction, refusal): refusal is None when the migration and the planned ones sharing its links
        all converge."""
        wave = self.waves.wave_for(source)
        prediction = self.predict(key, self.waves.bandwidth(wave, source, target, added=(source, target)))
        if not convergence.acceptable(prediction):
            return wave, prediction, "would not converge (%s)" % prediction["reason"]
        for other_source, other_target, other in self.waves.sharing(wave, source, target):
            bandwidth = self.waves.bandwidth(wave, other_source, other_target, added=(source, target))
            if not convergence.acceptable(self.predict(other, bandwidth)):
                return wave, prediction, "would slow the planned migration of %s below convergence" % other
        return wave, prediction, None

    # -- one step -------------------------------------------------------------------------------------------------
    def busiest_first(self, name):
        return (-self.loads[name]["combined"], name)

    def idlest_first(self, name):
        return (self.loads[name]["combined"], name)

    def phases(self, figures):
        """(bounds, [(sources, destinations)] to try in order, stop reason when there is nothing to try)."""
        bounds = thresholds.bounds(self.settings["thresholds"], self.loads)
        classes = thresholds.classify(self.loads, bounds)
        names = sorted(self.loads)
        over = [n for n in names if classes[n] == "over"]
        under = [n for n in names if classes[n] == "under"]
        busiest_first, idlest_first = self.busiest_first, self.idlest_first
        target = self.settings["target_imbalance"]
        stddev = math.sqrt(figures["variance"])
        tries = []
        if over and under:
            tries.append((sorted(over, key=busiest_first), sorted(under, key=idlest_first)))
        if target is not None and stddev > target:
            mean = figures["mean"]
            tries.append((sorted((n for n in names if self.loads[n]["combined"] > mean), key=busiest_first),
                          sorted((n for n in names if self.loads[n]["combined"] < mean), key=idlest_first)))
        if tries:
            return bounds, tries, None
        if over:
            return bounds, [], ("%d node(s) above the high threshold (%s) but none underutilized to receive their "
                                "VMs" % (len(over), ", ".join(over)))
        reason = "within target: no node above its high threshold"
        if target is not None:
            reason += "; imbalance %.3f <= target_imbalance %.3f" % (stddev, target)
        return bounds, [], reason

    def candidate(self, key, source, destinations, bounds, figures):
        """The best accepted move of VM ``key`` from ``source``, or None with its reason recorded."""
        usage, item = self.usage[key], self.items[key]
        source_entry = load.shifted(self.entries[source], usage, -1)
        source_after = load.node_loads(source_entry, self.weights)
        count, mean = figures["count"], figures["mean"]
        before_source = self.loads[source]["combined"]
        accepted, reasons, examined = [], {}, 0

        def refuse(reason):
            entry = reasons.setdefault(_category(reason), [0, "%s: %s" % (target, reason)])
            entry[0] += 1

        for target in destinations:
            if target == source:
                continue
            examined += 1
            target_entry = load.shifted(self.entries[target], usage, 1)
            target_after = load.node_loads(target_entry, self.weights)
            over = [d for d in thresholds.DIMENSIONS if target_after[d] > bounds[d][1]]
            if over:
                refuse("would push %s above the high threshold (%.0f %% > %.0f %%)"
                       % (over[0], target_after[over[0]] * 100, bounds[over[0]][1] * 100))
                continue
            if target_after["combined"] > source_after["combined"] + EPSILON:
                refuse("would end busier than the source (overshoot)")
                if self.loads[target]["combined"] >= source_after["combined"]:
                    break       # destinations come idlest first: every later one is busier still
                continue
            before_target = self.loads[target]["combined"]
            delta = source_after["combined"] - before_source + target_after["combined"] - before_target
            new_mean = mean + delta / count
            pair_before = (before_source - mean) ** 2 + (before_target - mean) ** 2
            pair_after = (source_after["combined"] - new_mean) ** 2 + (target_after["combined"] - new_mean) ** 2
            gain = (pair_before - pair_after) / pair_before if pair_before > 0 else 0.0
            new_variance = (figures["square_sum"] - before_source ** 2 - before_target ** 2
                            + source_after["combined"] ** 2 + target_after["combined"] ** 2) / count - new_mean ** 2
            if gain < self.settings["min_gain"]:
                refuse("below min_gain (removes %.0f %% of the two nodes' imbalance, %.0f %% needed)"
                       % (gain * 100, self.settings["min_gain"] * 100))
                continue
            if new_variance >= figures["variance"] - EPSILON:
                refuse("would not lower the cluster's imbalance")
                continue
            reason = why_not(item, self.state.nodes[target], self.state, self.filters)
            if reason:
                refuse(reason)
                continue
            wave, prediction, reason = self.migration(key, source, target)
            if reason:
                refuse(reason)
                continue
            accepted.append({
                "score": gain_per_gib(figures["variance"] - new_variance, prediction["transferred_bytes"]),
                "key": key, "source": source, "target": target, "memory": item["guest_memory"], "wave": wave,
                "gain": gain, "variance": new_variance,
                "prediction": prediction, "before": (before_source, before_target),
                "entries": (source_entry, target_entry), "loads": (source_after, target_after)})
            if len(accepted) >= DESTINATIONS_PER_VM:
                break
        best = pick(accepted)
        if best is None:
            self.reasons[key] = summarize(dict((k, tuple(v)) for k, v in reasons.items()), examined) \
                if examined else "no destination to try"
        return best

    def best_move(self, sources, destinations, bounds, figures):
        destinations = [n for n in destinations if n not in self.gave]
        options, productive = [], 0
        for source in sources:
            if source in self.received or productive >= SOURCE_BREADTH:
                continue
            found = False
            for key in self.movable.get(source, ()):
                if key in self.moved:
                    continue
                option = self.candidate(key, source, destinations, bounds, figures)
                if option is not None:
                    found = True
                    options.append(option)
            productive += 1 if found else 0
        return pick(options)

    def step(self):
        if len(self.loads) < 2:
            self.stop_reason = "fewer than two nodes take part in balancing"
            return None
        figures = self.figures()
        bounds, tries, stop = self.phases(figures)
        for sources, destinations in tries:
            best = self.best_move(sources, destinations, bounds, figures)
            if best is not None:
                return best
        self.stop_reason = stop or "no further move is accepted (min_gain, fit, convergence or limits): see skipped"
        return None

    def commit(self, option):
        key, source, target = option["key"], option["source"], option["target"]
        self.entries[source], self.entries[target] = option["entries"]
        self.loads[source], self.loads[target] = option["loads"]
        self.state.move(self.items[key], source, target)
        self.waves.add(option["wave"], source, target, key)
        self.moved.add(key)
        self.gave.add(source)
        self.received.add(target)
        self.reasons.pop(key, None)
        self.moves.append(option)

    def run(self):
        while True:
            if len(self.moves) >= self.settings["max_migrations"]:
                _bounds, tries, within = self.phases(self.figures())
                self.stop_reason = "max_migrations (%d) reached" % self.settings["max_migrations"] if tries \
                    else within
                break
            option = self.step()
            if option is None:
                break
            self.commit(option)
        return self

    def final_prediction(self, option):
        """A move's prediction with every stream of its wave planned (later moves may share its links)."""
        bandwidth = self.waves.bandwidth(option["wave"], option["source"], option["target"])
        return self.predict(option["key"], bandwidth)
