"""CSV exports of a safety report: the case line listing and every table of the PDF.

RFC 4180 CSV, UTF-8, one header line, one line per row, CRLF line ends; lists inside a cell are
joined with "; ". A text cell that a spreadsheet would run as a formula (starting with =, +, -, @,
tab or carriage return) is prefixed with an apostrophe (OWASP's CSV-injection advice): FAERS and
MAUDE text is written by reporters, not by us. The renderer stores each export as an artifact;
the gateway serves ``cases.csv`` and ``tables/<name>.csv``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from shared.events.cer import CerAnalysis
from shared.events.device import DeviceAnalysis, DeviceListingRow, ProblemRow
from shared.events.faers_case import CaseListingRow
from shared.events.openfda import QuarterCount, TrendAlert

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | bool | date | None


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, int | date):
        return str(value)
    text = " ".join(value.split())
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def _joined(values: Sequence[str]) -> str:
    return "; ".join(values)


CASE_HEADER = (
    "safetyreportid",
    "report_version",
    "receivedate",
    "in_interval",
    "reporter_qualification",
    "country",
    "age",
    "sex",
    "seriousness",
    "reactions",
    "product_role",
    "product_as_reported",
    "indications",
    "co_suspect_drugs",
    "concomitant_drugs",
    "event_date",
    "drug_start_date",
    "time_to_onset_days",
    "duplicate_group",
    "duplicate_reason",
)


def cases_csv(rows: Sequence[CaseListingRow]) -> bytes:
    """``cases.csv``: the case line listing, one line per case."""
    return write_csv(
        CASE_HEADER,
        (
            (
                row.safetyreportid,
                row.report_version,
                row.receivedate,
                row.in_interval,
                row.reporter,
                row.country,
                row.age,
                row.sex,
                row.serious,
                _joined(row.reactions),
                row.role.value,
                _joined(row.products),
                _joined(row.indications),
                _joined(row.co_suspects),
                _joined(row.concomitants),
                row.event_date,
                row.drug_start_date,
                row.onset_days,
                row.duplicate_group,
                row.duplicate_reason,
            )
            for row in rows
        ),
    )


def cer_tables(analysis: CerAnalysis) -> dict[str, bytes]:
    """Every table of the drug report as CSV, by name (see :data:`TABLE_NAMES`)."""
    events = write_csv(
        (
            "reaction",
            "interval_reports",
            "interval_serious",
            "reports",
            "share_of_reports",
            "serious",
            "fatal_outcome",
            "spellings",
        ),
        (
            (
                e.pt,
                e.interval_reports,
                e.interval_serious_reports,
                e.reports,
                e.share,
                e.serious_reports,
                e.fatal_outcome_reports,
                _joined(e.variants),
            )
            for e in analysis.events
        ),
    )
    disproportionality = write_csv(
        (
            "reaction",
            "a",
            "b",
            "c",
            "d",
            "expected",
            "haldane",
            "prr",
            "prr_lower",
            "prr_upper",
            "ror",
            "ror_lower",
            "ror_upper",
            "chi_square_yates",
            "ic",
            "ic025",
            "ic975",
            "ebgm",
            "eb05",
            "eb95",
            "presets_met",
            "signal",
        ),
        (
            (
                r.pt,
                r.table.a,
                r.table.b,
                r.table.c,
                r.table.d,
                r.expected,
                r.haldane,
                r.prr.value,
                r.prr.lower,
                r.prr.upper,
                r.ror.value,
                r.ror.lower,
                r.ror.upper,
                r.chi_square_yates,
                r.ic.value,
                r.ic.ic025,
                r.ic.ic975,
                r.ebgm.ebgm if r.ebgm else None,
                r.ebgm.eb05 if r.ebgm else None,
                r.ebgm.eb95 if r.ebgm else None,
                _joined([p.value for p in r.presets_met]),
                r.signal,
            )
            for r in analysis.disproportionality
        ),
    )
    summary = analysis.seriousness
    seriousness = write_csv(
        ("group", "category", "interval_reports", "reports", "share_of_reports"),
        [
            ("seriousness", "serious", summary.interval_serious, summary.serious, None),
            ("seriousness", "non-serious", summary.interval_non_serious, summary.non_serious, None),
            ("seriousness", "not stated", summary.interval_not_stated, summary.not_stated, None),
            *(
                (group, c.label, c.interval_reports, c.reports, c.share)
                for group, items in (
                    ("criterion", summary.criteria),
                    ("reaction outcome", summary.reaction_outcomes),
                    ("sex", analysis.sex),
                    ("age group", analysis.age_groups),
                )
                for c in items
            ),
        ],
    )
    tables: Mapping[str, bytes] = {
        "events": events,
        "disproportionality": disproportionality,
        "seriousness": seriousness,
        "trend": _trend_csv(analysis.trend, "serious"),
        "alerts": _alerts_csv(analysis.trends.alerts, "reaction"),
    }
    return dict(tables)


def _trend_csv(trend: Sequence[QuarterCount], serious: str) -> bytes:
    return write_csv(
        ("quarter", "reports", serious), ((q.quarter, q.reports, q.serious) for q in trend)
    )


def _alerts_csv(alerts: Sequence[TrendAlert], term: str) -> bytes:
    return write_csv(
        (term, "month", "reports", "expected", "upper_tail_probability", "in_interval", "new"),
        (
            (a.term, a.month, a.reports, a.expected, a.upper_tail, a.in_interval, a.new)
            for a in alerts
        ),
    )


def _problems_csv(rows: Sequence[ProblemRow], term: str) -> bytes:
    return write_csv(
        (
            term,
            "interval_reports",
            "reports",
            "share_of_reports",
            "deaths",
            "injuries",
            "malfunctions",
        ),
        (
            (r.term, r.interval_reports, r.reports, r.share, r.deaths, r.injuries, r.malfunctions)
            for r in rows
        ),
    )


def device_tables(analysis: DeviceAnalysis) -> dict[str, bytes]:
    """Every table of the device report as CSV, by name (see :data:`DEVICE_TABLES`)."""
    return {
        "event_types": write_csv(
            ("event_type", "interval_reports", "reports", "share_of_reports"),
            ((c.label, c.interval_reports, c.reports, c.share) for c in analysis.event_types),
        ),
        "device_problems": _problems_csv(analysis.device_problems, "device_problem"),
        "patient_problems": _problems_csv(analysis.patient_problems, "patient_problem"),
        "trend": _trend_csv(analysis.trend, "deaths_and_injuries"),
        "alerts": _alerts_csv(analysis.trends.alerts, "term"),
    }


DEVICE_CASE_HEADER = (
    "mdr_report_key",
    "report_number",
    "date_received",
    "in_interval",
    "event_type",
    "date_of_event",
    "brand_name",
    "generic_name",
    "manufacturer",
    "product_code",
    "device_problems",
    "patient_problems",
    "patient_outcomes",
    "report_source",
    "reporter_occupation",
    "device_operator",
    "patient_age",
    "patient_sex",
)


def device_cases_csv(rows: Sequence[DeviceListingRow]) -> bytes:
    """``cases.csv`` of a device report: one line per MAUDE report."""
    return write_csv(
        DEVICE_CASE_HEADER,
        (
            (
                r.mdr_report_key,
                r.report_number,
                r.date_received,
                r.in_interval,
                r.event_type,
                r.date_of_event,
                r.brand,
                r.generic_name,
                r.manufacturer,
                r.product_code,
                _joined(r.device_problems),
                _joined(r.patient_problems),
                _joined(r.patient_outcomes),
                r.report_source,
                r.reporter,
                r.operator,
                r.age,
                r.sex,
            )
            for r in rows
        ),
    )
