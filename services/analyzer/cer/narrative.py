"""The report's prose, written from the numbers by templates (no language model).

Every sentence states a count of reports or a statistic computed elsewhere; nothing here infers
causality or incidence. Wording follows periodic safety report conventions: "reports of", never
"patients who experienced". Ties are named: when the third most reported reaction shares its
count with others, they are all named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.analyzer.surveillance.wording import join_words as _list
from services.analyzer.surveillance.wording import plural as _plural
from shared.events.cer import (
    NO_DENOMINATOR_NOTICE,
    Z_95,
    CategoryCount,
    CerRequest,
    CerTotals,
    DisproportionalityRow,
    DrugScope,
    EbgmPrior,
    EventRow,
    FallbackQuery,
    Narrative,
    OpenFdaSource,
    PowerAssessment,
    PresetCriteria,
    ProductIdentification,
    QuarterCount,
    ReportingPeriod,
    SeriousnessSummary,
    SignalChanges,
    TrendSummary,
)
from shared.events.faers_case import ROLE_LABELS

TOP_EVENTS = 5
SUMMARY_EVENTS = 3


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def product_name(product: ProductIdentification) -> str:
    """The product as openFDA names the matched entries: brand (generic), or the generic."""
    brand = product.brand_names[0].title() if product.brand_names else None
    generic = product.generic_names[0].lower() if product.generic_names else None
    if brand and generic and brand.lower() != generic:
        return f"{brand} ({generic})"
    return brand or generic or (f"NDC {product.ndc}" if product.ndc else product.searched)


def subject(request: CerRequest) -> str:
    """What was searched, as the report names it: the scope, never the first brand."""
    match request.scope:
        case DrugScope.NDC:
            return f"product NDC {_list(list(request.product_ndcs))}"
        case DrugScope.INGREDIENT:
            return f"the active ingredient {request.searched.lower()} (every product and labeler)"
        case DrugScope.BRAND:
            return f"the brand {request.searched.title()} (every labeler)"


def roles_text(roles: Sequence[object]) -> str:
    labels = [ROLE_LABELS[r] for r in ROLE_LABELS if r in roles]
    return _list(labels)


def _window(period: ReportingPeriod) -> str:
    if period.since and period.until:
        return f"received by FDA between {period.since:%d %b %Y} and {period.until:%d %b %Y}"
    if period.since:
        return f"received by FDA since {period.since:%d %b %Y}"
    if period.until:
        return f"received by FDA up to {period.until:%d %b %Y}"
    return "in FAERS"


def top_with_ties(events: Sequence[EventRow], count: int) -> tuple[list[EventRow], list[EventRow]]:
    """The first ``count`` rows, and the rows after them tied with the last one's count."""
    shown = list(events[:count])
    if not shown:
        return [], []
    cut = shown[-1].reports
    tied = [e for e in events[count:] if e.reports == cut]
    return shown, tied


def _named(events: Sequence[EventRow]) -> list[str]:
    return [f"{e.pt.lower()} ({e.reports:,})" for e in events]


@dataclass(frozen=True)
class ReportFacts:
    """Everything the narrative reads."""

    request: CerRequest
    product: ProductIdentification
    source: OpenFdaSource
    period: ReportingPeriod
    totals: CerTotals
    events: Sequence[EventRow]
    seriousness: SeriousnessSummary
    trend: Sequence[QuarterCount]
    rows: Sequence[DisproportionalityRow]
    preset: PresetCriteria
    changes: SignalChanges
    age_groups: Sequence[CategoryCount]
    fallback: FallbackQuery | None
    ebgm_prior: EbgmPrior | None
    power: PowerAssessment
    trends: TrendSummary

    @property
    def signals(self) -> list[DisproportionalityRow]:
        return [r for r in self.rows if r.signal]


