"""Synthetic monthly report-count series with planted spikes, for the trend-alert benchmark.

Each series is 48 months of counts drawn from a gamma-Poisson (negative binomial) process whose
mean has a level, a log-linear trend and an annual seasonal cycle — the shapes real FAERS series
take (market growth or decline, stimulated reporting, seasonal use) — and, in half of the series,
one planted spike: a cluster of extra reports on top of the month's ordinary ones, Poisson with
mean (``factor`` − 1) × the month's expected count, so that the month's expected total is
``factor`` times the usual.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

MONTHS = 48
SPIKE_FROM = 24
"""Spikes are planted in the second half, where the chart has a full baseline."""


@dataclass(frozen=True)
class Series:
    counts: tuple[int, ...]
    means: tuple[float, ...]
    """The expected ordinary count of each month (without the spike's cluster)."""
    size: float | None
    """The negative-binomial size of the month-to-month noise (None: Poisson)."""
    level: float
    """Expected count per month at the start, before trend and season."""
    spike_month: int | None
    factor: float


@dataclass(frozen=True)
class SeriesShape:
    level_range: tuple[float, float] = (1.0, 50.0)
    yearly_growth: tuple[float, float] = (-0.3, 0.5)
    """Multiplicative change per year of the expected count."""
    seasonal_amplitude: tuple[float, float] = (0.0, 0.3)
    dispersion_sizes: tuple[float | None, ...] = (None, 20.0, 8.0)
    """Negative-binomial sizes to draw from (None: Poisson)."""


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 60:  # normal approximation, rounded: exact enough for these means
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    threshold, k, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        k += 1
        product *= rng.random()
    return k


def _count(rng: random.Random, mean: float, size: float | None) -> int:
    if size is not None:
        mean = rng.gammavariate(size, mean / size)
    return _poisson(rng, mean)


def synthetic_series(
    rng: random.Random, *, spike: bool, factor: float = 3.0, shape: SeriesShape = SeriesShape()
) -> Series:
    """One series; with ``spike`` a month in [24, 48) gets a cluster raising its expected count
    ``factor``-fold."""
    low, high = shape.level_range
    level = math.exp(rng.uniform(math.log(low), math.log(high)))
    growth = rng.uniform(*shape.yearly_growth)
    amplitude = rng.uniform(*shape.seasonal_amplitude)
    phase = rng.uniform(0, 2 * math.pi)
    size = rng.choice(shape.dispersion_sizes)
    spike_month = rng.randrange(SPIKE_FROM, MONTHS) if spike else None
    counts, means = [], []
    for month in range(MONTHS):
        mean = (
            level
            * (1 + growth) ** (month / 12)
            * (1 + amplitude * math.sin(2 * math.pi * month / 12 + phase))
        )
        means.append(mean)
        count = _count(rng, mean, size)
        if month == spike_month:
            count += _poisson(rng, (factor - 1) * mean)
        counts.append(count)
    return Series(tuple(counts), tuple(means), size, level, spike_month, factor if spike else 1.0)
