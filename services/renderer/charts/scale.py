"""Axes: mapping data values to chart coordinates, and choosing tick marks a reader can use.

Linear axes get "nice" ticks (steps of 1, 2 or 5 times a power of ten) so values can be read off
by eye; logarithmic axes (ratios such as ROR) get 1-2-5 ticks per decade and keep 1, the line of
no effect, whenever it is in range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class LinearScale:
    """Maps ``[domain_min, domain_max]`` linearly onto ``[range_min, range_max]``."""

    domain_min: float
    domain_max: float
    range_min: float
    range_max: float

    def __post_init__(self) -> None:
        if not self.domain_max > self.domain_min:
            raise ValueError(
                f"a linear scale needs domain_max > domain_min, got "
                f"[{self.domain_min}, {self.domain_max}]"
            )

    def __call__(self, value: float) -> float:
        fraction = (value - self.domain_min) / (self.domain_max - self.domain_min)
        return self.range_min + fraction * (self.range_max - self.range_min)


@dataclass(frozen=True)
class LogScale:
    """Maps ``[domain_min, domain_max]`` (both > 0) onto the range on a base-10 log scale."""

    domain_min: float
    domain_max: float
    range_min: float
    range_max: float

    def __post_init__(self) -> None:
        if not 0 < self.domain_min < self.domain_max:
            raise ValueError(
                f"a log scale needs 0 < domain_min < domain_max, got "
                f"[{self.domain_min}, {self.domain_max}]"
            )

    def __call__(self, value: float) -> float:
        low, high = math.log10(self.domain_min), math.log10(self.domain_max)
        fraction = (math.log10(value) - low) / (high - low)
        return self.range_min + fraction * (self.range_max - self.range_min)

    def clamp(self, value: float) -> float:
        """``value`` limited to the domain (non-positive values go to the lower end)."""
        if not value > self.domain_min:  # also catches 0, negatives and NaN
            return self.domain_min
        return min(value, self.domain_max)


def nice_step(span: float, max_ticks: int) -> float:
    """The smallest 1/2/5×10^k step that cuts ``span`` into at most ``max_ticks`` intervals."""
    if span <= 0 or not math.isfinite(span):
        raise ValueError(f"span must be positive and finite, got {span}")
    raw = span / max(max_ticks, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        step = multiple * magnitude
        if step >= raw * (1 - 1e-9):
            return step
    return 10 * magnitude  # pragma: no cover - the loop always returns


def nice_ticks(low: float, high: float, max_ticks: int = 5) -> list[float]:
    """Evenly spaced round ticks from a multiple of the step ≤ ``low`` to one ≥ ``high``.

    A flat range (``low == high``) is widened so a chart of identical values still has an axis.
    """
    if high < low:
        raise ValueError(f"high ({high}) is below low ({low})")
    if high == low:
        high = low + (abs(low) or 1.0)
    step = nice_step(high - low, max_ticks)
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    count = round((last - first) / step)
    return [_clean(first + i * step) for i in range(count + 1)]


def log_ticks(low: float, high: float, max_ticks: int = 8) -> list[float]:
    """Ticks for a log axis covering ``[low, high]``: 1-2-5 per decade, thinned to fit."""
    if not 0 < low < high:
        raise ValueError(f"log ticks need 0 < low < high, got [{low}, {high}]")
    first_decade = math.floor(math.log10(low) + 1e-9)
    last_decade = math.ceil(math.log10(high) - 1e-9)
    for multiples in ((1, 2, 5), (1, 3), (1,)):
        ticks = [
            _clean(m * 10.0**decade)
            for decade in range(first_decade, last_decade + 1)
            for m in multiples
        ]
        ticks = [t for t in ticks if low * (1 - 1e-9) <= t <= high * (1 + 1e-9)]
        if len(ticks) <= max_ticks:
            return ticks
    # Very wide ranges: every n-th decade.
    decades = list(range(first_decade, last_decade + 1))
    stride = math.ceil(len(decades) / max_ticks)
    return [_clean(10.0**d) for d in decades[::stride] if low <= 10.0**d <= high]


def log_domain(values: list[float], *, include: float = 1.0) -> tuple[float, float]:
    """A log-axis domain snapped to 1-2-5 values around the positive finite ``values``."""
    usable = [v for v in values if v > 0 and math.isfinite(v)] + [include]
    low, high = min(usable), max(usable)
    return _snap_down(low), _snap_up(high if high > low else low * 10)


def format_tick(value: float) -> str:
    """A tick label as a reader writes it: 0.05, 0.5, 2, 1,000 (no trailing zeros, no 1e3)."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 1 and float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.6g}"


def _snap_down(value: float) -> float:
    decade = 10.0 ** math.floor(math.log10(value))
    for multiple in (5, 2, 1):
        if multiple * decade <= value * (1 + 1e-9):
            return _clean(multiple * decade)
    return _clean(decade)  # pragma: no cover


def _snap_up(value: float) -> float:
    decade = 10.0 ** math.floor(math.log10(value))
    for multiple in (1, 2, 5, 10):
        if multiple * decade >= value * (1 - 1e-9):
            return _clean(multiple * decade)
    return _clean(10 * decade)  # pragma: no cover


def _clean(value: float) -> float:
    """Remove floating-point noise (0.30000000000000004 → 0.3) so labels print cleanly."""
    return float(f"{value:.12g}")
