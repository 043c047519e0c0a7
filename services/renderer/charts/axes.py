"""The horizontal value axis the bar chart and the forest plot share: grid lines, tick labels,
the axis line and its title."""

from __future__ import annotations

from collections.abc import Iterable

from services.renderer.charts.scale import LinearScale, LogScale, format_tick
from services.renderer.charts.svg import ChartStyle, element, text


def bottom_axis(
    ticks: Iterable[float],
    x: LinearScale | LogScale,
    bottom: float,
    label: str,
    style: ChartStyle,
) -> str:
    """SVG for an x axis at ``bottom``, with a vertical grid line and a label at every tick."""
    parts = []
    for tick in ticks:
        position = x(tick)
        parts.append(
            element(
                "line",
                {"x1": position, "x2": position, "y1": 0, "y2": bottom, "stroke": style.grid_color},
            )
        )
        parts.append(
            text(
                position,
                bottom + style.font_size + 2,
                format_tick(tick),
                text_anchor="middle",
                fill=style.muted_color,
            )
        )
    parts.append(
        element(
            "line",
            {
                "x1": x.range_min,
                "x2": x.range_max,
                "y1": bottom,
                "y2": bottom,
                "stroke": style.axis_color,
            },
        )
    )
    middle = (x.range_min + x.range_max) / 2
    parts.append(text(middle, bottom + 2 * style.font_size + 8, label, text_anchor="middle"))
    return "".join(parts)
