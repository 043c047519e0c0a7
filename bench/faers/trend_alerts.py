"""Detection rate and false alarms of the trend-alert control chart on synthetic series.

    .venv/bin/python -m bench.faers.trend_alerts                 # the report seed (2026)
    .venv/bin/python -m bench.faers.trend_alerts --seed 7 --series 2000

Half the series carry one planted spike (see ``bench/faers/synthetic_series.py``). A spike is
detected when the chart flags its month; every other flagged month is a false alarm, counted per
100 series-months the chart judged (months with at least six months of history). The headline is
spikes of 5× the expected count on series of 3–50 expected reports a month; the other rows show
where the chart is blind (a doubling, or one to three reports a month). Beside each row, the same
test made by an oracle that knows every month's true mean and dispersion (same probability
threshold): the ceiling any chart estimating them from the data can approach.

The chart's constants were chosen on seed 3; the figures in docs/benchmarks.md use seed 2026.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass

from bench.faers.synthetic_series import Series, SeriesShape, synthetic_series
from services.analyzer.stats.special import negative_binomial_sf
from services.analyzer.surveillance.control_chart import (
    ALERT_PROBABILITY,
    MIN_ALERT_COUNT,
    MIN_RATIO,
    control_chart,
)

LEVEL_BANDS = ((1.0, 3.0), (3.0, 10.0), (10.0, 50.0))
FACTORS = (2.0, 3.0, 5.0)


@dataclass
class Tally:
    spikes: int = 0
    detected: int = 0
    judged_months: int = 0
    false_alarms: int = 0

    @property
    def detection_rate(self) -> float:
        return self.detected / self.spikes if self.spikes else 0.0

    @property
    def false_alarms_per_100(self) -> float:
        return 100 * self.false_alarms / self.judged_months if self.judged_months else 0.0

    def add(self, series: Series, judged: set[int], flagged: set[int]) -> None:
        self.judged_months += len(judged)
        if series.spike_month is not None and series.spike_month in judged:
            self.spikes += 1
            self.judged_months -= 1
            if series.spike_month in flagged:
                self.detected += 1
        self.false_alarms += len(flagged - {series.spike_month})


def oracle_flags(series: Series, judged: set[int]) -> set[int]:
    flagged = set()
    for month in judged:
        count, mean = series.counts[month], series.means[month]
        tail = negative_binomial_sf(count, series.size, mean)
        if count >= MIN_ALERT_COUNT and count >= MIN_RATIO * mean and tail < ALERT_PROBABILITY:
            flagged.add(month)
    return flagged


def run(rng: random.Random, count: int, factor: float, shape: SeriesShape) -> tuple[Tally, Tally]:
    chart, oracle = Tally(), Tally()
    for index in range(count):
        series = synthetic_series(
            rng, spike=index % 2 == 0 and factor > 1, factor=factor, shape=shape
        )
        tests = control_chart(series.counts)
        judged = {t.index for t in tests}
        chart.add(series, judged, {t.index for t in tests if t.alert})
        oracle.add(series, judged, oracle_flags(series, judged))
    return chart, oracle


def _row(label: str, chart: Tally, oracle: Tally) -> str:
    detection = f"{chart.detection_rate:.3f}" if chart.spikes else "–"
    ceiling = f"{oracle.detection_rate:.3f}" if oracle.spikes else "–"
    return (
        f"| {label} | {chart.spikes} | {detection} | {chart.false_alarms_per_100:.2f} | "
        f"{ceiling} | {oracle.false_alarms_per_100:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--series", type=int, default=2000, help="series per configuration")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"seed {args.seed}, {args.series} series per row (half with a spike), 48 months each\n")
    print(
        "| configuration | spikes | detection | false alarms / 100 series-months "
        "| oracle detection | oracle false alarms |"
    )
    print("|---|---|---|---|---|---|")
    print(
        _row(
            "**headline: 5× spike, 3–50 reports/month**",
            *run(rng, args.series, 5.0, SeriesShape(level_range=(3.0, 50.0))),
        )
    )
    for factor in FACTORS:
        for band in LEVEL_BANDS:
            label = f"{factor:g}× spike, {band[0]:g}–{band[1]:g} reports/month"
            print(_row(label, *run(rng, args.series, factor, SeriesShape(level_range=band))))
    print(
        _row(
            "no spike, 0.2–1 reports/month",
            *run(rng, args.series, 1.0, SeriesShape(level_range=(0.2, 1.0))),
        )
    )


if __name__ == "__main__":
    main()
