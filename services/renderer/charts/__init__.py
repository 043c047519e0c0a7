"""Charts drawn as SVG strings by pure functions: bar, line and forest plots for the reports."""

from services.renderer.charts.bar import Bar, horizontal_bar_chart
from services.renderer.charts.columns import column_chart
from services.renderer.charts.forest import (
    ForestRow,
    estimate_with_interval,
    forest_plot,
    format_interval,
)
from services.renderer.charts.line import Series, line_chart
from services.renderer.charts.svg import DEFAULT_STYLE, ChartStyle

__all__ = [
    "DEFAULT_STYLE",
    "Bar",
    "ChartStyle",
    "ForestRow",
    "Series",
    "column_chart",
    "estimate_with_interval",
    "forest_plot",
    "format_interval",
    "horizontal_bar_chart",
    "line_chart",
]
