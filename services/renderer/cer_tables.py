"""Table rows of the drug-safety report, formatted for print (counts, shares of reports, ratios)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.renderer.charts import format_interval
from shared.events.cer import (
    CategoryCount,
    CerAnalysis,
    DisproportionalityRow,
    QueryPurpose,
    QueryRecord,
    RatioEstimate,
)

_PURPOSES = {
    QueryPurpose.PRODUCT_REPORTS: "The product's reports (paged)",
    QueryPurpose.PRODUCT_EVENT_COUNTS: "Reactions among the product's reports (a)",
    QueryPurpose.DATABASE_TOTAL: "All reports in the window (N)",
    QueryPurpose.DATABASE_EVENT_COUNTS: "Reactions among all reports (a + c)",
    QueryPurpose.EVENT_TOTAL: "Reports of one reaction (a + c, beyond the top 1,000)",
    QueryPurpose.FALLBACK: "Name-based fallback search",
    QueryPurpose.LAST_UPDATED: "Data freshness probe",
}


@dataclass(frozen=True)
class DataFlowRow:
    label: str
    reports: str
    note: str = ""


@dataclass(frozen=True)
class EventTableRow:
    pt: str
    reports: str
    share: str
    serious: str
    fatal: str
    signal: bool
    variants: str


@dataclass(frozen=True)
class SignalTableRow:
    pt: str
    a: str
    expected: str
    prr: str
    ror: str
    chi_square: str
    ic025: str
    signal: bool
    haldane: bool


@dataclass(frozen=True)
class QueryView:
    purpose: str
    parameters: tuple[str, ...]
    """``search=…``, ``count=…``, ``sort=…``, ``limit=…`` as sent (decoded), one per line."""
    url: str
    outcome: str


def data_flow(analysis: CerAnalysis) -> tuple[DataFlowRow, ...]:
    """From what openFDA matched to what the tables use, step by step."""
    totals = analysis.totals
    rows = [
        DataFlowRow("Matched by openFDA (exact product NDC)", f"{totals.matched_by_openfda:,}"),
        DataFlowRow(
            "Downloaded",
            f"{totals.fetched:,}",
            f"download cap {totals.fetch_cap:,}" + (", reached" if totals.truncated else ""),
        ),
        DataFlowRow(
            "Dropped: NDC not on any drug entry",
            f"{totals.dropped_ndc_mismatch:,}",
            "tokenised matches of the search",
        ),
        DataFlowRow(
            "Dropped: no harmonised openfda block",
            f"{totals.missing_openfda:,}",
            "NDC cannot be verified",
        ),
        DataFlowRow("Analysed", f"{totals.analysed:,}", "enter every table of this report"),
        DataFlowRow(
            "Product as suspect / interacting / concomitant / unknown",
            f"{totals.suspect:,} / {totals.interacting:,} / {totals.concomitant:,} / "
            f"{totals.role_unknown:,}",
        ),
        DataFlowRow(
            "All FAERS reports in the window (N)",
            f"{totals.database_reports:,}",
            "background of the 2×2 tables",
        ),
    ]
    return tuple(rows)


def event_rows(analysis: CerAnalysis, limit: int) -> tuple[EventTableRow, ...]:
    signals = {row.pt for row in analysis.signals}
    return tuple(
        EventTableRow(
            pt=event.pt,
            reports=f"{event.reports:,}",
            share=f"{event.share:.1%}",
            serious=f"{event.serious_reports:,}",
            fatal=f"{event.fatal_outcome_reports:,}",
            signal=event.pt in signals,
            variants=", ".join(event.variants),
        )
        for event in analysis.events[:limit]
    )


def category_rows(categories: Sequence[CategoryCount]) -> tuple[tuple[str, str, str], ...]:
    """(label, reports, share of reports) rows."""
    return tuple((c.label, f"{c.reports:,}", f"{c.share:.1%}") for c in categories)


def signal_rows(rows: Sequence[DisproportionalityRow]) -> tuple[SignalTableRow, ...]:
    return tuple(
        SignalTableRow(
            pt=row.pt,
            a=f"{row.table.a:,}",
            expected=f"{row.expected:,.1f}",
            prr=_ratio(row.prr),
            ror=_ratio(row.ror),
            chi_square=f"{row.chi_square_yates:,.1f}",
            ic025=f"{row.ic.ic025:.2f}",
            signal=row.signal,
            haldane=row.haldane,
        )
        for row in rows
    )


def query_views(queries: Sequence[QueryRecord]) -> tuple[QueryView, ...]:
    return tuple(
        QueryView(
            purpose=_PURPOSES.get(query.purpose, query.purpose.value),
            parameters=tuple(
                f"{name}={value}"
                for name, value in (
                    ("search", query.search),
                    ("count", query.count),
                    ("sort", query.sort),
                    ("limit", query.limit),
                )
                if value is not None
            ),
            url=query.url,
            outcome=_query_outcome(query),
        )
        for query in queries
    )


def _query_outcome(query: QueryRecord) -> str:
    if query.not_found:
        parts = ["404 NOT_FOUND (zero reports)"]
    elif query.total is not None:
        parts = [f"{query.total:,} reports"]
    else:
        parts = ["count query"]
    if query.pages > 1:
        parts.append(f"{query.pages} pages")
    parts.append("from cache" if query.from_cache else "fetched")
    return ", ".join(parts)


def _ratio(estimate: RatioEstimate) -> str:
    return format_interval(estimate.value, estimate.lower, estimate.upper)
