"""The report's prose, written from the numbers by templates (no language model).

Every sentence states a count of reports or a statistic computed elsewhere; nothing here infers
causality or incidence. Wording follows periodic safety report conventions: "reports of", never
"patients who experienced".
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.events.cer import (
    NO_DENOMINATOR_NOTICE,
    CategoryCount,
    CerTotals,
    DisproportionalityRow,
    EventRow,
    FallbackQuery,
    Narrative,
    OpenFdaSource,
    PresetCriteria,
    ProductIdentification,
    QuarterCount,
    ReportingPeriod,
    SeriousnessSummary,
    SignalChanges,
)

TOP_EVENTS = 5


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (plural or word + 's')}"


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def _list(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def product_name(product: ProductIdentification) -> str:
    """The product as a reader knows it: brand (generic), or the NDC when openFDA named nothing."""
    brand = product.brand_names[0].title() if product.brand_names else None
    generic = product.generic_names[0].lower() if product.generic_names else None
    if brand and generic and brand.lower() != generic:
        return f"{brand} ({generic})"
    return brand or generic or f"NDC {product.ndc}"


def _window(period: ReportingPeriod) -> str:
    if period.since and period.until:
        return f"received by FDA between {period.since:%d %b %Y} and {period.until:%d %b %Y}"
    if period.since:
        return f"received by FDA since {period.since:%d %b %Y}"
    if period.until:
        return f"received by FDA up to {period.until:%d %b %Y}"
    return "in FAERS"


def executive_summary(
    product: ProductIdentification,
    period: ReportingPeriod,
    totals: CerTotals,
    events: Sequence[EventRow],
    signals: Sequence[DisproportionalityRow],
    preset: PresetCriteria,
    changes: SignalChanges,
) -> tuple[str, ...]:
    name = product_name(product)
    paragraphs = [
        f"openFDA lists {_plural(totals.matched_by_openfda, 'adverse event report')} "
        f"{_window(period)} naming {name} (product NDC {_list(product.product_ndcs)}). "
        f"{_plural(totals.analysed, 'report')} passed the NDC check and are analysed here; "
        f"{_plural(totals.serious, 'report')} ({_pct(totals.serious / totals.analysed) if totals.analysed else '0.0%'}) "  # noqa: E501
        "were serious."
    ]
    if events:
        top = [f"{e.pt.lower()} ({e.reports:,})" for e in events[:3]]
        paragraphs.append(f"The most reported reactions were {_list(top)}.")
    if signals:
        names = [row.pt.lower() for row in signals[:5]]
        more = f" and {len(signals) - 5} more" if len(signals) > 5 else ""
        paragraphs.append(
            f"{_plural(len(signals), 'reaction')} met the {preset.label} signal criteria "
            f"({preset.criteria}): {_list(names)}{more}."
        )
    else:
        paragraphs.append(
            f"No reaction met the {preset.label} signal criteria ({preset.criteria})."
        )
    if changes.has_previous and changes.changed:
        paragraphs.append(
            f"Compared with the previous report, {_plural(len(changes.new), 'signal')} "
            f"appeared and {_plural(len(changes.disappeared), 'signal')} disappeared."
        )
    paragraphs.append(
        "A signal is a statistical association in spontaneous reports, not evidence that the "
        "product causes the reaction. " + NO_DENOMINATOR_NOTICE
    )
    return tuple(paragraphs)


def methods(
    source: OpenFdaSource, totals: CerTotals, preset: PresetCriteria, fallback: FallbackQuery | None
) -> tuple[str, ...]:
    updated = f"{source.meta_last_updated:%d %b %Y}" if source.meta_last_updated else "unknown"
    paragraphs = [
        f"Reports were retrieved from the openFDA drug adverse event endpoint ({source.base_url}"
        f"{source.endpoint}, data last updated {updated}) with an exact match on the harmonised "
        "product NDC. Each returned report was checked to list the NDC on one of its drug entries; "
        f"{_plural(totals.dropped_ndc_mismatch, 'report')} that did not were dropped, and "
        f"{_plural(totals.missing_openfda, 'report')} without openFDA's harmonised drug block "
        "could not be checked and were dropped too.",
        "Reactions are MedDRA preferred terms as reported; case, punctuation and "
        "British/American spelling variants were folded into one term. Each count is a number "
        "of reports, and a report listing several reactions counts once for each.",
        "Disproportionality compares how often each reaction is reported with this product and "
        "with every other product, from openFDA count queries over the same date window: the "
        "proportional reporting ratio (PRR) and reporting odds ratio (ROR) with 95% confidence "
        "intervals, Pearson's χ² with Yates' correction and the information component (IC) with "
        "its 95% credibility interval. When a cell of a 2×2 table is zero, 0.5 is added to each "
        f"cell before the PRR and ROR (Haldane correction). Signals: {preset.label}, "
        f"{preset.criteria}.",
    ]
    if totals.truncated:
        paragraphs.append(
            f"Descriptive tables use the {totals.fetched:,} most recently received of "
            f"{totals.matched_by_openfda:,} matching reports (download cap {totals.fetch_cap:,}); "
            "disproportionality uses counts over all matching reports."
        )
    if fallback is not None:
        paragraphs.append(f"{fallback.reason} Fallback query: {fallback.search}.")
    return tuple(paragraphs)


def top_events_text(events: Sequence[EventRow], analysed: int) -> tuple[str, ...]:
    if not events:
        return ("The analysed reports list no reactions.",)
    lines = [
        f"{e.pt}: {_plural(e.reports, 'report')} ({_pct(e.share)} of reports), "
        f"{e.serious_reports:,} serious"
        + (f", {e.fatal_outcome_reports:,} with a fatal outcome" if e.fatal_outcome_reports else "")
        + "."
        for e in events[:TOP_EVENTS]
    ]
    intro = (
        f"{_plural(len(events), 'distinct reaction')} were reported across "
        f"{_plural(analysed, 'report')}. The {min(TOP_EVENTS, len(events))} most frequent:"
    )
    return (intro, *lines)


def serious_outcomes_text(summary: SeriousnessSummary, analysed: int) -> tuple[str, ...]:
    paragraphs = [
        f"{_plural(summary.serious, 'report')} were serious, {summary.non_serious:,} non-serious"
        + (f" and {summary.not_stated:,} did not say." if summary.not_stated else ".")
    ]
    met = [c for c in summary.criteria if c.reports]
    if met:
        parts = [f"{c.label.lower()} {c.reports:,}" for c in met]
        paragraphs.append(
            "Seriousness criteria (a report may meet several): " + "; ".join(parts) + "."
        )
    deaths = next((c for c in summary.criteria if c.category == "death"), None)
    if deaths and deaths.reports:
        paragraphs.append(
            f"{_plural(deaths.reports, 'report')} ({_pct(deaths.share)} of reports) recorded a "
            "death; a death reported with a product is not necessarily caused by it."
        )
    return tuple(paragraphs)


def trend_text(trend: Sequence[QuarterCount]) -> tuple[str, ...]:
    if not trend:
        return ("No analysed report carries a receive date.",)
    peak = max(trend, key=lambda q: (q.reports, q.quarter))
    return (
        f"Reports span {trend[0].quarter} to {trend[-1].quarter} by date of FDA receipt; the "
        f"busiest quarter was {peak.quarter} with {_plural(peak.reports, 'report')}. Reporting "
        "volume reflects publicity, regulatory action and reporting practice as much as use.",
    )


def signals_text(rows: Sequence[DisproportionalityRow], preset: PresetCriteria) -> tuple[str, ...]:
    signals = [r for r in rows if r.signal]
    if not rows:
        return ("No reaction had a complete 2×2 table.",)
    if not signals:
        return (f"None of {_plural(len(rows), 'reaction')} met the criteria ({preset.criteria}).",)
    lines = [
        f"{r.pt}: {r.table.a:,} reports, PRR {r.prr.value:.2f} "
        f"(95% CI {r.prr.lower:.2f}–{r.prr.upper:.2f}), ROR {r.ror.value:.2f} "
        f"({r.ror.lower:.2f}–{r.ror.upper:.2f}), χ² {r.chi_square_yates:.1f}, "
        f"IC025 {r.ic.ic025:.2f}."
        for r in signals
    ]
    return (f"{_plural(len(signals), 'reaction')} of {len(rows):,} met the criteria:", *lines)


def new_signals_text(changes: SignalChanges) -> tuple[str, ...]:
    if not changes.has_previous:
        return (
            "This is the first report for this product and preset: there is nothing to "
            "compare with.",
        )
    when = (
        f" (data of {changes.previous_last_updated:%d %b %Y})"
        if changes.previous_last_updated
        else ""
    )
    if not changes.changed:
        return (f"The signals are the same as in the previous report{when}.",)
    paragraphs = []
    if changes.new:
        paragraphs.append(f"New since the previous report{when}: {_list(changes.new)}.")
    if changes.disappeared:
        paragraphs.append(f"No longer meeting the criteria: {_list(changes.disappeared)}.")
    return tuple(paragraphs)


def limitations(totals: CerTotals, age_unknown: CategoryCount | None) -> tuple[str, ...]:
    paragraphs = [
        "FAERS is a spontaneous reporting system: reports are voluntary and unverified, and a "
        "report does not establish that the product caused the reaction.",
        "Under-reporting is substantial and varies with seriousness, novelty, publicity and "
        "time on the market, so counts cannot be compared across products as frequencies.",
        "The same case may be reported more than once (by the patient, a clinician and the "
        "manufacturer); openFDA does not remove every duplicate.",
        NO_DENOMINATOR_NOTICE,
        "Disproportionality measures reporting, not risk: a signal is a hypothesis for "
        "clinical review, and its absence does not show safety.",
    ]
    if totals.missing_openfda or totals.dropped_ndc_mismatch:
        paragraphs.append(
            "Matching by NDC relies on openFDA's harmonisation; reports whose drug entries "
            "could not be harmonised are missed (see the fallback query in the appendix)."
        )
    if age_unknown and age_unknown.share > 0.3:
        paragraphs.append(
            f"Age is missing in {_pct(age_unknown.share)} of reports; the age breakdown is partial."
        )
    return tuple(paragraphs)


def build_narrative(
    *,
    product: ProductIdentification,
    source: OpenFdaSource,
    period: ReportingPeriod,
    totals: CerTotals,
    events: Sequence[EventRow],
    seriousness: SeriousnessSummary,
    trend: Sequence[QuarterCount],
    rows: Sequence[DisproportionalityRow],
    preset: PresetCriteria,
    changes: SignalChanges,
    age_groups: Sequence[CategoryCount],
    fallback: FallbackQuery | None,
) -> Narrative:
    """Every narrative section of the report, from the computed tables."""
    signals = [r for r in rows if r.signal]
    age_unknown = next((g for g in age_groups if g.category == "unknown"), None)
    return Narrative(
        executive_summary=executive_summary(
            product, period, totals, events, signals, preset, changes
        ),
        methods=methods(source, totals, preset, fallback),
        top_events=top_events_text(events, totals.analysed),
        serious_outcomes=serious_outcomes_text(seriousness, totals.analysed),
        trends=trend_text(trend),
        signals=signals_text(rows, preset),
        new_signals=new_signals_text(changes),
        limitations=limitations(totals, age_unknown),
    )
