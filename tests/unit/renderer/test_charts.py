from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from services.renderer.charts import (
    Bar,
    ForestRow,
    Series,
    estimate_with_interval,
    forest_plot,
    horizontal_bar_chart,
    line_chart,
)
from services.renderer.charts.svg import fit_text, text_width

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # raises on malformed markup
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def rects(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG}rect"))


def bar_shapes(root: ET.Element) -> list[tuple[float, float, str]]:
    """(top, length, fill) of every bar, top to bottom (the bars of one colour are one path of
    ``Mx yh<length>v<height>h-<length>z``)."""
    found = []
    for path in root.iter(f"{SVG}path"):
        fill = path.get("fill") or "none"
        if fill == "none":
            continue
        for bar in (path.get("d") or "").split("M")[1:]:
            start, _, rest = bar.partition("h")
            found.append((float(start.split()[1]), float(rest.split("v")[0]), fill))
    return sorted(found)


def test_bar_chart_draws_one_bar_per_value_with_lengths_in_proportion() -> None:
    root = parse(
        horizontal_bar_chart(
            [Bar("Nausea", 120), Bar("Headache", 60), Bar("Lactic acidosis", 30, highlight=True)],
            title="Top events",
            value_label="Reports",
        )
    )
    bars = bar_shapes(root)
    assert len(bars) == 3
    widths = [width for _, width, _ in bars]
    assert widths[0] == pytest.approx(2 * widths[1], rel=0.01)
    assert widths[1] == pytest.approx(2 * widths[2], rel=0.01)
    assert bars[2][2] != bars[0][2]  # the highlighted bar stands out
    labels = texts(root)
    assert {"Nausea", "Headache", "Lactic acidosis", "120", "60", "30", "Reports"} <= set(labels)
    assert root.get("aria-label") == "Top events"
    assert root.find(f"{SVG}title") is not None


def test_bar_chart_escapes_labels_so_data_cannot_inject_markup() -> None:
    svg = horizontal_bar_chart(
        [Bar('<script>alert("x")</script> & <img src=x>', 3)], title="t", value_label="n"
    )
    assert "<script" not in svg
    assert "<img" not in svg
    root = parse(svg)
    assert '<script>alert("x")</script> & <img src=x>' in texts(root)


def test_bar_chart_shortens_long_labels_to_fit_their_column() -> None:
    long = "Drug ineffective for unapproved indication in a patient with several conditions"
    root = parse(horizontal_bar_chart([Bar(long, 5)], title="t", value_label="n", width=300))
    label = next(t for t in texts(root) if t.startswith("Drug"))
    assert label.endswith("…")
    assert text_width(label, 9) <= 300 * 0.4 + 0.01


@pytest.mark.parametrize(
    "bars",
    [[], [Bar("a", -1)], [Bar("a", math.nan)], [Bar("a", math.inf)]],
)
def test_bar_chart_rejects_what_it_cannot_draw(bars: list[Bar]) -> None:
    with pytest.raises(ValueError, match="bar"):
        horizontal_bar_chart(bars, title="t", value_label="n")


def test_line_chart_draws_a_point_per_value_and_breaks_the_line_at_gaps() -> None:
    quarters = ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1"]
    root = parse(
        line_chart(
            quarters,
            [Series("All reports", (10, 12, None, 30, 25)), Series("Serious", (4, 5, 6, 10, 9))],
            title="Trend",
            y_label="Reports received",
        )
    )
    assert len(list(root.iter(f"{SVG}circle"))) == 9
    # one polyline for the serious series, two for the series with a gap
    assert len(list(root.iter(f"{SVG}polyline"))) == 3
    labels = texts(root)
    assert "Reports received" in labels
    assert {"All reports", "Serious"} <= set(labels)  # a legend when there are two series
    assert "2023-Q1" in labels


def test_line_chart_places_higher_values_higher() -> None:
    root = parse(line_chart(["a", "b"], [Series("s", (1, 9))], title="t", y_label="n"))
    low, high = (float(c.get("cy", "0")) for c in root.iter(f"{SVG}circle"))
    assert high < low  # SVG y grows downwards


def test_line_chart_thins_crowded_category_labels_but_keeps_every_point() -> None:
    quarters = [f"{year}-Q{q}" for year in range(2010, 2025) for q in range(1, 5)]
    root = parse(
        line_chart(quarters, [Series("s", tuple(range(60)))], title="t", y_label="n", width=400)
    )
    shown = [t for t in texts(root) if t in quarters]
    assert 2 <= len(shown) < len(quarters)
    assert len(list(root.iter(f"{SVG}circle"))) == 60


