"""Table rows of the drug-safety report, formatted for print (counts, shares of reports, ratios)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.renderer.charts import format_interval
from shared.events.cer import (
    CategoryCount,
    CerAnalysis,
    DisproportionalityRow,
    DrugScope,
    EventRow,
    QueryPurpose,
    QueryRecord,
    RatioEstimate,
)
from shared.events.faers_case import ROLE_LABELS, CaseListingRow, DrugRole
from shared.events.openfda import TrendAlert

_PURPOSES = {
    QueryPurpose.PRODUCT_REPORTS: "The product's reports (paged)",
    QueryPurpose.PRODUCT_EVENT_COUNTS: "Reactions among the product's reports (a)",
    QueryPurpose.DATABASE_TOTAL: "All reports in the window (N)",
    QueryPurpose.DATABASE_EVENT_COUNTS: "Reactions among all reports (a + c)",
    QueryPurpose.EVENT_TOTAL: "Reports of one reaction (a + c, beyond the top 1,000)",
    QueryPurpose.FALLBACK: "Name-based fallback search",
    QueryPurpose.LAST_UPDATED: "Data freshness probe",
    QueryPurpose.BACKGROUND_PRODUCTS: "Most reported products (EBGM background)",
    QueryPurpose.BACKGROUND_EVENT_COUNTS: "Reactions of one background product (EBGM)",
    QueryPurpose.DEVICE_REPORTS: "The device search's reports (paged)",
    QueryPurpose.DEVICE_MONTHLY: "The device search's reports per day received",
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
    """Other spellings folded into the term (never the displayed one in another case)."""
    interval: str = "0"
    interval_serious: str = "0"


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
    ebgm: str = "–"
    eb05_eb95: str = "–"


@dataclass(frozen=True)
class QueryView:
    purpose: str
    parameters: tuple[str, ...]
    """``search=…``, ``count=…``, ``sort=…``, ``limit=…`` as sent (decoded), one per line."""
    url: str
    outcome: str


@dataclass(frozen=True)
class AlertRow:
    term: str
    month: str
    reports: str
    expected: str
    probability: str
    new: bool
    in_interval: bool


@dataclass(frozen=True)
class CriteriaRow:
    label: str
    interval: str
    reports: str
    share: str


_MATCH_LABEL = {
    DrugScope.NDC: "exact product NDC",
    DrugScope.INGREDIENT: "exact active ingredient",
    DrugScope.BRAND: "exact brand name",
}


def other_spellings(event: EventRow) -> tuple[str, ...]:
    """The variants that are spelled differently from the displayed term (not just cased or
    spaced differently): "Dyspnea" under "Dyspnoea", never "DYSPNOEA"."""
    shown = " ".join(event.pt.split()).casefold()
    seen: dict[str, str] = {}
    for variant in event.variants:
        key = " ".join(variant.split()).casefold()
        if key != shown:
            seen.setdefault(key, variant)
    return tuple(seen.values())


def roles_label(roles: Sequence[DrugRole]) -> str:
    return ", ".join(ROLE_LABELS[r] for r in ROLE_LABELS if r in roles)


def data_flow(analysis: CerAnalysis) -> tuple[DataFlowRow, ...]:
    """From what openFDA matched to what the tables use, step by step."""
    totals = analysis.totals
    rows = [
        DataFlowRow(
            f"Matched by openFDA ({_MATCH_LABEL[analysis.request.scope]})",
            f"{totals.matched_by_openfda:,}",
        ),
        DataFlowRow(
            "Downloaded",
            f"{totals.fetched:,}",
            f"download cap {totals.fetch_cap:,}" + (", reached" if totals.truncated else ""),
        ),
        DataFlowRow(
            "Dropped: product not on any harmonised drug entry",
            f"{totals.dropped_ndc_mismatch:,}",
            "tokenised matches of the search",
        ),
        DataFlowRow(
            "Dropped: no harmonised openfda block",
            f"{totals.missing_openfda:,}",
            "NDC cannot be verified",
        ),
        DataFlowRow("Verified: the product is on a drug entry", f"{totals.verified:,}"),
        DataFlowRow(
            "Product as suspect / interacting / concomitant / not stated",
            f"{totals.suspect:,} / {totals.interacting:,} / {totals.concomitant:,} / "
            f"{totals.role_unknown:,}",
        ),
        DataFlowRow(
            "Analysed: product in a selected role",
            f"{totals.analysed:,}",
            f"{roles_label(totals.roles)}; enter every table of this report",
        ),
        DataFlowRow(
            "… received in the reporting interval",
            f"{totals.interval_analysed:,}",
            _interval_note(analysis),
        ),
        DataFlowRow(
            "… flagged as possible duplicates",
            f"{totals.duplicate_suspects:,}",
            "kept in the tables; see the case listing",
        ),
        DataFlowRow(
            "All FAERS reports in the window (N)",
            f"{totals.database_reports:,}",
            "background of the 2×2 tables",
        ),
    ]
    return tuple(rows)


def _interval_note(analysis: CerAnalysis) -> str:
    period = analysis.period
    if period.interval_start is None or period.data_lock_point is None:
        return ""
    return f"{period.interval_start.isoformat()} to {period.data_lock_point.isoformat()}"


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
            variants=", ".join(other_spellings(event)),
            interval=f"{event.interval_reports:,}",
            interval_serious=f"{event.interval_serious_reports:,}",
        )
        for event in analysis.events[:limit]
    )


def category_rows(categories: Sequence[CategoryCount]) -> tuple[tuple[str, str, str], ...]:
    """(label, reports, share of reports) rows."""
    return tuple((c.label, f"{c.reports:,}", f"{c.share:.1%}") for c in categories)


def criteria_rows(categories: Sequence[CategoryCount]) -> tuple[CriteriaRow, ...]:
    """Interval and cumulative counts side by side, as a PBRER tabulates them."""
    return tuple(
        CriteriaRow(c.label, f"{c.interval_reports:,}", f"{c.reports:,}", f"{c.share:.1%}")
        for c in categories
    )


def alert_rows(alerts: Sequence[TrendAlert]) -> tuple[AlertRow, ...]:
    return tuple(
        AlertRow(
            term=alert.term,
            month=alert.month,
            reports=f"{alert.reports:,}",
            expected=f"{alert.expected:,.1f}",
            probability=f"{alert.upper_tail:.1e}"
            if alert.upper_tail < 0.001
            else f"{alert.upper_tail:.4f}",
            new=alert.new,
            in_interval=alert.in_interval,
        )
        for alert in alerts
    )


@dataclass(frozen=True)
class ListingRowView:
    case: str
    received: str
    reporter: str
    country: str
    age_sex: str
    serious: str
    reactions: str
    indication: str
    other_drugs: str
    onset: str
    duplicate: str
    in_interval: bool


def listing_rows(rows: Sequence[CaseListingRow]) -> tuple[ListingRowView, ...]:
    """The case line listing as the PDF appendix prints it."""
    views = []
    for row in rows:
        other = []
        if row.co_suspects:
            other.append("suspect: " + ", ".join(row.co_suspects))
        if row.concomitants:
            other.append("concomitant: " + ", ".join(row.concomitants))
        views.append(
            ListingRowView(
                case=row.safetyreportid + (f" v{row.report_version}" if row.report_version else ""),
                received=row.receivedate.isoformat() if row.receivedate else "",
                reporter=row.reporter,
                country=row.country,
                age_sex=" / ".join(p for p in (row.age, row.sex) if p),
                serious=row.serious,
                reactions="; ".join(row.reactions),
                indication="; ".join(row.indications),
                other_drugs="; ".join(other),
                onset=f"{row.onset_days} d" if row.onset_days is not None else "",
                duplicate=f"D{row.duplicate_group}" if row.duplicate_group else "",
                in_interval=row.in_interval,
            )
        )
    return tuple(views)


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
            ebgm=f"{row.ebgm.ebgm:.2f}" if row.ebgm else "–",
            eb05_eb95=f"{row.ebgm.eb05:.2f}–{row.ebgm.eb95:.2f}" if row.ebgm else "–",
        )
        for row in rows
    )


def _parameters(query: QueryRecord) -> tuple[str, ...]:
    return tuple(
        f"{name}={value}"
        for name, value in (
            ("search", query.search),
            ("count", query.count),
            ("sort", query.sort),
            ("limit", query.limit),
        )
        if value is not None
    )


def query_views(queries: Sequence[QueryRecord]) -> tuple[QueryView, ...]:
    """Every query as sent, in order; the EBGM background's per-product count queries (one per
    product, all alike) are shown once, with the products they were sent for."""
    views: list[QueryView] = []
    background = [q for q in queries if q.purpose is QueryPurpose.BACKGROUND_EVENT_COUNTS]
    for query in queries:
        if query.purpose is not QueryPurpose.BACKGROUND_EVENT_COUNTS:
            views.append(
                QueryView(
                    purpose=_PURPOSES.get(query.purpose, query.purpose.value),
                    parameters=_parameters(query),
                    url=query.url,
                    outcome=_query_outcome(query),
                )
            )
        elif query is background[0]:
            cached = sum(1 for q in background if q.from_cache)
            views.append(
                QueryView(
                    purpose=f"{_PURPOSES[query.purpose]}, once per product",
                    parameters=(
                        *_parameters(query),
                        f"… and {len(background) - 1} more, the same with each product's "
                        "generic name",
                    ),
                    url=query.url,
                    outcome=f"{len(background)} count queries, {cached} from cache",
                )
            )
    return tuple(views)


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
