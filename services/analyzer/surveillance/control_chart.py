"""A negative-binomial control chart on monthly report counts against a rolling baseline.

For each month t (once ``MIN_BASELINE_MONTHS`` of history exist) the count expected for month t is
predicted from the previous ``BASELINE_MONTHS`` months:

- **level**: the mean of the last ``LEVEL_MONTHS`` months, moved by half the baseline's
  least-squares trend towards month t (damped: a trend seen over two years is only half-trusted
  one month ahead), and kept within ½× and 2× that mean;
- **spread**: the extra-Poisson variance φ·μ² of the baseline around its trend line (the
  quasi-Poisson dispersion: φ̂ = (residual variance − mean) / mean²), shrunk towards
  ``PRIOR_DISPERSION`` with ``PRIOR_WEIGHT`` pseudo-degrees of freedom — twelve or twenty-four
  noisy months cannot pin a variance down, and under-estimating it is what makes false alarms;
- the variance μ + φμ² is widened by 1/m for the uncertainty of the level itself, and turned into
  a negative binomial with that mean and variance;
- the baseline's single largest month is left out once it has 8 months or more, and a month the
  chart flags stays out of every later baseline, so one spike does not mask the next.

Month t is flagged when its count x is at least ``MIN_ALERT_COUNT``, at least ``MIN_RATIO`` times
the predicted mean, and P(X ≥ x) is below ``ALERT_PROBABILITY``.

Operating characteristics on synthetic series (planted spikes on series with trends, seasons and
over-dispersion) are measured by ``bench/faers/trend_alerts.py`` and reported in
docs/benchmarks.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from services.analyzer.stats.special import negative_binomial_sf

BASELINE_MONTHS = 24
LEVEL_MONTHS = 12
MIN_BASELINE_MONTHS = 6
TRIM_FROM_MONTHS = 8
TREND_DAMPING = 0.5
PRIOR_DISPERSION = 0.05
"""φ = 1/size: a coefficient of variation of about 22 % beyond Poisson noise."""
PRIOR_WEIGHT = 10.0
ALERT_PROBABILITY = 3e-4
MIN_ALERT_COUNT = 3
MIN_RATIO = 2.0
_POISSON_SIZE = 1e12


@dataclass(frozen=True)
class MonthTest:
    """The chart's verdict on one month."""

    index: int
    count: int
    expected: float
    """Predicted mean from the baseline."""
    upper_tail: float
    """P(X ≥ count) under the predictive distribution."""
    alert: bool


@dataclass(frozen=True)
class ChartSettings:
    baseline_months: int = BASELINE_MONTHS
    min_baseline_months: int = MIN_BASELINE_MONTHS
    alert_probability: float = ALERT_PROBABILITY
    min_alert_count: int = MIN_ALERT_COUNT
    min_ratio: float = MIN_RATIO


def predictive(baseline: Sequence[int | None]) -> tuple[float, float]:
    """(mean, negative-binomial size) of the count of the month after ``baseline``.

    ``baseline`` holds consecutive months, oldest first; None marks a month left out (flagged
    earlier), which keeps its place in time.
    """
    target = len(baseline)
    pairs = [(x, y) for x, y in enumerate(baseline) if y is not None]
    positions = [x for x, _ in pairs]
    months = [y for _, y in pairs]
    if len(months) >= TRIM_FROM_MONTHS:
        largest = months.index(max(months))
        del months[largest], positions[largest]
    n = len(months)
    mean_x = sum(positions) / n
    mean_y = sum(months) / n
    sxx = sum((x - mean_x) ** 2 for x in positions)
    slope = 0.0
    if n >= TRIM_FROM_MONTHS and sxx > 0:
        slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(positions, months, strict=True))
        slope /= sxx
    recent = [(x, y) for x, y in zip(positions, months, strict=True) if x >= target - LEVEL_MONTHS]
    level = sum(y for _, y in recent) / len(recent)
    centre = sum(x for x, _ in recent) / len(recent)
    mean = level + TREND_DAMPING * slope * (target - centre)
    mean = min(max(mean, 0.5 * level), 2.0 * level)
    mean = max(mean, 0.5 / len(recent))
    dof = max(n - (2 if slope else 1), 1)
    residual = (
        sum(
            (y - (mean_y + slope * (x - mean_x))) ** 2
            for x, y in zip(positions, months, strict=True)
        )
        / dof
    )
    observed = max(residual - mean_y, 0.0) / (mean_y * mean_y) if mean_y > 0 else 0.0
    dispersion = (PRIOR_WEIGHT * PRIOR_DISPERSION + dof * observed) / (PRIOR_WEIGHT + dof)
    variance = (mean + dispersion * mean * mean) * (1.0 + 1.0 / len(recent))
    size = mean * mean / (variance - mean) if variance > mean else _POISSON_SIZE
    return mean, size


def judge_month(
    baseline: Sequence[int | None], count: int, settings: ChartSettings = ChartSettings()
) -> tuple[float, float, bool]:
    """(expected, P(X ≥ count), alert?) for one month against its baseline."""
    mean, size = predictive(baseline)
    tail = negative_binomial_sf(count, size, mean) if count > 0 else 1.0
    alert = (
        count >= settings.min_alert_count
        and count >= settings.min_ratio * mean
        and tail < settings.alert_probability
    )
    return mean, tail, alert


def control_chart(
    counts: Sequence[int], settings: ChartSettings = ChartSettings()
) -> list[MonthTest]:
    """The verdict for every month that has enough history, in order.

    ``counts`` are consecutive months, zero-filled, oldest first. Months flagged as alerts are
    left out of the baselines of the months after them.
    """
    tests: list[MonthTest] = []
    usable: list[int | None] = []
    for index, count in enumerate(counts):
        history = usable[-settings.baseline_months :]
        if sum(c is not None for c in history) >= settings.min_baseline_months:
            expected, tail, alert = judge_month(history, count, settings)
            tests.append(MonthTest(index, count, expected, tail, alert))
            usable.append(None if alert else count)
        else:
            usable.append(count)
    return tests


def alert_months(counts: Sequence[int], settings: ChartSettings = ChartSettings()) -> list[int]:
    """Indexes of the flagged months."""
    return [t.index for t in control_chart(counts, settings) if t.alert]


def expected_upper_limit(
    baseline: Sequence[int | None], probability: float = ALERT_PROBABILITY
) -> int:
    """The smallest count the chart would call unusual against ``baseline`` (for the report)."""
    mean, size = predictive(baseline)
    limit = max(MIN_ALERT_COUNT, math.ceil(MIN_RATIO * mean))
    while negative_binomial_sf(limit, size, mean) >= probability:
        limit += 1
    return limit
