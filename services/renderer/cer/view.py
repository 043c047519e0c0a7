"""From a :class:`CerAnalysis` to what the drug-safety report prints, charts included.

The analyzer computes every number and writes the narrative; this module orders it into the
sections of a periodic safety report (interval and cumulative side by side, as a PBRER), draws the
three charts (top events, quarterly trend — columns when there are fewer than four quarters —,
signal forest plot) and formats the case line listing appendix. Every count is a number of
reports and every share a share of reports: FAERS has no exposure denominator, so nothing here is
a rate. The report's title and identity come from what was searched, never from a brand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from services.renderer.cer.tables import (
    AlertRow,
    CriteriaRow,
    DataFlowRow,
    EventTableRow,
    ListingRowView,
    QueryView,
    SignalTableRow,
    alert_rows,
    category_rows,
    criteria_rows,
    data_flow,
    event_rows,
    listing_rows,
    query_views,
    roles_label,
    signal_rows,
)
from services.renderer.charts import (
    Bar,
    ForestRow,
    Series,
    column_chart,
    forest_plot,
    horizontal_bar_chart,
    line_chart,
)
from services.renderer.fhir.cer import product_label
from services.renderer.views import DocumentInfo, KeyFigure, Tone
from shared.events.cer import (
    NO_DENOMINATOR_NOTICE,
    CerAnalysis,
    DrugScope,
    SignalChanges,
    SignalPreset,
)
from shared.events.faers_case import CaseListingRow

_PRESET_SHORT = {SignalPreset.EVANS: "Evans", SignalPreset.EMA: "EMA", SignalPreset.IC025: "IC025"}

TOP_EVENTS_CHART = 15
TOP_EVENTS_TABLE = 30
FOREST_ROWS = 20
FEW_PERIODS = 4
"""Below this many quarters the trend is drawn as columns: a line needs points to read."""
LISTING_PDF_MAX = 300
"""Cases printed in the PDF appendix (interval cases first); cases.csv holds them all."""
ALERTS_SHOWN = 25

_DEFAULT_LIMITATIONS = (
    "FAERS is a spontaneous reporting system: reports are voluntary and unverified, and a report "
    "does not establish that the product caused the reaction.",
    "Under-reporting is substantial and varies with seriousness, novelty and publicity; the same "
    "case may be reported more than once.",
    NO_DENOMINATOR_NOTICE,
    "Disproportionality measures reporting, not risk: a signal is a hypothesis for clinical "
    "review, and its absence does not show safety.",
)


@dataclass(frozen=True)
class CerReportView:
    document: DocumentInfo
    summary: tuple[str, ...]
    key_figures: tuple[KeyFigure, ...]
    notices: tuple[str, ...]
    methods: tuple[str, ...]
    data_flow: tuple[DataFlowRow, ...]
    events_text: tuple[str, ...]
    events: tuple[EventTableRow, ...]
    events_not_shown: int
    events_chart: Markup | None
    serious_text: tuple[str, ...]
    criteria: tuple[tuple[str, str, str], ...]
    outcomes: tuple[tuple[str, str, str], ...]
    sex: tuple[tuple[str, str, str], ...]
    age_groups: tuple[tuple[str, str, str], ...]
    trend_text: tuple[str, ...]
    trend_chart: Markup | None
    signals_text: tuple[str, ...]
    preset_text: str
    signal_count: int
    forest_chart: Markup | None
    forest_rows_shown: int
    signal_table: tuple[SignalTableRow, ...]
    changes: SignalChanges
    changes_text: tuple[str, ...]
    limitations: tuple[str, ...]
    queries: tuple[QueryView, ...]
    source_facts: tuple[tuple[str, str], ...]
    nil: bool = False
    interval_label: str = ""
    interval_totals: tuple[str, str, str, str] = ("0", "0", "0", "0")
    """Interval serious, non-serious, not stated, total."""
    cumulative_totals: tuple[str, str, str, str] = ("0", "0", "0", "0")
    criteria_table: tuple[CriteriaRow, ...] = ()
    outcome_table: tuple[CriteriaRow, ...] = ()
    trend_is_columns: bool = False
    trend_table: tuple[tuple[str, str, str], ...] = ()
    alerts: tuple[AlertRow, ...] = ()
    alerts_not_shown: int = 0
    alerts_method: str = ""
    ebgm_note: str = ""
    coverage: tuple[tuple[str, str], ...] = ()
    listing: tuple[ListingRowView, ...] = ()
    listing_total: int = 0
    power_warnings: tuple[str, ...] = ()
    changes_rows: tuple[tuple[str, str, str], ...] = ()


def build_cer_view(analysis: CerAnalysis, listing: Sequence[CaseListingRow] = ()) -> CerReportView:
    """Everything the CER template prints, worded, ordered and charted, from ``analysis`` and
    its case line ``listing``."""
    narrative = analysis.narrative
    rows = analysis.disproportionality
    summary = analysis.seriousness
    totals = analysis.totals
    listed = sorted(listing, key=lambda r: not r.in_interval)[:LISTING_PDF_MAX]
    return CerReportView(
        document=_document_info(analysis),
        summary=narrative.executive_summary or (_fallback_summary(analysis),),
        key_figures=_key_figures(analysis),
        notices=_notices(analysis, narrative.executive_summary),
        methods=narrative.methods,
        data_flow=data_flow(analysis),
        events_text=narrative.top_events,
        events=event_rows(analysis, TOP_EVENTS_TABLE),
        events_not_shown=max(0, len(analysis.events) - TOP_EVENTS_TABLE),
        events_chart=events_chart(analysis),
        serious_text=narrative.serious_outcomes,
        criteria=category_rows(analysis.seriousness.criteria),
        outcomes=category_rows(analysis.seriousness.reaction_outcomes),
        sex=category_rows(analysis.sex),
        age_groups=category_rows(analysis.age_groups),
        trend_text=narrative.trends,
        trend_chart=trend_chart(analysis),
        signals_text=narrative.signals,
        preset_text=f"{analysis.preset.label}: {analysis.preset.criteria}",
        signal_count=len(analysis.signals),
        forest_chart=forest_chart(analysis),
        forest_rows_shown=min(FOREST_ROWS, len(rows)),
        signal_table=signal_rows(rows),
        changes=analysis.signal_changes,
        changes_text=narrative.new_signals,
        limitations=narrative.limitations or _DEFAULT_LIMITATIONS,
        queries=query_views(analysis.queries),
        source_facts=_source_facts(analysis),
        nil=analysis.nil,
        interval_label=_interval_label(analysis),
        interval_totals=(
            f"{summary.interval_serious:,}",
            f"{summary.interval_non_serious:,}",
            f"{summary.interval_not_stated:,}",
            f"{totals.interval_analysed:,}",
        ),
        cumulative_totals=(
            f"{summary.serious:,}",
            f"{summary.non_serious:,}",
            f"{summary.not_stated:,}",
            f"{totals.analysed:,}",
        ),
        criteria_table=criteria_rows(summary.criteria),
        outcome_table=criteria_rows(summary.reaction_outcomes),
        trend_is_columns=0 < len(analysis.trend) < FEW_PERIODS,
        trend_table=tuple((q.quarter, f"{q.reports:,}", f"{q.serious:,}") for q in analysis.trend)
        if 0 < len(analysis.trend) < FEW_PERIODS
        else (),
        alerts=alert_rows(analysis.trends.alerts[:ALERTS_SHOWN]),
        alerts_not_shown=max(0, len(analysis.trends.alerts) - ALERTS_SHOWN),
        alerts_method=analysis.trends.method,
        ebgm_note=_ebgm_note(analysis),
        coverage=_coverage(analysis),
        listing=listing_rows(listed),
        listing_total=len(listing),
        power_warnings=analysis.power.warnings,
        changes_rows=_changes_rows(analysis.signal_changes),
    )


def _interval_label(analysis: CerAnalysis) -> str:
    period = analysis.period
    if period.interval_start is None or period.data_lock_point is None:
        return "interval"
    return f"{period.interval_start:%d %b %Y} – {period.data_lock_point:%d %b %Y}"


def _ebgm_note(analysis: CerAnalysis) -> str:
    prior = analysis.ebgm_prior
    if prior is None:
        return "EBGM not computed (see the notices)."
    where = (
        "the most reported products' reaction counts"
        if prior.fitted_on == "background"
        else "this product's own reaction counts"
    )
    return (
        f"EBGM: empirical Bayes geometric mean (DuMouchel's gamma-Poisson shrinker, prior fitted "
        f"on {prior.cells:,} counts from {where}); EB05–EB95 its 90% credibility interval."
    )


def _listed(values: Sequence[str], limit: int = 40) -> str:
    if not values:
        return "none named by openFDA"
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _coverage(analysis: CerAnalysis) -> tuple[tuple[str, str], ...]:
    product = analysis.product
    return (
        ("Searched", _searched(analysis)),
        ("Roles counted", roles_label(analysis.request.roles)),
        (
            f"Product NDCs covered ({len(product.listed_product_ndcs)})",
            _listed(product.listed_product_ndcs),
        ),
        (f"Labelers ({len(product.manufacturer_names)})", _listed(product.manufacturer_names)),
        ("Brands", _listed(product.brand_names)),
        ("Generic names", _listed(product.generic_names)),
        ("Active ingredients", _listed(product.substance_names)),
    )


def _searched(analysis: CerAnalysis) -> str:
    request = analysis.request
    match request.scope:
        case DrugScope.NDC:
            entered = (
                f" (entered as {request.ndc_input})" if request.ndc_input != request.ndc else ""
            )
            return f"NDC {request.ndc}{entered}: openfda.product_ndc = " + " or ".join(
                request.product_ndcs
            )
        case DrugScope.INGREDIENT:
            return f"active ingredient {request.searched}: openfda.substance_name or generic_name"
        case DrugScope.BRAND:
            return f"brand {request.searched}: openfda.brand_name, every labeler"


def _changes_rows(changes: SignalChanges) -> tuple[tuple[str, str, str], ...]:
    if not changes.has_previous:
        return ()
    return (
        ("warn", "new signal", ", ".join(changes.new) or "none"),
        ("", "ongoing", ", ".join(changes.persisting) or "none"),
        ("good", "closed", ", ".join(changes.disappeared) or "none"),
    )


def events_chart(analysis: CerAnalysis) -> Markup | None:
    """Bar chart of the most reported reactions; signals in the highlight colour."""
    if not analysis.events:
        return None
    signals = {row.pt for row in analysis.signals}
    bars = [
        Bar(event.pt, event.reports, highlight=event.pt in signals)
        for event in analysis.events[:TOP_EVENTS_CHART]
    ]
    svg = horizontal_bar_chart(
        bars,
        title="Most reported reactions",
        value_label="Reports",
        values=False,  # the reactions table under the chart prints every bar's count
    )
    return Markup(svg)  # noqa: S704 - the chart escapes every label itself


def trend_chart(analysis: CerAnalysis) -> Markup | None:
    """Reports received per quarter, all and serious: a line, or columns for a few quarters."""
    if not analysis.trend:
        return None
    quarters = [q.quarter for q in analysis.trend]
    series = [
        Series("All reports", tuple(float(q.reports) for q in analysis.trend)),
        Series("Serious reports", tuple(float(q.serious) for q in analysis.trend)),
    ]
    draw = column_chart if len(quarters) < FEW_PERIODS else line_chart
    svg = draw(quarters, series, title="Reports received per quarter", y_label="Reports received")
    return Markup(svg)  # noqa: S704 - the chart escapes every label itself


def forest_chart(analysis: CerAnalysis) -> Markup | None:
    """Forest plot of the reporting odds ratio with its 95% CI, signals first."""
    rows = [
        ForestRow(r.pt, r.ror.value, r.ror.lower, r.ror.upper, highlight=r.signal)
        for r in analysis.disproportionality[:FOREST_ROWS]
        if r.ror.value > 0
    ]
    if not rows:
        return None
    svg = forest_plot(
        rows,
        title="Reporting odds ratio by reaction",
        x_label="Reporting odds ratio with 95% CI (log scale)",
        values=False,  # the signal table under the chart prints every row's ROR (95% CI)
    )
    return Markup(svg)  # noqa: S704 - the chart escapes every label itself


def _document_info(analysis: CerAnalysis) -> DocumentInfo:
    product = analysis.product
    label = analysis.subject_label
    named = product_label(analysis)
    facts = [("Subject", label), ("Searched", _searched(analysis))]
    if named != label and (product.brand_names or product.generic_names):
        facts.append(("openFDA names the matches", named))
    if product.manufacturer_names:
        facts.append(("Labelers covered", _listed(product.manufacturer_names, 4)))
    facts.append(("Roles counted", roles_label(analysis.request.roles)))
    period = analysis.period
    if period.data_lock_point:
        start = f" · interval from {period.interval_start}" if period.interval_start else ""
        facts.append(("Data-lock point", f"{period.data_lock_point}{start}"))
    facts.append(("Signal criteria", f"{analysis.preset.label}: {analysis.preset.criteria}"))
    facts.append(("Method", analysis.method_version))
    return DocumentInfo(
        title="Drug safety report" + (" (nil report)" if analysis.nil else ""),
        subtitle=f"{label} · adverse event reports in FAERS",
        kind_label="Drug safety report (CER)",
        subject=f"FAERS adverse event reports, seriousness, trends and disproportionality "
        f"for {label}",
        source_dates=_source_dates(analysis),
        facts=tuple(facts),
        keywords=("FAERS", "openFDA", "pharmacovigilance", "disproportionality", label),
    )


def _source_dates(analysis: CerAnalysis) -> str:
    period = analysis.period
    window = (
        f"received {period.since or 'from the start'} to {period.until or 'latest'}"
        if period.since or period.until
        else "all receive dates"
    )
    updated = analysis.source.meta_last_updated
    freshness = f"; openFDA data last updated {updated.isoformat()}" if updated else ""
    return f"FAERS reports {window}{freshness}"


def _fallback_summary(analysis: CerAnalysis) -> str:
    totals = analysis.totals
    return (
        f"{totals.analysed:,} FAERS reports for {analysis.subject_label} were analysed, "
        f"{totals.serious:,} of them serious; {len(analysis.signals)} reactions met the "
        f"{analysis.preset.label} signal criteria."
    )


def _key_figures(analysis: CerAnalysis) -> tuple[KeyFigure, ...]:
    totals = analysis.totals
    serious_share = totals.serious / totals.analysed if totals.analysed else 0.0
    new = len(analysis.signal_changes.new)
    return (
        KeyFigure("reports analysed", f"{totals.analysed:,}"),
        KeyFigure("in the reporting interval", f"{totals.interval_analysed:,}"),
        KeyFigure(f"serious ({serious_share:.1%} of reports)", f"{totals.serious:,}", Tone.WARN),
        KeyFigure("distinct reactions", f"{totals.distinct_events:,}"),
        KeyFigure(
            f"signals ({_PRESET_SHORT[analysis.preset.preset]})",
            str(len(analysis.signals)),
            Tone.WARN if analysis.signals else Tone.GOOD,
        ),
        KeyFigure(
            "new since previous report",
            str(new) if analysis.signal_changes.has_previous else "–",
            Tone.WARN if new else Tone.NEUTRAL,
        ),
    )


def _notices(analysis: CerAnalysis, summary: tuple[str, ...]) -> tuple[str, ...]:
    """The analysis' notices, with the no-denominator warning stated once on page 1: in the
    summary when the narrative says it, in the notice box otherwise."""
    said = " ".join(summary)
    notices = [n for n in analysis.notices if n not in said]
    if NO_DENOMINATOR_NOTICE not in said and NO_DENOMINATOR_NOTICE not in notices:
        notices.insert(0, NO_DENOMINATOR_NOTICE)
    if analysis.totals.truncated:
        notices.append(
            f"Only the {analysis.totals.fetched:,} most recent of "
            f"{analysis.totals.matched_by_openfda:,} matching reports were downloaded; the "
            "descriptive tables cover those, disproportionality covers all of them."
        )
    return tuple(notices)


def _source_facts(analysis: CerAnalysis) -> tuple[tuple[str, str], ...]:
    source = analysis.source
    facts = [
        ("Endpoint", f"{source.base_url}{source.endpoint}"),
        (
            "openFDA last updated",
            source.meta_last_updated.isoformat() if source.meta_last_updated else "not stated",
        ),
        ("Retrieved", source.retrieved_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("Analysis", f"{analysis.method_version}, {analysis.generated_at:%Y-%m-%d %H:%M UTC}"),
    ]
    if source.license:
        facts.append(("Licence", source.license))
    if source.disclaimer:
        facts.append(("openFDA disclaimer", source.disclaimer))
    return tuple(facts)
