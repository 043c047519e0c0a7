"""From an ingested MAUDE dataset to the device analysis the renderer draws (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from services.analyzer.device.aggregate import (
    event_type_counts,
    fold_problem,
    problem_rows,
    quarterly_trend,
)
from services.analyzer.device.listing import device_listing
from services.analyzer.device.narrative import device_narrative
from services.analyzer.surveillance.monthly import trend_alerts
from services.analyzer.surveillance.period import in_interval, reporting_period
from shared.events.device import (
    DeviceAnalysis,
    DeviceCase,
    DeviceDataset,
    DeviceEventType,
    DeviceListingRow,
    DeviceTotals,
)
from shared.events.openfda import TrendSummary

ALL_REPORTS = "All reports"
"""The term under which a device's total monthly reports are charted."""
_DAILY_COUNT_LIMIT = 1000


@dataclass(frozen=True)
class DeviceResult:
    analysis: DeviceAnalysis
    listing: tuple[DeviceListingRow, ...]


def _receipts(dataset: DeviceDataset, cases: Sequence[DeviceCase]) -> list[date]:
    """One date per report for the "all reports" series: openFDA's per-day counts when they
    cover every day (exact, even past the download cap), else the downloaded reports'."""
    daily = dataset.daily_received
    if daily and len(daily) < _DAILY_COUNT_LIMIT:
        days = []
        for row in daily:
            try:
                day = date(int(row.term[:4]), int(row.term[4:6]), int(row.term[6:8]))
            except ValueError:
                continue
            days.extend([day] * row.count)
        return days
    return [c.date_received for c in cases if c.date_received is not None]


def _trends(
    dataset: DeviceDataset,
    cases: Sequence[DeviceCase],
    lock: date | None,
    interval_start: date | None,
    previous: frozenset[str],
) -> TrendSummary:
    pairs: list[tuple[str, date]] = [(ALL_REPORTS, day) for day in _receipts(dataset, cases)]
    display = {ALL_REPORTS: ALL_REPORTS}
    for case in cases:
        if case.date_received is None:
            continue
        for label, terms in (
            ("device problem", case.product_problems),
            ("patient problem", case.patient_problems),
        ):
            for term in {fold_problem(t): t for t in terms}.values():
                key = f"{label}:{fold_problem(term)}"
                display.setdefault(key, f"{' '.join(term.split())} ({label})")
                pairs.append((key, case.date_received))
    return trend_alerts(
        pairs, lock, interval_start=interval_start, previous=previous, display=display
    )


def analyze_device(
    dataset: DeviceDataset,
    cases: Sequence[DeviceCase],
    *,
    previous_alerts: frozenset[str] = frozenset(),
    generated_at: datetime,
) -> DeviceResult:
    """Every table, trend alert and narrative section of one device report."""
    request = dataset.request
    received = [c.date_received for c in cases if c.date_received is not None]
    period = reporting_period(request, dataset.source.meta_last_updated, received)
    interval_ids = frozenset(
        c.mdr_report_key for c in cases if in_interval(c.date_received, period)
    )
    device_problems = problem_rows(cases, lambda c: c.product_problems, interval_ids)
    patient_problems = problem_rows(cases, lambda c: c.patient_problems, interval_ids)
    trend = quarterly_trend(cases)
    events = event_type_counts(cases, interval_ids)
    by_type = {row.category: row.reports for row in events}
    totals = DeviceTotals(
        matched_by_openfda=dataset.matched_total,
        fetched=dataset.fetched,
        analysed=len(cases),
        fetch_cap=dataset.fetch_cap,
        truncated=dataset.truncated,
        dropped_mismatch=dataset.dropped_mismatch,
        deaths=by_type[DeviceEventType.DEATH.value],
        injuries=by_type[DeviceEventType.INJURY.value],
        malfunctions=by_type[DeviceEventType.MALFUNCTION.value],
        interval_analysed=len(interval_ids),
        distinct_device_problems=len(device_problems),
        distinct_patient_problems=len(patient_problems),
    )
    trends = _trends(dataset, cases, period.data_lock_point, period.interval_start, previous_alerts)
    nil = not cases
    notices = list(dataset.notices)
    if dataset.truncated:
        notices.append(
            f"Only the {dataset.fetched:,} most recent of {dataset.matched_total:,} matching "
            "reports were downloaded; the tables cover those, the monthly total of all reports "
            "covers every one."
        )
    analysis = DeviceAnalysis(
        request=request,
        device=dataset.device,
        source=dataset.source,
        queries=dataset.queries,
        period=period,
        totals=totals,
        event_types=events,
        device_problems=device_problems,
        patient_problems=patient_problems,
        trend=trend,
        trends=trends,
        narrative=device_narrative(
            request=request,
            device=dataset.device,
            source=dataset.source,
            period=period,
            totals=totals,
            device_problems=device_problems,
            patient_problems=patient_problems,
            trend=trend,
            trends=trends,
            nil=nil,
        ),
        notices=tuple(notices),
        generated_at=generated_at,
        nil=nil,
    )
    return DeviceResult(analysis=analysis, listing=device_listing(cases, interval_ids))
