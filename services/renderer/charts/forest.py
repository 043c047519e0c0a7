"""Forest plot: point estimates with confidence intervals on a log axis, one row per event.

Ratios such as the reporting odds ratio are symmetric on a log scale (2 and 0.5 are equally far
from 1), so the axis is logarithmic and the line of no effect (1) is drawn. An interval that runs
past the axis is clipped and ends in an arrow, so a huge upper bound from a small count is shown
as "beyond" rather than squashing every other row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from services.renderer.charts.axes import bottom_axis
from services.renderer.charts.scale import LogScale, format_tick, log_domain, log_ticks
from services.renderer.charts.svg import (
    DEFAULT_STYLE,
    ChartStyle,
    element,
    fit_text,
    fmt,
    segments,
    svg_document,
    text,
    text_width,
)

_ROW_HEIGHT = 16.0
_AXIS_HEIGHT = 30.0
_GAP = 8.0
_MARKER = 6.0
_ARROW = 4.0
_AXIS_LIMITS = (0.01, 1000.0)
"""No axis runs past these: beyond them a ratio says only "very small" or "very large"."""


@dataclass(frozen=True)
class ForestRow:
    label: str
    estimate: float
    lower: float
    upper: float
    highlight: bool = False
    """Drawn in the highlight colour (e.g. the row meets the signal criteria)."""


def estimate_with_interval(row: ForestRow) -> str:
    """``2.31 (1.52–3.51)``: the row's estimate and interval as printed beside the plot."""
    return format_interval(row.estimate, row.lower, row.upper)


def format_interval(estimate: float, lower: float, upper: float) -> str:
    """``2.31 (1.52–3.51)``; values of 100 and more without decimals, ``∞`` for infinity."""
    return f"{_ratio(estimate)} ({_ratio(lower)}–{_ratio(upper)})"


def forest_plot(
    rows: Sequence[ForestRow],
    *,
    title: str,
    x_label: str,
    reference: float = 1.0,
    width: float = 500.0,
    values: bool = True,
    style: ChartStyle = DEFAULT_STYLE,
) -> str:
    """An SVG forest plot of ``rows`` on a log x axis titled ``x_label``.

    Each row needs ``0 ≤ lower ≤ estimate ≤ upper`` with a positive estimate; an upper bound may
    be infinite. ``title`` is the accessible name. With ``values`` each row's estimate and
    interval are printed right of the plot; leave them out (``values=False``) when a table next to
    the chart prints them: WeasyPrint lays out SVG text one glyph at a time, and the value column
    is a third of the CER charts' glyphs. Raises ``ValueError`` for no rows or an inconsistent
    interval.
    """
    if not rows:
        raise ValueError("a forest plot needs at least one row")
    for row in rows:
        _check_row(row)

    size = style.font_size
    labels_w = min(max(text_width(r.label, size) for r in rows), width * 0.35)
    notes = [estimate_with_interval(r) for r in rows] if values else []
    notes_w = max((text_width(n, size) for n in notes), default=0.0)
    # Without values, room for the last tick's label, centred on the plot's right edge.
    right_margin = notes_w + _GAP if notes else text_width(format_tick(_AXIS_LIMITS[1]), size) / 2
    x = _x_scale(rows, reference, labels_w + _GAP, width - right_margin)
    plot_bottom = len(rows) * _ROW_HEIGHT + 4
    middles = [4 + index * _ROW_HEIGHT + _ROW_HEIGHT / 2 for index in range(len(rows))]

    parts = [
        bottom_axis(log_ticks(x.domain_min, x.domain_max), x, plot_bottom, x_label, style),
        _reference_line(x, reference, plot_bottom, style),
    ]
    for highlight in (False, True):  # one path per colour for the lines, one for the squares
        colour = style.highlight_color if highlight else style.bar_color
        drawn = [
            (row, m) for row, m in zip(rows, middles, strict=True) if row.highlight == highlight
        ]
        spans = [(x(x.clamp(r.lower)), m, x(x.clamp(r.upper)), m) for r, m in drawn]
        parts.append(segments(spans, colour, stroke_width=1.4))
        parts.append(_markers(drawn, x, colour))
    for index, (row, middle) in enumerate(zip(rows, middles, strict=True)):
        baseline = middle + size * 0.35
        parts.append(
            text(labels_w, baseline, fit_text(row.label, labels_w, size), text_anchor="end")
        )
        if notes:
            parts.append(
                text(width, baseline, notes[index], text_anchor="end", fill=style.muted_color)
            )
    return svg_document(width, plot_bottom + _AXIS_HEIGHT, title, "".join(parts), style)


def _x_scale(rows: Sequence[ForestRow], reference: float, left: float, right: float) -> LogScale:
    """A log scale over every bound and estimate (and the reference), within the axis limits."""
    low, high = log_domain(
        [v for r in rows for v in (r.lower, r.upper, r.estimate)], include=reference
    )
    return LogScale(max(low, _AXIS_LIMITS[0]), min(high, _AXIS_LIMITS[1]), left, right)


def _reference_line(x: LogScale, reference: float, bottom: float, style: ChartStyle) -> str:
    position = x(x.clamp(reference))
    return element(
        "line",
        {
            "x1": position,
            "x2": position,
            "y1": 0,
            "y2": bottom,
            "stroke": style.text_color,
            "stroke-dasharray": "3 2",
        },
    )


def _check_row(row: ForestRow) -> None:
    values = (row.lower, row.estimate, row.upper)
    if any(math.isnan(v) for v in values) or not math.isfinite(row.estimate):
        raise ValueError(f"row {row.label!r} has a missing or infinite estimate or bound")
    if not (row.estimate > 0 and 0 <= row.lower <= row.estimate <= row.upper):
        raise ValueError(
            f"row {row.label!r} needs 0 ≤ lower ≤ estimate ≤ upper with estimate > 0, got "
            f"{row.lower} ≤ {row.estimate} ≤ {row.upper}"
        )


def _markers(drawn: Sequence[tuple[ForestRow, float]], x: LogScale, colour: str) -> str:
    """The estimates' squares (one path) and, where an interval runs past the axis, its arrows."""
    squares, arrows = [], []
    for row, middle in drawn:
        if row.lower < x.domain_min:
            arrows.append(_arrow(x(x.clamp(row.lower)), middle, -1, colour))
        if row.upper > x.domain_max:
            arrows.append(_arrow(x(x.clamp(row.upper)), middle, 1, colour))
        left = x(x.clamp(row.estimate)) - _MARKER / 2
        top = middle - _MARKER / 2
        squares.append(f"M{fmt(left)} {fmt(top)}h{fmt(_MARKER)}v{fmt(_MARKER)}h-{fmt(_MARKER)}z")
    if not squares:
        return ""
    return "".join(arrows) + element("path", {"d": " ".join(squares), "fill": colour})


def _arrow(tip_x: float, middle: float, direction: int, colour: str) -> str:
    base = tip_x - direction * _ARROW
    points = (
        f"{fmt(tip_x)},{fmt(middle)} {fmt(base)},{fmt(middle - _ARROW / 1.5)} "
        f"{fmt(base)},{fmt(middle + _ARROW / 1.5)}"
    )
    return element("polygon", {"points": points, "fill": colour})


def _ratio(value: float) -> str:
    if math.isinf(value):
        return "∞"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"
