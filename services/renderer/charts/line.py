"""Line chart over ordered categories (quarters, months): one line per series, gaps for no data.

Used for the quarterly trend of reports received. Category labels are thinned to every n-th one
when they would collide, but every point is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from services.renderer.charts.axes import left_axis
from services.renderer.charts.scale import LinearScale, format_tick, nice_ticks
from services.renderer.charts.svg import (
    DEFAULT_STYLE,
    ChartStyle,
    element,
    fmt,
    segments,
    svg_document,
    text,
    text_width,
)

_LEGEND_HEIGHT = 16.0
_X_AXIS_HEIGHT = 32.0
_Y_TITLE_WIDTH = 14.0


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    """One value per category; None where there is no value (the line breaks there)."""


def line_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    y_label: str,
    width: float = 500.0,
    height: float = 200.0,
    style: ChartStyle = DEFAULT_STYLE,
) -> str:
    """An SVG line chart of ``series`` over ``categories``, y axis from 0, titled ``y_label``.

    ``title`` is the accessible name. Raises ``ValueError`` when there are no categories or series,
    a series' length differs from the categories', or a value is negative or not finite.
    """
    if not categories or not series:
        raise ValueError("a line chart needs at least one category and one series")
    for line in series:
        if len(line.values) != len(categories):
            raise ValueError(
                f"series {line.name!r} has {len(line.values)} values for "
                f"{len(categories)} categories"
            )
        for value in line.values:
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise ValueError(f"series {line.name!r} has value {value}; values must be ≥ 0")

    size = style.font_size
    present = [v for line in series for v in line.values if v is not None]
    ticks = nice_ticks(0.0, max(present, default=0.0))
    top = _LEGEND_HEIGHT if len(series) > 1 else 6.0
    bottom = height - _X_AXIS_HEIGHT
    ticks_w = max(text_width(format_tick(t), size) for t in ticks)
    left = _Y_TITLE_WIDTH + ticks_w + 6
    right = width - 8
    y = LinearScale(0.0, ticks[-1], bottom, top)
    step = (right - left) / len(categories)
    centres = [left + step * (i + 0.5) for i in range(len(categories))]

    parts = [left_axis(ticks, y, left, right, y_label, style)]
    parts.append(_x_labels(categories, centres, step, bottom, style))
    for index, line in enumerate(series):
        colour = style.series_colors[index % len(style.series_colors)]
        parts.append(_polylines(line.values, centres, y, colour))
    if len(series) > 1:
        parts.append(_legend(series, left, style))
    return svg_document(width, height, title, "".join(parts), style)


def _x_labels(
    categories: Sequence[str], centres: list[float], step: float, bottom: float, style: ChartStyle
) -> str:
    widest = max(text_width(c, style.font_size) for c in categories) + 6
    every = max(1, math.ceil(widest / step))
    parts = [segments(((c, bottom, c, bottom + 3) for c in centres), style.axis_color)]
    for index, (category, centre) in enumerate(zip(categories, centres, strict=True)):
        if index % every == 0:
            parts.append(
                text(
                    centre,
                    bottom + style.font_size + 4,
                    category,
                    text_anchor="middle",
                    fill=style.muted_color,
                )
            )
    return "".join(parts)


def _polylines(
    values: tuple[float | None, ...], centres: list[float], y: LinearScale, colour: str
) -> str:
    parts = []
    run: list[tuple[float, float]] = []
    for value, centre in [*zip(values, centres, strict=True), (None, 0.0)]:
        if value is None:
            if len(run) > 1:
                points = " ".join(f"{fmt(px)},{fmt(py)}" for px, py in run)
                parts.append(
                    element(
                        "polyline",
                        {"points": points, "fill": "none", "stroke": colour, "stroke-width": 1.6},
                    )
                )
            run = []
            continue
        point = (centre, y(value))
        run.append(point)
        parts.append(element("circle", {"cx": point[0], "cy": point[1], "r": 2.2, "fill": colour}))
    return "".join(parts)


def _legend(series: Sequence[Series], left: float, style: ChartStyle) -> str:
    parts = []
    cursor = left
    for index, line in enumerate(series):
        colour = style.series_colors[index % len(style.series_colors)]
        parts.append(
            element("rect", {"x": cursor, "y": 3, "width": 10, "height": 3, "fill": colour})
        )
        parts.append(text(cursor + 14, 8, line.name))
        cursor += 14 + text_width(line.name, style.font_size) + 14
    return "".join(parts)
