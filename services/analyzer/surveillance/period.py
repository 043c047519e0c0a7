"""The reporting period of a periodic report: the data-lock point and the reporting interval.

As in a PBRER (ICH E2C(R2)), cumulative figures run from the start of the data (or ``since``) to
the data-lock point, and interval figures from the interval's start to the same lock point.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Protocol

from shared.events.openfda import ReportingPeriod

DEFAULT_INTERVAL_MONTHS = 12


class PeriodRequest(Protocol):
    """What a drug or device request says about its period."""

    @property
    def since(self) -> date | None: ...

    @property
    def until(self) -> date | None: ...

    @property
    def data_lock_point(self) -> date | None: ...

    @property
    def interval_start(self) -> date | None: ...


def months_before(day: date, months: int) -> date:
    """The day ``months`` calendar months before ``day`` (clamped to the month's last day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for candidate in range(day.day, 0, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a day 1")


def data_lock_point(
    request: PeriodRequest, last_updated: date | None, received: Sequence[date]
) -> date | None:
    """The lock point asked for, else ``until``, else openFDA's data release, else the newest
    receive date (None when there is nothing to lock)."""
    if request.data_lock_point is not None:
        return request.data_lock_point
    if request.until is not None:
        return request.until
    if last_updated is not None:
        return last_updated
    return max(received) if received else None


def reporting_period(
    request: PeriodRequest, last_updated: date | None, received: Sequence[date]
) -> ReportingPeriod:
    """The period printed on the report, with the lock point and the interval resolved;
    ``received`` are the analysed reports' receive dates."""
    lock = data_lock_point(request, last_updated, received)
    start = request.interval_start
    if start is None and lock is not None:
        start = months_before(lock, DEFAULT_INTERVAL_MONTHS) + timedelta(days=1)
    if start is not None and request.since is not None:
        start = max(start, request.since)
    return ReportingPeriod(
        since=request.since,
        until=request.until,
        first_received=min(received) if received else None,
        last_received=max(received) if received else None,
        data_lock_point=lock,
        interval_start=start,
    )


def in_interval(day: date | None, period: ReportingPeriod) -> bool:
    """Whether FDA received a report on ``day`` within the reporting interval."""
    if day is None or period.interval_start is None:
        return False
    return period.interval_start <= day and (
        period.data_lock_point is None or day <= period.data_lock_point
    )
