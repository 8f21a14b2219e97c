# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rebalancing report: one self-contained HTML page (inline CSS and SVG, no script, no network).

``render(plan, observed=None, results=None, title=None, generated=None)`` -> HTML text.

- ``plan``: ``planner.plan_rebalance``'s result.
- ``observed``: after execution, the loads read again: ``{"nodes": {name: {"cpu", "memory", "combined"}},
  "imbalance": {dim: imbalance.measures}}`` (None in check mode).
- ``results``: per moved VM what happened: ``{vm key: {"status": "Succeeded" | "Failed" | ..., "reason", "seconds"}}``
  (the seconds the migration took, when it ran).
- ``generated``: the time text shown in the header (the caller's clock; this code reads none).

Sections: summary figures, per-node load bars (combined, CPU, memory; before / predicted / after, with the mean
and the high threshold), the moves, the imbalance figures, skipped VMs grouped by reason (full list folded in a
``<details>``), excluded nodes and notes. Tables carry ids (``moves``, ``imbalance``, ``skipped``,
``skipped-summary``, ``excluded-nodes``) for tests and styling.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from html import escape

from ansible_collections.workload.availability.plugins.module_utils.balance import report_svg

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem auto;max-width:1100px;
color:#1f2933;padding:0 1rem;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:1px solid #e4e7eb;
padding-bottom:.3rem}.sub{color:#616e7c;margin-top:0}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1.2rem 0}.card{border:1px solid #e4e7eb;border-radius:8px;
padding:.7rem 1rem;min-width:150px}.card .big{font-size:1.5rem;font-weight:600}.card .label{color:#616e7c;
font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.6rem 0}th,td{text-align:left;
padding:.35rem .5rem;border-bottom:1px solid #e4e7eb;vertical-align:top}th{background:#f5f7fa}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}.legend i{display:inline-block;width:.9rem;
height:.9rem;border-radius:2px;margin-right:.3rem;vertical-align:-2px}
svg.load-chart{max-width:760px;display:block}.ok{color:#1f9d55}.bad{color:#d64545}.muted{color:#7b8794}
details summary{cursor:pointer;color:#2f6fdf;margin:.4rem 0}
"""
STAGE_LABELS = (("before", "before"), ("predicted", "predicted"), ("after", "after (observed)"))


def _pct(value):
    return "-" if value is None else "%.1f %%" % (value * 100)


def _num(value, digits=3):
    return "-" if value is None else ("%.*f" % (digits, value))


def _table(table_id, headers, rows, numeric=()):
    head = "".join('<th%s>%s</th>' % (' class="num"' if i in numeric else "", escape(h))
                   for i, h in enumerate(headers))
    body = "".join("<tr>%s</tr>" % "".join('<td%s>%s</td>' % (' class="num"' if i in numeric else "", cell)
                                           for i, cell in enumerate(row)) for row in rows)
    return '<table id="%s"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>' % (table_id, head, body)


def _card(label, big, extra=""):
    return '<div class="card"><div class="label">%s</div><div class="big">%s</div>%s</div>' % (
        escape(label), big, extra)


def _summary(plan, observed):
    before = plan["imbalance"]["before"]["combined"]
    predicted = plan["imbalance"]["predicted"]["combined"]
    after = (observed or {}).get("imbalance", {}).get("combined") or {}
    stddev = "%s &rarr; %s" % (_num(before["stddev"]), _num(predicted["stddev"]))
    if after:
        stddev += " &rarr; %s" % _num(after.get("stddev"))
    memory = sum(move["memory_gib"] for move in plan["moves"])
    return '<div class="cards">%s%s%s%s</div><p id="stop-reason"><strong>Stopped:</strong> %s</p>' % (
        _card("Moves planned", str(len(plan["moves"])), '<div class="label">%.1f GiB of guest memory</div>' % memory),
        _card("Imbalance (stddev, combined)", stddev),
        _card("Coefficient of variation", "%s &rarr; %s" % (_num(before["cv"], 2), _num(predicted["cv"], 2))),
        _card("Busiest - idlest", "%s &rarr; %s" % (_pct(before["spread"]), _pct(predicted["spread"]))),
        escape(plan.get("stop_reason") or "-"))


def _charts(plan, observed):
    observed_nodes = (observed or {}).get("nodes") or {}
    nodes = sorted(plan["nodes"], key=lambda n: (-n["before"]["combined"], n["name"]))
    legend = '<p class="legend">%s</p>' % "".join(
        '<span><i style="background:%s"></i>%s</span>' % (report_svg.COLORS[stage], label)
        for stage, label in STAGE_LABELS if stage != "after" or observed_nodes)
    charts = []
    for dimension, title in (("combined", "Combined load"), ("cpu", "CPU load"), ("memory", "Memory load")):
        rows = [(node["name"], {"before": node["before"][dimension], "predicted": node["predicted"][dimension],
                                "after": (observed_nodes.get(node["name"]) or {}).get(dimension)})
                for node in nodes]
        bounds = plan["thresholds"].get("bounds_before", {}).get(dimension)
        charts.append("<h3>%s</h3>%s" % (escape(title), report_svg.load_chart(
            title, dimension, rows, high=bounds[1] if bounds else None,
            mean=plan["imbalance"]["before"][dimension]["mean"])))
    return legend + "".join(charts)


def _moves(plan, results):
    rows = []
    for index, move in enumerate(plan["moves"], 1):
        result = (results or {}).get(move["vm"])
        outcome = "-" if result is None else '<span class="%s">%s</span>%s%s' % (
            "ok" if result.get("status") == "Succeeded" else "bad", escape(str(result.get("status"))),
            " in %.0f s" % result["seconds"] if result.get("seconds") is not None else "",
            " &ndash; %s" % escape(str(result["reason"])) if result.get("reason") else "")
        dirty = "%.0f MiB/s%s" % (move["dirty_rate_mib_s"], " (assumed)" if move["dirty_rate_assumed"] else "")
        rows.append([str(index), escape(move["vm"]), "%s &rarr; %s" % (escape(move["from"]), escape(move["to"])),
                     "%.1f" % move["memory_gib"], str(move["wave"]), "%.0f s" % move["predicted_seconds"],
                     escape(move["predicted_mode"]), "%.0f MiB/s" % move["bandwidth_mib_s"], dirty,
                     "%.0f %%" % (move["predicted_gain"] * 100), outcome])
    if not rows:
        return '<p id="no-moves">No move: %s</p>' % escape(plan.get("stop_reason") or "nothing to do")
    return _table("moves", ["#", "VM", "from → to", "memory GiB", "wave", "predicted time", "mode", "bandwidth",
                            "dirty rate", "gain", "result"], rows, numeric=(0, 3, 4, 5, 7, 8, 9))


def _imbalance(plan, observed):
    after = (observed or {}).get("imbalance") or {}
    rows = []
    for dimension in ("combined", "cpu", "memory"):
        for figure, label, formatter in (("stddev", "stddev", _num), ("cv", "CV", _num),
                                         ("spread", "max - min", _pct), ("max", "busiest node", _pct)):
            row = [escape(dimension), label, formatter(plan["imbalance"]["before"][dimension][figure]),
                   formatter(plan["imbalance"]["predicted"][dimension][figure])]
            row.append(formatter((after.get(dimension) or {}).get(figure)) if after else "-")
            rows.append(row)
    return _table("imbalance", ["dimension", "figure", "before", "predicted", "after (observed)"], rows,
                  numeric=(2, 3, 4))


def _skipped(plan):
    skipped = plan["skipped"]
    if not skipped:
        return '<p class="muted">No VM was skipped.</p>'
    groups = {}
    for entry in skipped:
        category = entry["reason"].split(" (", 1)[0].split(":", 1)[0]
        groups.setdefault(category, []).append(entry["vm"])
    summary_rows = [[escape(category), str(len(vms)), escape(", ".join(vms[:5]) + (" ..." if len(vms) > 5 else ""))]
                    for category, vms in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    full = _table("skipped", ["VM", "node", "reason"],
                  [[escape(e["vm"]), escape(e["node"] or "-"), escape(e["reason"])] for e in skipped])
    return "%s<details><summary>All %d skipped VMs with their reasons</summary>%s</details>" % (
        _table("skipped-summary", ["reason", "VMs", "examples"], summary_rows, numeric=(1,)), len(skipped), full)


def _excluded_and_notes(plan):
    parts = []
    if plan["excluded_nodes"]:
        parts.append("<h2>Nodes left out</h2>" + _table(
            "excluded-nodes", ["node", "reason"],
            [[escape(e["node"]), escape(e["reason"])] for e in plan["excluded_nodes"]]))
    if plan["notes"]:
        parts.append('<h2>Notes</h2><ul id="notes">%s</ul>' % "".join(
            "<li>%s</li>" % escape(note) for note in plan["notes"]))
    return "".join(parts)


def render(plan, observed=None, results=None, title=None, generated=None):
    title = title or "VM rebalancing report"
    spec = plan["thresholds"]
    subtitle = "metrics: %s &middot; thresholds %s %d:%d %%%s &middot; target imbalance %s &middot; min gain %d %%" % (
        escape(plan["settings"]["metrics_source"]), escape(spec["name"]), round(spec["low"] * 100),
        round(spec["high"] * 100), " (deviation from the mean)" if spec["deviation"] else "",
        _num(plan["settings"]["target_imbalance"], 2) if plan["settings"]["target_imbalance"] else "off",
        round(plan["settings"]["min_gain"] * 100))
    if generated:
        subtitle += " &middot; %s" % escape(generated)
    return "".join([
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s</title>' % escape(title),
        '<meta name="viewport" content="width=device-width, initial-scale=1"><style>%s</style></head><body>' % STYLE,
        '<h1>%s</h1><p class="sub">%s</p>' % (escape(title), subtitle),
        _summary(plan, observed),
        "<h2>Node load</h2>", _charts(plan, observed),
        "<h2>Moves</h2>", _moves(plan, results),
        "<h2>Imbalance</h2>", _imbalance(plan, observed),
        "<h2>Skipped VMs</h2>", _skipped(plan),
        _excluded_and_notes(plan),
        "</body></html>",
    ])
