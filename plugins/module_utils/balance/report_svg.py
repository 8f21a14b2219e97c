# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inline SVG bar charts of node loads: one row per node, one bar per stage (before, predicted, after).

``load_chart(title, dimension, rows, high=None, mean=None)`` -> an ``<svg>`` string. ``rows``: [(node, {stage:
load or None})] in display order; stages without a value are not drawn. Loads are fractions (1.0 = 100 %) and may
exceed 1 (pressure on a saturated node). Every bar carries ``class="bar <stage>"``, ``data-node`` and
``data-value`` so the report can be checked by a parser, and a ``<title>`` for a hover tooltip.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from html import escape

STAGES = ("before", "predicted", "after")
COLORS = {"before": "#9aa5b1", "predicted": "#2f6fdf", "after": "#1f9d55"}
LINE_STYLES = {"mean": ("#52606d", "2 3"), "high": ("#d64545", "5 3")}
TEXT_COLOR = "#3e4c59"
LABEL_WIDTH = 170
PLOT_WIDTH = 520
RIGHT_MARGIN = 60
AXIS_HEIGHT = 22


def _bar_height(row_count):
    return 9 if row_count <= 40 else 5 if row_count <= 150 else 3


def _x(value, scale):
    return LABEL_WIDTH + PLOT_WIDTH * min(value, scale) / scale


def _line(css_class, value, scale, height, label, label_y):
    x = _x(value, scale)
    color, dashes = LINE_STYLES[css_class]
    return ('<line class="%s" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-dasharray="%s">'
            '<title>%s</title></line><text class="marker %s" x="%.1f" y="%d" fill="%s">%s</text>'
            % (css_class, x, AXIS_HEIGHT - 4, x, height, color, dashes, escape(label), css_class, x + 3, label_y,
               color, escape(label)))


def load_chart(title, dimension, rows, high=None, mean=None):
    stages = [stage for stage in STAGES if any(values.get(stage) is not None for _node, values in rows)]
    bar_height = _bar_height(len(rows))
    row_height = bar_height * max(1, len(stages)) + 6
    plot_bottom = AXIS_HEIGHT + row_height * len(rows) + 6
    height = plot_bottom + 30
    top = max([1.0] + [v for _n, values in rows for v in values.values() if v is not None])
    scale = min(2.0, top * 1.05 if top > 1.0 else 1.0)
    width = LABEL_WIDTH + PLOT_WIDTH + RIGHT_MARGIN
    # presentation attributes rather than CSS: the chart looks the same wherever the SVG ends up
    parts = ['<svg class="load-chart" data-dimension="%s" xmlns="http://www.w3.org/2000/svg" width="100%%" '
             'viewBox="0 0 %d %d" role="img" aria-label="%s" font-family="system-ui, sans-serif" font-size="11" '
             'fill="%s">' % (escape(dimension), width, height, escape(title), TEXT_COLOR)]
    for tick in range(0, int(scale * 100) + 1, 25):
        x = _x(tick / 100.0, scale)
        parts.append('<line class="grid" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e4e7eb"/>'
                     '<text class="tick" x="%.1f" y="%d" text-anchor="middle">%d%%</text>'
                     % (x, AXIS_HEIGHT, x, plot_bottom, x, AXIS_HEIGHT - 10, tick))
    for index, (node, values) in enumerate(rows):
        y = AXIS_HEIGHT + index * row_height + 3
        parts.append('<text class="node" x="%d" y="%d" text-anchor="end" dominant-baseline="middle">%s</text>'
                     % (LABEL_WIDTH - 8, y + row_height / 2, escape(node)))
        for position, stage in enumerate(stages):
            value = values.get(stage)
            if value is None:
                continue
            length = max(0.5, _x(value, scale) - LABEL_WIDTH)
            parts.append('<rect class="bar %s" data-node="%s" data-value="%.4f" x="%d" y="%d" width="%.1f" '
                         'height="%d" fill="%s"><title>%s %s: %.1f %%</title></rect>'
                         % (stage, escape(node), value, LABEL_WIDTH, y + position * bar_height, length, bar_height,
                            COLORS[stage], escape(node), stage, value * 100))
            if len(rows) <= 40:
                parts.append('<text class="value" x="%.1f" y="%d" font-size="9">%.0f%%</text>'
                             % (LABEL_WIDTH + length + 4, y + position * bar_height + bar_height, value * 100))
    if mean is not None:
        parts.append(_line("mean", mean, scale, plot_bottom, "mean %.0f%%" % (mean * 100), plot_bottom + 12))
    if high is not None:
        parts.append(_line("high", high, scale, plot_bottom, "high %.0f%%" % (high * 100), plot_bottom + 25))
    parts.append("</svg>")
    return "".join(parts)
