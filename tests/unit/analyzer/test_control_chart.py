"""The trend-alert control chart: flags planted spikes, stays quiet on ordinary noise."""

from __future__ import annotations

import random

from bench.faers.synthetic_series import SeriesShape, synthetic_series
from services.analyzer.surveillance.control_chart import (
    alert_months,
    control_chart,
    expected_upper_limit,
    predictive,
)


def test_a_steady_series_raises_no_alarm() -> None:
    counts = [10, 12, 9, 11, 10, 13, 8, 11, 10, 12, 9, 11, 10, 12, 11, 9, 10]
    assert alert_months(counts) == []


def test_a_clear_spike_is_flagged_and_kept_out_of_later_baselines() -> None:
    counts = [10, 12, 9, 11, 10, 13, 8, 11, 10, 12, 60, 11, 10, 12, 55]
    tests = {t.index: t for t in control_chart(counts)}
    assert alert_months(counts) == [10, 14]
    assert tests[10].expected < 13  # predicted from ordinary months
    # The second spike is judged against a baseline without the first one.
    assert tests[14].expected < 13


def test_too_little_history_is_not_judged() -> None:
    assert [t.index for t in control_chart([1, 1, 1, 1, 1, 40])] == []
    assert control_chart([1, 1, 1, 1, 1, 1, 40])[-1].alert


def test_a_few_reports_are_never_an_alert_however_quiet_the_past() -> None:
    assert alert_months([0] * 12 + [2]) == []
    assert alert_months([0] * 12 + [4]) == [12]


def test_a_doubling_of_a_noisy_series_is_not_an_alert() -> None:
    counts = [20, 35, 18, 30, 25, 40, 22, 28, 33, 19, 27, 31, 50]
    assert alert_months(counts) == []


def test_the_upper_limit_is_the_first_flagged_count() -> None:
    baseline = [5, 7, 6, 4, 8, 6, 5, 7, 6, 5, 6, 7]
    limit = expected_upper_limit(baseline)
    assert alert_months([*baseline, limit]) == [12]
    assert alert_months([*baseline, limit - 1]) == []
    mean, _ = predictive(baseline)
    assert 5 < mean < 7


def test_planted_spikes_are_found_with_few_false_alarms() -> None:
    """A small, bounded version of bench/faers/trend_alerts.py's headline (its own seed)."""
    rng = random.Random(99)
    spikes = detected = judged = false_alarms = 0
    for index in range(200):
        series = synthetic_series(
            rng, spike=index % 2 == 0, factor=5.0, shape=SeriesShape(level_range=(3.0, 50.0))
        )
        tests = control_chart(series.counts)
        flagged = {t.index for t in tests if t.alert}
        judged += len(tests)
        if series.spike_month is not None:
            spikes += 1
            detected += series.spike_month in flagged
            flagged.discard(series.spike_month)
        false_alarms += len(flagged)
    assert detected / spikes >= 0.85
    assert 100 * false_alarms / judged <= 1.0