def executive_summary(facts: ReportFacts) -> tuple[str, ...]:
    totals, period = facts.totals, facts.period
    roles = roles_text(totals.roles)
    paragraphs = [
        f"openFDA lists {_plural(totals.matched_by_openfda, 'adverse event report')} "
        f"{_window(period)} for {subject(facts.request)}. "
        f"{_plural(totals.verified, 'report')} passed the check that a drug entry really is the "
        f"product; {_plural(totals.analysed, 'report')} name it as {roles} and are analysed here, "
        f"{_plural(totals.serious, 'report')} "
        f"({_pct(totals.serious / totals.analysed) if totals.analysed else '0.0%'}) serious."
    ]
    if period.interval_start and period.data_lock_point:
        paragraphs.append(
            f"In the reporting interval ({period.interval_start:%d %b %Y} to the data-lock point "
            f"{period.data_lock_point:%d %b %Y}) FDA received "
            f"{_plural(totals.interval_analysed, 'report')}, {totals.interval_serious:,} serious."
        )
    shown, tied = top_with_ties(facts.events, SUMMARY_EVENTS)
    if shown:
        sentence = f"The most reported reactions were {_list(_named(shown))}"
        if tied:
            sentence += f" (tied with {_list(_named(tied))})"
        paragraphs.append(sentence + ".")
    signals = facts.signals
    preset = facts.preset
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
    changes = facts.changes
    if changes.has_previous and changes.changed:
        paragraphs.append(
            f"Compared with the previous report, {_plural(len(changes.new), 'signal')} "
            f"appeared and {_plural(len(changes.disappeared), 'signal')} closed."
        )
    interval_alerts = [a for a in facts.trends.alerts if a.in_interval]
    if interval_alerts:
        names = [f"{a.term.lower()} ({a.month}, {a.reports} reports)" for a in interval_alerts[:3]]
        paragraphs.append(
            f"{_plural(len(interval_alerts), 'monthly trend alert')} in the interval: "
            f"{_list(names)}."
        )
    if facts.power.warnings:
        paragraphs.append(
            "The statistics have little power here: " + " ".join(facts.power.warnings)
        )
    paragraphs.append(
        "A signal is a statistical association in spontaneous reports, not evidence that the "
        "product causes the reaction. " + NO_DENOMINATOR_NOTICE
    )
    return tuple(paragraphs)


def _search_text(request: CerRequest) -> str:
    match request.scope:
        case DrugScope.NDC:
            return "an exact match on the harmonised product NDC (openfda.product_ndc)"
        case DrugScope.INGREDIENT:
            return (
                "an exact match on the harmonised active ingredient (openfda.substance_name or "
                "generic_name), which covers every product and labeler, combinations included"
            )
        case DrugScope.BRAND:
            return "an exact match on the harmonised brand name (openfda.brand_name)"


def methods(facts: ReportFacts) -> tuple[str, ...]:
    source, totals, preset = facts.source, facts.totals, facts.preset
    updated = f"{source.meta_last_updated:%d %b %Y}" if source.meta_last_updated else "unknown"
    paragraphs = [
        f"Reports were retrieved from the openFDA drug adverse event endpoint ({source.base_url}"
        f"{source.endpoint}, data last updated {updated}) with {_search_text(facts.request)}. "
        "Each returned report was checked to carry the product on one of its drug entries; "
        f"{_plural(totals.dropped_ndc_mismatch, 'report')} that did not were dropped, and "
        f"{_plural(totals.missing_openfda, 'report')} without openFDA's harmonised drug block "
        "could not be checked and were dropped too.",
        f"Only reports naming the product as {roles_text(totals.roles)} enter the tables and "
        f"statistics ({totals.analysed:,} of {totals.verified:,} verified reports); the others "
        "are counted in the data flow.",
        "Reactions are MedDRA preferred terms as reported; case, punctuation and "
        "British/American spelling variants were folded into one term. Each count is a number "
        "of reports, and a report listing several reactions counts once for each.",
        "Disproportionality compares how often each reaction is reported with this product and "
        "with every other product, over the same date window: the proportional reporting ratio "
        "(PRR) and reporting odds ratio (ROR) with 95% confidence intervals "
        f"(z = {Z_95:.6f}), Pearson's χ² with Yates' correction, the information component (IC) "
        "with its 95% credibility interval, and the empirical Bayes geometric mean (EBGM) of "
        "DuMouchel's gamma-Poisson shrinker with its 90% credibility interval (EB05–EB95). When a "
        "cell of a 2×2 table is zero, 0.5 is added to each cell before the PRR and ROR (Haldane "
        f"correction). Signals: {preset.label}, {preset.criteria}.",
    ]
    source_text = {
        "cases": "counted from the verified reports with a selected role (all were downloaded)",
        "count_queries": "taken from openFDA's count queries",
        "estimated": (
            "estimated: openFDA's count queries (every role) scaled by the share of the "
            "downloaded reports naming the product in a selected role"
        ),
    }[totals.product_counts]
    paragraphs.append(f"The product's reports per reaction (a, and a + b) were {source_text}.")
    prior = facts.ebgm_prior
    if prior is not None:
        where = (
            "the reaction counts of the database's most reported products"
            if prior.fitted_on == "background"
            else "this product's own reaction counts"
        )
        paragraphs.append(
            f"The EBGM prior (a mixture of two gamma distributions) was fitted by maximum "
            f"likelihood on {prior.cells:,} (product, reaction) counts from {where}: "
            f"α₁ = {prior.alpha1:.4g}, β₁ = {prior.beta1:.4g}, α₂ = {prior.alpha2:.4g}, "
            f"β₂ = {prior.beta2:.4g}, P = {prior.p:.4g}."
        )
    if facts.trends.terms_charted:
        paragraphs.append(
            f"Trend alerts: {facts.trends.method} {_plural(facts.trends.terms_charted, 'reaction')}"
            f" were charted over {facts.trends.months} months ({facts.trends.first_month} to "
            f"{facts.trends.last_month})."
        )
    if totals.truncated:
        paragraphs.append(
            f"Descriptive tables use the {totals.fetched:,} most recently received of "
            f"{totals.matched_by_openfda:,} matching reports (download cap {totals.fetch_cap:,}); "
            "the database totals of the 2×2 tables cover all reports."
        )
    if facts.fallback is not None:
        paragraphs.append(f"{facts.fallback.reason} Fallback query: {facts.fallback.search}.")
    return tuple(paragraphs)


