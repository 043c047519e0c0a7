"""Grouped column chart over a few ordered categories, each bar labelled with its value.

For trends with fewer than four periods, where a line has too few points to read (one quarter
would be a single dot): one group of bars per period, one bar per series, the count printed on it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from services.renderer.charts.axes import left_axis
from services.renderer.charts.line import Series
from services.renderer.charts.scale import LinearScale, format_tick, nice_ticks
from services.renderer.charts.svg import (
    DEFAULT_STYLE,
    ChartStyle,
    element,
    svg_document,
    text,
    text_width,
)

_LEGEND_HEIGHT = 16.0
_X_AXIS_HEIGHT = 22.0


def column_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    y_label: str,
    width: float = 500.0,
    height: float = 170.0,
    style: ChartStyle = DEFAULT_STYLE,
) -> str:
    """An SVG grouped column chart of ``series`` over ``categories`` (values ≥ 0; None is 0).

    Raises ``ValueError`` like :func:`~services.renderer.charts.line.line_chart` does.
    """
    if not categories or not series:
        raise ValueError("a column chart needs at least one category and one series")
    for line in series:
        if len(line.values) != len(categories):
            raise ValueError(f"series {line.name!r} does not match the categories")
        for value in line.values:
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise ValueError(f"series {line.name!r} has value {value}; values must be ≥ 0")
    size = style.font_size
    values = [v or 0.0 for line in series for v in line.values]
    ticks = nice_ticks(0.0, max(values, default=0.0))
    top = _LEGEND_HEIGHT + size
    bottom = height - _X_AXIS_HEIGHT
    left = 14 + max(text_width(format_tick(t), size) for t in ticks) + 6
    right = width - 8
    y = LinearScale(0.0, ticks[-1], bottom, top)
    group = (right - left) / len(categories)
    bar = min(42.0, group * 0.7 / len(series))
    parts = [left_axis(ticks, y, left, right, y_label, style)]
    for index, category in enumerate(categories):
        centre = left + group * (index + 0.5)
        start = centre - bar * len(series) / 2
        for number, line in enumerate(series):
            value = line.values[index] or 0.0
            colour = style.series_colors[number % len(style.series_colors)]
            x = start + bar * number
            top_of_bar = y(value)
            parts.append(
                element(
                    "rect",
                    {
                        "x": x + 1,
                        "y": top_of_bar,
                        "width": bar - 2,
                        "height": max(bottom - top_of_bar, 0.5),
                        "fill": colour,
                    },
                )
            )
            parts.append(text(x + bar / 2, top_of_bar - 2, f"{value:,.0f}", text_anchor="middle"))
        parts.append(
            text(centre, bottom + size + 4, category, text_anchor="middle", fill=style.muted_color)
        )
    cursor = left
    for number, line in enumerate(series):
        colour = style.series_colors[number % len(style.series_colors)]
        parts.append(
            element("rect", {"x": cursor, "y": 3, "width": 10, "height": 8, "fill": colour})
        )
        parts.append(text(cursor + 14, 10, line.name))
        cursor += 14 + text_width(line.name, size) + 14
    return svg_document(width, height, title, "".join(parts), style)
