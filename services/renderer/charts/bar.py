"""Horizontal bar chart: one labelled bar per category, the value printed at its end.

Used for "top reported events" and similar rankings, where labels are long (MedDRA terms) and a
horizontal layout keeps them readable. Bars are drawn in the order given; the caller ranks them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from services.renderer.charts.axes import bottom_axis
from services.renderer.charts.scale import LinearScale, format_tick, nice_ticks
from services.renderer.charts.svg import (
    DEFAULT_STYLE,
    ChartStyle,
    element,
    fit_text,
    fmt,
    svg_document,
    text,
    text_width,
)

_ROW_HEIGHT = 16.0
_BAR_HEIGHT = 10.0
_AXIS_HEIGHT = 30.0
_GAP = 6.0


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    highlight: bool = False
    """Drawn in the highlight colour (e.g. an event that is also a disproportionality signal)."""


def _default_value_format(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.3g}"


def horizontal_bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    value_label: str,
    width: float = 500.0,
    value_format: Callable[[float], str] = _default_value_format,
    values: bool = True,
    style: ChartStyle = DEFAULT_STYLE,
) -> str:
    """An SVG bar chart of ``bars`` (values ≥ 0) with an x axis titled ``value_label``.

    ``title`` is the chart's accessible name (the visible caption belongs to the page around it).
    With ``values`` each bar's value is printed at its end; leave them out when a table next to the
    chart prints them (WeasyPrint lays out SVG text one glyph at a time). Raises ``ValueError`` for
    no bars or a negative or non-finite value.
    """
    if not bars:
        raise ValueError("a bar chart needs at least one bar")
    for bar in bars:
        if not (math.isfinite(bar.value) and bar.value >= 0):
            raise ValueError(f"bar {bar.label!r} has value {bar.value}; values must be ≥ 0")

    size = style.font_size
    labels_w = min(max(text_width(b.label, size) for b in bars), width * 0.4)
    ticks = nice_ticks(0.0, max(b.value for b in bars))
    if values:
        right_margin = max(text_width(value_format(b.value), size) for b in bars) + _GAP
    else:  # room for the last tick's label, centred on the plot's right edge
        right_margin = text_width(format_tick(ticks[-1]), size) / 2 + 1
    plot_left = labels_w + _GAP
    plot_right = width - right_margin
    x = LinearScale(0.0, ticks[-1], plot_left, plot_right)
    plot_bottom = len(bars) * _ROW_HEIGHT + 4
    height = plot_bottom + _AXIS_HEIGHT

    parts = [bottom_axis(ticks, x, plot_bottom, value_label, style)]
    shapes: dict[str, list[str]] = {}  # the bars of one colour are one path (one SVG element)
    for index, bar in enumerate(bars):
        middle = 4 + index * _ROW_HEIGHT + _ROW_HEIGHT / 2
        colour = style.highlight_color if bar.highlight else style.bar_color
        label = fit_text(bar.label, labels_w, size)
        parts.append(text(labels_w, middle + size * 0.35, label, text_anchor="end"))
        bar_end = x(bar.value)
        length = max(bar_end - plot_left, 0.5)
        shapes.setdefault(colour, []).append(
            f"M{fmt(plot_left)} {fmt(middle - _BAR_HEIGHT / 2)}"
            f"h{fmt(length)}v{fmt(_BAR_HEIGHT)}h{fmt(-length)}z"
        )
        if values:
            parts.append(text(bar_end + 3, middle + size * 0.35, value_format(bar.value)))
    parts.extend(element("path", {"d": " ".join(d), "fill": c}) for c, d in shapes.items())
    return svg_document(width, height, title, "".join(parts), style)
