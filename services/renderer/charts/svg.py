"""The few SVG building blocks the charts share: escaped elements, text measurement, the style.

Charts are drawn as SVG strings by hand: WeasyPrint embeds inline SVG as vectors, so a chart costs
no image decoding, stays sharp at any zoom and needs no plotting library. Every piece of text that
comes from data goes through :func:`text`, which escapes it: a label can never inject markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape

# Advance widths of DejaVu Sans (the report's font), in em, for printable ASCII (space to tilde),
# read from the font's hmtx table. Labels are laid out and truncated with these, so a long
# MedDRA term never runs over its column; other characters count as a typical 0.65 em.
_ASCII_EM = (
    0.318, 0.401, 0.46, 0.838, 0.636, 0.95, 0.78, 0.275, 0.39, 0.39, 0.5, 0.838, 0.318, 0.361,
    0.318, 0.337, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.337,
    0.337, 0.838, 0.838, 0.838, 0.531, 1.0, 0.684, 0.686, 0.698, 0.77, 0.632, 0.575, 0.775,
    0.752, 0.295, 0.295, 0.656, 0.557, 0.863, 0.748, 0.787, 0.603, 0.787, 0.695, 0.635, 0.611,
    0.732, 0.684, 0.989, 0.685, 0.611, 0.685, 0.39, 0.337, 0.39, 0.838, 0.5, 0.5, 0.613, 0.635,
    0.55, 0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974, 0.634, 0.612,
    0.635, 0.635, 0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525, 0.636, 0.337,
    0.636, 0.838,
)  # fmt: skip
_OTHER_EM = 0.65
_BOLD_FACTOR = 1.12  # DejaVu Sans Bold is about this much wider (letters, digits, space)


@dataclass(frozen=True)
class ChartStyle:
    """Fonts and colours every chart uses, so the charts match the report around them."""

    font_family: str = "DejaVu Sans, sans-serif"
    font_size: float = 9.0
    title_size: float = 10.0
    text_color: str = "#1d2733"
    muted_color: str = "#5b6775"
    grid_color: str = "#d8dee6"
    axis_color: str = "#8a96a3"
    bar_color: str = "#4a77a8"
    highlight_color: str = "#c0504d"
    series_colors: tuple[str, ...] = ("#4a77a8", "#c0504d", "#6b9e4f", "#8064a2", "#d08b2c")
    background: str = "#ffffff"


DEFAULT_STYLE = ChartStyle()


def fmt(value: float) -> str:
    """A coordinate written compactly (two decimals are finer than a printer's dot)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def element(tag: str, attrs: Mapping[str, str | float], children: str = "") -> str:
    """``<tag attrs>children</tag>``; attribute values are escaped, children are trusted SVG."""
    rendered = " ".join(
        f'{name}="{escape(fmt(value) if isinstance(value, float | int) else value)}"'
        for name, value in attrs.items()
    )
    opening = f"<{tag} {rendered}" if rendered else f"<{tag}"
    return f"{opening}>{children}</{tag}>" if children else f"{opening}/>"


def segments(
    lines: Iterable[tuple[float, float, float, float]], stroke: str, **attrs: str | float
) -> str:
    """Straight lines ``(x1, y1, x2, y2)`` of one stroke as a single ``<path>`` (none if empty).

    WeasyPrint sets up the graphics state once per SVG element (~700 Python calls); grid lines,
    tick marks and intervals drawn in the same colour cost one setup this way instead of one each.
    """
    d = " ".join(f"M{fmt(x1)} {fmt(y1)}L{fmt(x2)} {fmt(y2)}" for x1, y1, x2, y2 in lines)
    if not d:
        return ""
    attributes: dict[str, str | float] = {"d": d, "fill": "none", "stroke": stroke}
    attributes.update({name.replace("_", "-"): value for name, value in attrs.items()})
    return element("path", attributes)


def text(x: float, y: float, content: str, **attrs: str | float) -> str:
    """A ``<text>`` element whose content is escaped (data labels are untrusted)."""
    attributes: dict[str, str | float] = {"x": x, "y": y}
    attributes.update({name.replace("_", "-"): value for name, value in attrs.items()})
    return element("text", attributes, escape(content, quote=False) or " ")


def text_width(content: str, font_size: float, *, bold: bool = False) -> float:
    """Rendered width of ``content`` in user units at ``font_size`` (DejaVu Sans metrics)."""
    total = 0.0
    for char in content:
        code = ord(char)
        total += _ASCII_EM[code - 32] if 32 <= code < 127 else _OTHER_EM
    return total * font_size * (_BOLD_FACTOR if bold else 1.0)


def fit_text(content: str, max_width: float, font_size: float) -> str:
    """``content`` shortened with an ellipsis so it fits ``max_width``; unchanged if it fits."""
    if text_width(content, font_size) <= max_width:
        return content
    ellipsis = "…"
    budget = max_width - text_width(ellipsis, font_size)
    kept = ""
    for char in content:
        if text_width(kept + char, font_size) > budget:
            break
        kept += char
    return kept.rstrip() + ellipsis


def svg_document(width: float, height: float, title: str, body: str, style: ChartStyle) -> str:
    """A standalone ``<svg>`` with an accessible name, sized in points like the page around it."""
    return element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": f"{fmt(width)}pt",
            "height": f"{fmt(height)}pt",
            "viewBox": f"0 0 {fmt(width)} {fmt(height)}",
            "role": "img",
            "aria-label": title,
            "font-family": style.font_family,
            "font-size": style.font_size,
            "fill": style.text_color,
        },
        element("title", {}, escape(title, quote=False)) + body,
    )