def top_events_text(events: Sequence[EventRow], analysed: int) -> tuple[str, ...]:
    if not events:
        return ("The analysed reports list no reactions.",)
    shown, tied = top_with_ties(events, TOP_EVENTS)
    lines = [
        f"{e.pt}: {_plural(e.reports, 'report')} ({_pct(e.share)} of reports), "
        f"{e.serious_reports:,} serious"
        + (f", {e.fatal_outcome_reports:,} with a fatal outcome" if e.fatal_outcome_reports else "")
        + "."
        for e in [*shown, *tied]
    ]
    intro = (
        f"{_plural(len(events), 'distinct reaction')} were reported across "
        f"{_plural(analysed, 'report')}. The {len(shown)} most frequent"
        + (f", and {len(tied)} tied with the last of them" if tied else "")
        + ":"
    )
    return (intro, *lines)


def serious_outcomes_text(summary: SeriousnessSummary) -> tuple[str, ...]:
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


def trend_text(trend: Sequence[QuarterCount], trends: TrendSummary) -> tuple[str, ...]:
    if not trend:
        return ("No analysed report carries a receive date.",)
    busiest = max(q.reports for q in trend)
    peaks = [q.quarter for q in trend if q.reports == busiest]
    if len(trend) == 1:
        text = f"All reports with a receive date arrived in {trend[0].quarter}."
    elif len(peaks) == 1:
        text = (
            f"Reports span {trend[0].quarter} to {trend[-1].quarter} by date of FDA receipt; the "
            f"busiest quarter was {peaks[0]} with {_plural(busiest, 'report')}."
        )
    else:
        text = (
            f"Reports span {trend[0].quarter} to {trend[-1].quarter} by date of FDA receipt; the "
            f"busiest quarters were {_list(peaks)}, with {_plural(busiest, 'report')} each."
        )
    paragraphs = [
        text + " Reporting volume reflects publicity, regulatory action and reporting practice "
        "as much as use."
    ]
    if trends.terms_charted:
        interval = [a for a in trends.alerts if a.in_interval]
        earlier = len(trends.alerts) - len(interval)
        if trends.alerts:
            paragraphs.append(
                f"The monthly control chart flagged {_plural(len(interval), 'month')} in the "
                f"reporting interval and {_plural(earlier, 'earlier month')} (of "
                f"{_plural(trends.terms_charted, 'reaction')} charted)."
            )
        else:
            paragraphs.append(
                f"The monthly control chart flagged no month for any of the "
                f"{_plural(trends.terms_charted, 'reaction')} charted."
            )
    else:
        paragraphs.append(
            "No reaction had enough reports (3 or more) over enough months for the monthly "
            "trend chart."
        )
    return tuple(paragraphs)


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
        f"IC025 {r.ic.ic025:.2f}"
        + (f", EBGM {r.ebgm.ebgm:.2f} (EB05 {r.ebgm.eb05:.2f})" if r.ebgm else "")
        + "."
        for r in signals
    ]
    return (f"{_plural(len(signals), 'reaction')} of {len(rows):,} met the criteria:", *lines)


