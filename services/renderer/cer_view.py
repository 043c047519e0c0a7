"""From a :class:`CerAnalysis` to what the drug-safety report prints, charts included.

The analyzer computes every number and writes the narrative; this module orders it into the
sections of a periodic safety report and draws the three charts (top events, quarterly trend,
signal forest plot). Every count is a number of reports and every share a share of reports:
FAERS has no exposure denominator, so nothing here is a rate.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from services.renderer.cer_tables import (
    DataFlowRow,
    EventTableRow,
    QueryView,
    SignalTableRow,
    category_rows,
    data_flow,
    event_rows,
    query_views,
    signal_rows,
)
from services.renderer.charts import (
    Bar,
    ForestRow,
    Series,
    forest_plot,
    horizontal_bar_chart,
    line_chart,
)
from services.renderer.fhir.cer import product_label
from services.renderer.views import DocumentInfo, KeyFigure, Tone
from shared.events.cer import NO_DENOMINATOR_NOTICE, CerAnalysis, SignalChanges, SignalPreset

_PRESET_SHORT = {SignalPreset.EVANS: "Evans", SignalPreset.EMA: "EMA", SignalPreset.IC025: "IC025"}

TOP_EVENTS_CHART = 15
TOP_EVENTS_TABLE = 30
FOREST_ROWS = 20

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


def build_cer_view(analysis: CerAnalysis) -> CerReportView:
    """Everything the CER template prints, worded, ordered and charted, from ``analysis``."""
    narrative = analysis.narrative
    rows = analysis.disproportionality
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
    svg = horizontal_bar_chart(bars, title="Most reported reactions", value_label="Reports")
    return Markup(svg)  # noqa: S704 - the chart escapes every label itself


def trend_chart(analysis: CerAnalysis) -> Markup | None:
    """Line chart of reports received per quarter, all and serious."""
    if not analysis.trend:
        return None
    quarters = [q.quarter for q in analysis.trend]
    svg = line_chart(
        quarters,
        [
            Series("All reports", tuple(float(q.reports) for q in analysis.trend)),
            Series("Serious reports", tuple(float(q.serious) for q in analysis.trend)),
        ],
        title="Reports received per quarter",
        y_label="Reports received",
    )
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
    )
    return Markup(svg)  # noqa: S704 - the chart escapes every label itself


def _document_info(analysis: CerAnalysis) -> DocumentInfo:
    product = analysis.product
    label = product_label(analysis)
    facts = [
        ("Product", label),
        ("NDC", _ndc_line(analysis)),
    ]
    if product.manufacturer_names:
        facts.append(("Labeler", ", ".join(product.manufacturer_names)))
    facts.append(("Signal criteria", f"{analysis.preset.label}: {analysis.preset.criteria}"))
    facts.append(("Method", analysis.method_version))
    return DocumentInfo(
        title="Drug safety report",
        subtitle=f"{label} · adverse event reports in FAERS",
        kind_label="Drug safety report (CER)",
        subject=f"FAERS adverse event reports, seriousness, trends and disproportionality "
        f"for {label} (NDC {analysis.request.ndc})",
        source_dates=_source_dates(analysis),
        facts=tuple(facts),
        keywords=("FAERS", "openFDA", "pharmacovigilance", "disproportionality", label),
    )


def _ndc_line(analysis: CerAnalysis) -> str:
    request = analysis.request
    products = ", ".join(request.product_ndcs)
    entered = f"{request.ndc_input} (entered)" if request.ndc_input != request.ndc else ""
    return " · ".join(p for p in (request.ndc, entered, f"product {products}") if p)


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
        f"{totals.analysed:,} FAERS reports naming {product_label(analysis)} were analysed, "
        f"{totals.serious:,} of them serious; {len(analysis.signals)} reactions met the "
        f"{analysis.preset.label} signal criteria."
    )


def _key_figures(analysis: CerAnalysis) -> tuple[KeyFigure, ...]:
    totals = analysis.totals
    serious_share = totals.serious / totals.analysed if totals.analysed else 0.0
    new = len(analysis.signal_changes.new)
    return (
        KeyFigure("reports analysed", f"{totals.analysed:,}"),
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