def test_line_chart_rejects_series_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="2 values for 3 categories"):
        line_chart(["a", "b", "c"], [Series("s", (1, 2))], title="t", y_label="n")


def forest_rows() -> list[ForestRow]:
    return [
        ForestRow("Lactic acidosis", 8.2, 5.1, 13.2, highlight=True),
        ForestRow("Nausea", 1.4, 1.2, 1.7),
        ForestRow("Headache", 0.6, 0.4, 0.9),
    ]


def square_centres(root: ET.Element) -> list[float]:
    """x of every estimate's square (the squares of one colour are one path of ``Mx yh6v6h-6z``)."""
    return [
        float(move.split()[0]) + 3
        for square in root.iter(f"{SVG}path")
        if square.get("fill") not in (None, "none")
        for move in (square.get("d") or "").split("M")[1:]
    ]


def test_forest_plot_puts_estimates_on_a_log_axis_with_the_line_of_no_effect() -> None:
    svg = forest_plot(forest_rows(), title="Signals", x_label="ROR (log scale)")
    root = parse(svg)
    xs = sorted(square_centres(root))
    assert len(xs) == 3
    # on a log axis 0.6 → 1.4 and 1.4 → 8.2 are log-distances 0.37 and 0.77
    headache, nausea, lactic = xs
    assert (lactic - nausea) / (nausea - headache) == pytest.approx(
        math.log(8.2 / 1.4) / math.log(1.4 / 0.6), rel=0.02
    )
    dashed = [ln for ln in root.iter(f"{SVG}line") if ln.get("stroke-dasharray")]
    assert len(dashed) == 1  # the reference line at 1
    assert nausea > float(dashed[0].get("x1", "0")) > headache
    labels = texts(root)
    assert "8.20 (5.10–13.20)" in labels
    assert "1" in labels  # the axis names the line of no effect


def test_forest_plot_without_values_leaves_them_to_the_table_beside_it() -> None:
    root = parse(forest_plot(forest_rows(), title="t", x_label="ROR", values=False))
    labels = texts(root)
    assert "Lactic acidosis" in labels
    assert not [label for label in labels if "(" in label]  # no "8.20 (5.10–13.20)"
    assert len(square_centres(root)) == 3


def test_bar_chart_without_values_keeps_its_axis_inside_the_chart() -> None:
    bars = [Bar("Nausea", 248), Bar("Headache", 44)]
    root = parse(horizontal_bar_chart(bars, title="t", value_label="Reports", values=False))
    assert "248" not in texts(root)
    width = float(root.get("viewBox", "0 0 0 0").split()[2])
    last_tick = max(float(t.get("x", "0")) for t in root.iter(f"{SVG}text") if t.text == "250")
    assert last_tick + 9 <= width  # half of "250" at 9 pt fits right of the last grid line


def test_forest_plot_clips_an_unbounded_interval_with_an_arrow() -> None:
    rows = [*forest_rows(), ForestRow("Rare event", 30.0, 2.1, math.inf, highlight=True)]
    root = parse(forest_plot(rows, title="t", x_label="ROR"))
    assert len(list(root.iter(f"{SVG}polygon"))) == 1
    assert "30.00 (2.10–∞)" in texts(root)


def test_forest_plot_clips_a_zero_lower_bound_with_an_arrow() -> None:
    root = parse(forest_plot([ForestRow("x", 0.5, 0.0, 1.5)], title="t", x_label="ROR"))
    assert len(list(root.iter(f"{SVG}polygon"))) == 1


@pytest.mark.parametrize(
    "row",
    [
        ForestRow("x", 0.0, 0.0, 1.0),
        ForestRow("x", 2.0, 3.0, 4.0),
        ForestRow("x", 2.0, 1.0, 1.5),
        ForestRow("x", math.nan, 1.0, 2.0),
    ],
)
def test_forest_plot_rejects_inconsistent_intervals(row: ForestRow) -> None:
    with pytest.raises(ValueError, match="row 'x'"):
        forest_plot([row], title="t", x_label="ROR")


def test_estimate_with_interval_formats_large_and_infinite_bounds() -> None:
    assert estimate_with_interval(ForestRow("x", 2.314, 1.519, 3.5)) == "2.31 (1.52–3.50)"
    assert estimate_with_interval(ForestRow("x", 150.0, 20.0, math.inf)) == "150 (20.00–∞)"


def test_fit_text_keeps_short_text_and_ellipsises_long_text() -> None:
    assert fit_text("Nausea", 100, 9) == "Nausea"
    cut = fit_text("Nausea and vomiting of pregnancy", 60, 9)
    assert cut.endswith("…")
    assert text_width(cut, 9) <= 60