def new_signals_text(changes: SignalChanges) -> tuple[str, ...]:
    if not changes.has_previous:
        return (
            "This is the first report for this subject, roles and preset: there is nothing to "
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
        paragraphs.append(f"Closed (no longer meeting the criteria): {_list(changes.disappeared)}.")
    return tuple(paragraphs)


def limitations(facts: ReportFacts) -> tuple[str, ...]:
    totals = facts.totals
    age_unknown = next((g for g in facts.age_groups if g.category == "unknown"), None)
    paragraphs = [
        "FAERS is a spontaneous reporting system: reports are voluntary and unverified, and a "
        "report does not establish that the product caused the reaction.",
        "Under-reporting is substantial and varies with seriousness, novelty, publicity and "
        "time on the market, so counts cannot be compared across products as frequencies.",
        "The same case may be reported more than once (by the patient, a clinician and the "
        "manufacturer); openFDA does not remove every duplicate"
        + (
            f", and {_plural(totals.duplicate_suspects, 'analysed report')} are flagged as "
            "possible duplicates in the case listing."
            if totals.duplicate_suspects
            else "."
        ),
        NO_DENOMINATOR_NOTICE,
        "Disproportionality measures reporting, not risk: a signal is a hypothesis for "
        "clinical review, and its absence does not show safety.",
        *facts.power.warnings,
    ]
    if totals.missing_openfda or totals.dropped_ndc_mismatch:
        paragraphs.append(
            "Matching relies on openFDA's harmonisation; reports whose drug entries could not be "
            "harmonised are missed (see the fallback query in the appendix)."
        )
    if age_unknown and age_unknown.share > 0.3:
        paragraphs.append(
            f"Age is missing in {_pct(age_unknown.share)} of reports; the age breakdown is partial."
        )
    return tuple(paragraphs)


def build_narrative(facts: ReportFacts) -> Narrative:
    """Every narrative section of the report, from the computed tables."""
    return Narrative(
        executive_summary=executive_summary(facts),
        methods=methods(facts),
        top_events=top_events_text(facts.events, facts.totals.analysed),
        serious_outcomes=serious_outcomes_text(facts.seriousness),
        trends=trend_text(facts.trend, facts.trends),
        signals=signals_text(facts.rows, facts.preset),
        new_signals=new_signals_text(facts.changes),
        limitations=limitations(facts),
    )


def nil_narrative(facts: ReportFacts) -> Narrative:
    """The narrative of a nil report: nothing matched the scope and roles in the window."""
    totals = facts.totals
    what = subject(facts.request)
    roles = roles_text(totals.roles)
    if totals.verified:
        found = (
            f"{_plural(totals.verified, 'report')} name the product, none of them as {roles}: "
            "there is nothing to analyse for the roles selected."
        )
    else:
        found = (
            f"openFDA holds no adverse event report for {what} {_window(facts.period)} "
            f"({totals.matched_by_openfda:,} matched the search, "
            f"{totals.dropped_ndc_mismatch:,} did not carry the product, "
            f"{totals.missing_openfda:,} had no harmonised drug block)."
        )
    summary = [
        "Nil report. " + found,
        f"FAERS held {totals.database_reports:,} reports of every product in the same window.",
    ]
    if facts.fallback is not None and facts.fallback.total:
        summary.append(
            f"A search on the reported product name finds {facts.fallback.total:,} reports "
            f"({facts.fallback.search}); they may include reports openFDA could not harmonise, "
            "and reports of other products of the same name."
        )
    summary.append(
        "The absence of reports does not show that the product is safe: under-reporting is "
        "substantial. " + NO_DENOMINATOR_NOTICE
    )
    return Narrative(
        executive_summary=tuple(summary),
        methods=methods(facts),
        top_events=("No report to tabulate.",),
        serious_outcomes=(),
        trends=(),
        signals=("No reaction to test: there are no reports.",),
        new_signals=new_signals_text(facts.changes),
        limitations=limitations(facts),
    )
