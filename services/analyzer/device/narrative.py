"""The device report's prose, written from the numbers by templates (no language model).

MDR wording: "reports of", never "patients who"; a report of a malfunction is not proof that the
device failed, and a death reported with a device is not necessarily caused by it.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.analyzer.surveillance.wording import join_words as _list
from services.analyzer.surveillance.wording import plural as _plural
from shared.events.cer import Narrative
from shared.events.device import (
    NO_DEVICE_DENOMINATOR_NOTICE,
    DeviceIdentification,
    DeviceRequest,
    DeviceScope,
    DeviceTotals,
    ProblemRow,
)
from shared.events.openfda import OpenFdaSource, QuarterCount, ReportingPeriod, TrendSummary

TOP_PROBLEMS = 5


def _searched(request: DeviceRequest) -> str:
    match request.scope:
        case DeviceScope.PRODUCT_CODE:
            return f"FDA product code {request.searched} (exact)"
        case DeviceScope.BRAND_NAME:
            return f'brand names containing "{request.searched}"'
        case DeviceScope.MANUFACTURER:
            return f'manufacturer names containing "{request.searched}"'


def _top(rows: Sequence[ProblemRow]) -> tuple[list[ProblemRow], list[ProblemRow]]:
    shown = list(rows[:TOP_PROBLEMS])
    tied = [r for r in rows[TOP_PROBLEMS:] if shown and r.reports == shown[-1].reports]
    return shown, tied


def _named(rows: Sequence[ProblemRow]) -> list[str]:
    return [f"{r.term.lower()} ({r.reports:,})" for r in rows]


def device_narrative(
    *,
    request: DeviceRequest,
    device: DeviceIdentification,
    source: OpenFdaSource,
    period: ReportingPeriod,
    totals: DeviceTotals,
    device_problems: Sequence[ProblemRow],
    patient_problems: Sequence[ProblemRow],
    trend: Sequence[QuarterCount],
    trends: TrendSummary,
    nil: bool,
) -> Narrative:
    """Every narrative section of the device report."""
    what = _searched(request)
    updated = f"{source.meta_last_updated:%d %b %Y}" if source.meta_last_updated else "unknown"
    methods = (
        f"Reports were retrieved from the openFDA device adverse event endpoint (MAUDE; "
        f"{source.base_url}{source.endpoint}, data last updated {updated}) by {what}. Each "
        f"returned report was checked to carry the device on a device entry; "
        f"{_plural(totals.dropped_mismatch, 'report')} that did not were dropped. Narrative text "
        "is not read or kept.",
        "Device problems and patient problems are FDA's terms as MAUDE records them; a report "
        "may list several of each and counts once per term. Event types are the reporter's "
        "classification (death, injury, malfunction, other).",
    )
    limitations = (
        "MAUDE holds mandatory reports from manufacturers and user facilities and voluntary "
        "reports; they are unverified and may be incomplete, inaccurate or duplicated.",
        "A report that a device may have caused or contributed to an event does not establish "
        "that it did; a malfunction report does not establish that the device failed.",
        NO_DEVICE_DENOMINATOR_NOTICE,
        "Reporting varies with publicity, recalls, litigation and manufacturers' batch "
        "submissions: a spike in reports is a prompt for review, not a finding.",
    )
    if nil:
        summary = (
            f"Nil report. openFDA holds no MAUDE report matching {what} in the window "
            f"({totals.matched_by_openfda:,} matched the search, {totals.dropped_mismatch:,} did "
            "not carry the device).",
            "The absence of reports does not show that the device is safe. "
            + NO_DEVICE_DENOMINATOR_NOTICE,
        )
        return Narrative(executive_summary=summary, methods=methods, limitations=limitations)
    summary_parts = [
        f"openFDA lists {_plural(totals.matched_by_openfda, 'MAUDE report')} matching {what}; "
        f"reports analysed after the device check: {totals.analysed:,} "
        f"({_plural(totals.deaths, 'death')}, {_plural(totals.injuries, 'injury', 'injuries')} "
        f"and {_plural(totals.malfunctions, 'malfunction')})."
    ]
    if period.interval_start and period.data_lock_point:
        summary_parts.append(
            f"In the reporting interval ({period.interval_start:%d %b %Y} to the data-lock point "
            f"{period.data_lock_point:%d %b %Y}) FDA received "
            f"{_plural(totals.interval_analysed, 'report')}."
        )
    shown, tied = _top(device_problems)
    if shown:
        sentence = f"The most reported device problems were {_list(_named(shown))}"
        summary_parts.append(
            sentence + (f" (tied with {_list(_named(tied))})" if tied else "") + "."
        )
    interval_alerts = [a for a in trends.alerts if a.in_interval]
    if interval_alerts:
        names = [f"{a.term} ({a.month}, {a.reports} reports)" for a in interval_alerts[:3]]
        summary_parts.append(
            f"{_plural(len(interval_alerts), 'monthly trend alert')} in the interval: "
            f"{_list(names)}."
        )
    summary_parts.append(
        "A report is not proof that the device caused or contributed to the event. "
        + NO_DEVICE_DENOMINATOR_NOTICE
    )
    patient_shown, _ = _top(patient_problems)
    busiest = max((q.reports for q in trend), default=0)
    peaks = [q.quarter for q in trend if q.reports == busiest and busiest]
    trend_text = (
        (
            f"Reports span {trend[0].quarter} to {trend[-1].quarter} by date received; the "
            f"busiest quarter{'s were' if len(peaks) > 1 else ' was'} {_list(peaks)} with "
            f"{_plural(busiest, 'report')}{' each' if len(peaks) > 1 else ''}.",
        )
        if trend
        else ("No analysed report carries a date received.",)
    )
    return Narrative(
        executive_summary=tuple(summary_parts),
        methods=methods,
        top_events=(
            f"{_plural(totals.distinct_device_problems, 'distinct device problem')} and "
            f"{_plural(totals.distinct_patient_problems, 'distinct patient problem')} were "
            "reported.",
            *(
                [f"The most reported patient problems were {_list(_named(patient_shown))}."]
                if patient_shown
                else []
            ),
        ),
        trends=trend_text,
        limitations=limitations,
    )
