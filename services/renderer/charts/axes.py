"""The value axes the charts share: the horizontal one of the bar chart and the forest plot, the
vertical one of the line and column charts (grid lines, tick labels, the axis line, its title)."""

from __future__ import annotations

from collections.abc import Sequence

from services.renderer.charts.scale import LinearScale, LogScale, format_tick
from services.renderer.charts.svg import ChartStyle, element, fit_text, fmt, segments, text


def bottom_axis(
    ticks: Sequence[float],
    x: LinearScale | LogScale,
    bottom: float,
    label: str,
    style: ChartStyle,
) -> str:
    """SVG for an x axis at ``bottom``, with a vertical grid line and a label at every tick."""
    positions = [x(tick) for tick in ticks]
    parts = [segments(((p, 0, p, bottom) for p in positions), style.grid_color)]
    for tick, position in zip(ticks, positions, strict=True):
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


def left_axis(
    ticks: list[float], y: LinearScale, left: float, right: float, label: str, style: ChartStyle
) -> str:
    """SVG for a y axis: a horizontal grid line and a label at every tick from ``left`` to
    ``right``, and the axis title turned on its side."""
    parts = [
        segments(((left, y(tick), right, y(tick)) for tick in ticks if (tick == 0) == zero), stroke)
        for zero, stroke in ((False, style.grid_color), (True, style.axis_color))
    ]
    for tick in ticks:
        position = y(tick)
        parts.append(
            text(
                left - 4,
                position + style.font_size * 0.35,
                format_tick(tick),
                text_anchor="end",
                fill=style.muted_color,
            )
        )
    middle = (y.range_min + y.range_max) / 2
    parts.append(
        text(
            style.font_size,
            middle,
            fit_text(label, y.range_min - y.range_max, style.font_size),
            text_anchor="middle",
            transform=f"rotate(-90 {fmt(style.font_size)} {fmt(middle)})",
        )
    )
    return "".join(parts)
