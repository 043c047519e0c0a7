"""Monthly report counts per term, charted for trend alerts (drug reactions or device problems).

A series runs over the last ``SPAN_MONTHS`` complete months up to the data-lock point (the lock
month counts when the lock is its last day), zero-filled. Only terms with at least
``MIN_ALERT_COUNT`` reports are charted (fewer can never be flagged). Each series goes through
:func:`~services.analyzer.surveillance.control_chart.control_chart`; flagged months become
:class:`~shared.events.openfda.TrendAlert` records, marked as inside the reporting interval or
not, and as new unless the previous report for the same subject flagged the same term and month.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from services.analyzer.surveillance.control_chart import MIN_ALERT_COUNT, control_chart
from shared.events.openfda import TrendAlert, TrendSummary

SPAN_MONTHS = 60
METHOD = (
    "Negative-binomial control chart per term on monthly report counts: each month is compared "
    "with a prediction from the 24 months before it (level of the last 12, half the trend, "
    "over-dispersion shrunk towards a prior); a month is flagged when it holds at least "
    "3 reports, at least twice the prediction and P(X ≥ count) < 0.0003."
)


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _key_of(index: int) -> str:
    year, month = divmod(index, 12)
    return f"{year:04d}-{month + 1:02d}"


def last_complete_month(lock: date) -> int:
    """Index of the last complete month at the lock point."""
    tomorrow = lock + timedelta(days=1)
    return _month_index(lock) if tomorrow.month != lock.month else _month_index(lock) - 1


def alert_key(term: str, month: str) -> str:
    return f"{term.casefold()}|{month}"


def trend_alerts(
    events: Iterable[tuple[str, date]],
    lock: date | None,
    *,
    interval_start: date | None,
    previous: frozenset[str] = frozenset(),
    display: Mapping[str, str] | None = None,
) -> TrendSummary:
    """Chart every term's monthly counts and collect the flagged months.

    ``events`` are (term key, receive date) pairs, one per report and term; ``display`` maps a
    term key to the spelling to print; ``previous`` holds :func:`alert_key` values flagged by the
    previous report.
    """
    pairs = list(events)
    if lock is None or not pairs:
        return TrendSummary(method=METHOD)
    last = last_complete_month(lock)
    first = max(min(_month_index(day) for _, day in pairs), last - SPAN_MONTHS + 1)
    if first > last:
        return TrendSummary(method=METHOD)
    counts: dict[str, Counter[int]] = {}
    for term, day in pairs:
        index = _month_index(day)
        if first <= index <= last:
            counts.setdefault(term, Counter())[index] += 1
    interval_from = _month_index(interval_start) if interval_start else last + 1
    alerts = []
    charted = 0
    for term, by_month in sorted(counts.items()):
        if sum(by_month.values()) < MIN_ALERT_COUNT:
            continue
        charted += 1
        series = [by_month[i] for i in range(first, last + 1)]
        for test in control_chart(series):
            if not test.alert:
                continue
            month = _key_of(first + test.index)
            name = (display or {}).get(term, term)
            alerts.append(
                TrendAlert(
                    term=name,
                    month=month,
                    reports=test.count,
                    expected=round(test.expected, 3),
                    upper_tail=test.upper_tail,
                    in_interval=first + test.index >= interval_from,
                    new=alert_key(name, month) not in previous,
                )
            )
    # The interval's alerts first, newest month first, then the larger count.
    alerts.sort(
        key=lambda a: (not a.in_interval, -int(a.month.replace("-", "")), -a.reports, a.term)
    )
    return TrendSummary(
        terms_charted=charted,
        months=last - first + 1,
        first_month=_key_of(first),
        last_month=_key_of(last),
        alerts=tuple(alerts),
        method=METHOD,
    )
