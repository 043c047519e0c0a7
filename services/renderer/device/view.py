"""From a :class:`DeviceAnalysis` to what the device safety report prints, charts included.

The same road as the drug report (``cer.view``): sections of a periodic report with interval and
cumulative side by side, a bar chart of the most reported device problems, the quarterly trend
(columns below four quarters), the monthly trend alerts, the MDR line listing appendix and the
exact queries. Counts are of reports: MAUDE has no denominator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from services.renderer.cer.tables import (
    AlertRow,
    CriteriaRow,
    DataFlowRow,
    QueryView,
    alert_rows,
    criteria_rows,
    query_views,
)
from services.renderer.cer.view import ALERTS_SHOWN, FEW_PERIODS, LISTING_PDF_MAX
from services.renderer.charts import Bar, Series, column_chart, horizontal_bar_chart, line_chart
from services.renderer.views import DocumentInfo, KeyFigure, Tone
from shared.events.device import (
    DeviceAnalysis,
    DeviceListingRow,
    DeviceScope,
    ProblemRow,
)

PROBLEMS_CHART = 15
PROBLEMS_TABLE = 30


@dataclass(frozen=True)
class ProblemTableRow:
    term: str
    interval: str
    reports: str
    share: str
    deaths: str
    injuries: str
    malfunctions: str


@dataclass(frozen=True)
class DeviceListingView:
    key: str
    received: str
    event: str
    device: str
    manufacturer: str
    device_problems: str
    patient_problems: str
    outcomes: str
    source: str
    age_sex: str
    in_interval: bool


@dataclass(frozen=True)
class DeviceReportView:
    document: DocumentInfo
    nil: bool
    summary: tuple[str, ...]
    key_figures: tuple[KeyFigure, ...]
    notices: tuple[str, ...]
    methods: tuple[str, ...]
    data_flow: tuple[DataFlowRow, ...]
    interval_label: str
    event_types: tuple[CriteriaRow, ...]
    problems_text: tuple[str, ...]
    problems_chart: Markup | None
    device_problems: tuple[ProblemTableRow, ...]
    device_problems_not_shown: int
    patient_problems: tuple[ProblemTableRow, ...]
    patient_problems_not_shown: int
    trend_text: tuple[str, ...]
    trend_chart: Markup | None
    trend_is_columns: bool
    trend_table: tuple[tuple[str, str, str], ...]
    alerts: tuple[AlertRow, ...]
    alerts_not_shown: int
    alerts_method: str
    limitations: tuple[str, ...]
    listing: tuple[DeviceListingView, ...]
    listing_total: int
    coverage: tuple[tuple[str, str], ...]
    queries: tuple[QueryView, ...]
    source_facts: tuple[tuple[str, str], ...]


def _problem_rows(rows: Sequence[ProblemRow], limit: int) -> tuple[ProblemTableRow, ...]:
    return tuple(
        ProblemTableRow(
            term=row.term,
            interval=f"{row.interval_reports:,}",
            reports=f"{row.reports:,}",
            share=f"{row.share:.1%}",
            deaths=f"{row.deaths:,}",
            injuries=f"{row.injuries:,}",
            malfunctions=f"{row.malfunctions:,}",
        )
        for row in rows[:limit]
    )


def _listing(rows: Sequence[DeviceListingRow]) -> tuple[DeviceListingView, ...]:
    return tuple(
        DeviceListingView(
            key=row.mdr_report_key + (f" ({row.report_number})" if row.report_number else ""),
            received=row.date_received.isoformat() if row.date_received else "",
            event=row.event_type
            + (f", event {row.date_of_event.isoformat()}" if row.date_of_event else ""),
            device=" · ".join(p for p in (row.brand, row.generic_name, row.product_code) if p),
            manufacturer=row.manufacturer,
            device_problems="; ".join(row.device_problems),
            patient_problems="; ".join(row.patient_problems),
            outcomes="; ".join(row.patient_outcomes),
            source=" · ".join(p for p in (row.report_source, row.reporter) if p),
            age_sex=" / ".join(p for p in (row.age, row.sex) if p),
            in_interval=row.in_interval,
        )
        for row in rows
    )


def problems_chart(analysis: DeviceAnalysis) -> Markup | None:
    if not analysis.device_problems:
        return None
    bars = [Bar(row.term, row.reports) for row in analysis.device_problems[:PROBLEMS_CHART]]
    svg = horizontal_bar_chart(bars, title="Most reported device problems", value_label="Reports")
    return Markup(svg)  # noqa: S704 - the chart escapes every label itself


def trend_chart(analysis: DeviceAnalysis) -> Markup | None:
    if not analysis.trend:
        return None
    quarters = [q.quarter for q in analysis.trend]
    series = [
        Series("All reports", tuple(float(q.reports) for q in analysis.trend)),
        Series("Deaths and injuries", tuple(float(q.serious) for q in analysis.trend)),
    ]
    draw = column_chart if len(quarters) < FEW_PERIODS else line_chart
    svg = draw(quarters, series, title="Reports received per quarter", y_label="Reports received")
    return Markup(svg)  # noqa: S704 - the chart escapes every label itself


def _searched(analysis: DeviceAnalysis) -> str:
    request = analysis.request
    match request.scope:
        case DeviceScope.PRODUCT_CODE:
            return f"product code {request.searched}: device.device_report_product_code (exact)"
        case DeviceScope.BRAND_NAME:
            return f'brand "{request.searched}": device.brand_name (phrase)'
        case DeviceScope.MANUFACTURER:
            return f'manufacturer "{request.searched}": device.manufacturer_d_name (phrase)'


def _listed(values: Sequence[str], limit: int = 30) -> str:
    if not values:
        return "none named"
    text = ", ".join(values[:limit])
    return text + (f" and {len(values) - limit} more" if len(values) > limit else "")


def build_device_view(
    analysis: DeviceAnalysis, listing: Sequence[DeviceListingRow] = ()
) -> DeviceReportView:
    """Everything the device template prints, from ``analysis`` and its line ``listing``."""
    totals, period, device = analysis.totals, analysis.period, analysis.device
    label = analysis.subject_label
    narrative = analysis.narrative
    interval = (
        f"{period.interval_start:%d %b %Y} – {period.data_lock_point:%d %b %Y}"
        if period.interval_start and period.data_lock_point
        else "interval"
    )
    facts = [("Subject", label), ("Searched", _searched(analysis))]
    if device.device_names:
        facts.append(("FDA device name", _listed(device.device_names, 3)))
    if device.manufacturer_names:
        facts.append(("Manufacturers covered", _listed(device.manufacturer_names, 4)))
    if period.data_lock_point:
        start = f" · interval from {period.interval_start}" if period.interval_start else ""
        facts.append(("Data-lock point", f"{period.data_lock_point}{start}"))
    facts.append(("Method", analysis.method_version))
    few = 0 < len(analysis.trend) < FEW_PERIODS
    listed = sorted(listing, key=lambda r: not r.in_interval)[:LISTING_PDF_MAX]
    source = analysis.source
    return DeviceReportView(
        document=DocumentInfo(
            title="Device safety report" + (" (nil report)" if analysis.nil else ""),
            subtitle=f"{label} · medical device reports in MAUDE",
            kind_label="Device safety report (MAUDE)",
            subject=f"MAUDE medical device reports, event types, problems and trends for {label}",
            source_dates=(
                "MAUDE reports"
                + (
                    f" received {period.since or 'from the start'} to {period.until or 'latest'}"
                    if period.since or period.until
                    else ", all dates received"
                )
                + (
                    f"; openFDA data last updated {source.meta_last_updated}"
                    if source.meta_last_updated
                    else ""
                )
            ),
            facts=tuple(facts),
            keywords=("MAUDE", "openFDA", "medical device", "MDR", label),
        ),
        nil=analysis.nil,
        summary=narrative.executive_summary,
        key_figures=(
            KeyFigure("reports analysed", f"{totals.analysed:,}"),
            KeyFigure("in the reporting interval", f"{totals.interval_analysed:,}"),
            KeyFigure("deaths", f"{totals.deaths:,}", Tone.WARN if totals.deaths else Tone.NEUTRAL),
            KeyFigure("injuries", f"{totals.injuries:,}", Tone.WARN),
            KeyFigure("malfunctions", f"{totals.malfunctions:,}"),
            KeyFigure(
                "trend alerts",
                str(len(analysis.trends.alerts)),
                Tone.WARN if analysis.trends.alerts else Tone.GOOD,
            ),
        ),
        notices=analysis.notices,
        methods=narrative.methods,
        data_flow=(
            DataFlowRow("Matched by openFDA", f"{totals.matched_by_openfda:,}"),
            DataFlowRow(
                "Downloaded",
                f"{totals.fetched:,}",
                f"download cap {totals.fetch_cap:,}" + (", reached" if totals.truncated else ""),
            ),
            DataFlowRow(
                "Dropped: device not on any device entry",
                f"{totals.dropped_mismatch:,}",
                "tokenised matches of the search",
            ),
            DataFlowRow("Analysed", f"{totals.analysed:,}", "enter every table of this report"),
            DataFlowRow("… received in the reporting interval", f"{totals.interval_analysed:,}"),
        ),
        interval_label=interval,
        event_types=criteria_rows(analysis.event_types),
        problems_text=narrative.top_events,
        problems_chart=problems_chart(analysis),
        device_problems=_problem_rows(analysis.device_problems, PROBLEMS_TABLE),
        device_problems_not_shown=max(0, len(analysis.device_problems) - PROBLEMS_TABLE),
        patient_problems=_problem_rows(analysis.patient_problems, PROBLEMS_TABLE),
        patient_problems_not_shown=max(0, len(analysis.patient_problems) - PROBLEMS_TABLE),
        trend_text=narrative.trends,
        trend_chart=trend_chart(analysis),
        trend_is_columns=few,
        trend_table=tuple((q.quarter, f"{q.reports:,}", f"{q.serious:,}") for q in analysis.trend)
        if few
        else (),
        alerts=alert_rows(analysis.trends.alerts[:ALERTS_SHOWN]),
        alerts_not_shown=max(0, len(analysis.trends.alerts) - ALERTS_SHOWN),
        alerts_method=analysis.trends.method,
        limitations=narrative.limitations,
        listing=_listing(listed),
        listing_total=len(listing),
        coverage=(
            ("Searched", _searched(analysis)),
            (f"Product codes ({len(device.product_codes)})", _listed(device.product_codes)),
            (f"Brands ({len(device.brand_names)})", _listed(device.brand_names)),
            (
                f"Manufacturers ({len(device.manufacturer_names)})",
                _listed(device.manufacturer_names),
            ),
            ("Generic names", _listed(device.generic_names)),
            ("Device class", _listed(device.device_classes)),
            ("Medical specialty", _listed(device.specialties)),
        ),
        queries=query_views(analysis.queries),
        source_facts=(
            ("Endpoint", f"{source.base_url}{source.endpoint}"),
            ("openFDA last updated", str(source.meta_last_updated or "not stated")),
            ("Retrieved", source.retrieved_at.strftime("%Y-%m-%d %H:%M UTC")),
            ("Analysis", f"{analysis.method_version}, {analysis.generated_at:%Y-%m-%d %H:%M UTC}"),
            *((("Licence", source.license),) if source.license else ()),
            *((("openFDA disclaimer", source.disclaimer),) if source.disclaimer else ()),
        ),
    )
