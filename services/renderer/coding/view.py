"""From a :class:`CodingAnalysis` to what the coding report prints.

The analysis is de-identified already (codes, surrogate ids, shifted dates, snippets with PHI
replaced); this module only words and orders it: the summary a coder or CFO can act on, the
key figures, and per encounter the tables of billed-versus-documented and of suggested and
excluded codes with their evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.renderer.coding.risk import RiskView, build_risk_view, money
from services.renderer.coding.tables import (
    EncounterView,
    SecondOpinionView,
    encounter_view,
    second_opinion_view,
)
from services.renderer.views import DocumentInfo, KeyFigure, MethodNote, Tone
from shared.events.coding import (
    Assertion,
    CodeSuggestion,
    CodingAnalysis,
    ReviewBasis,
    Verdict,
)

_SUMMARY_LIST_LIMIT = 3


@dataclass(frozen=True)
class CodingCounts:
    """Totals over all encounters, as the summary and key figures state them."""

    encounters: int
    suggested: int
    billed: int
    supported: int
    matched: int
    documented_not_billed: int
    billed_not_documented: int
    upgrades: int
    excluded: int


@dataclass(frozen=True)
class CodingReportView:
    document: DocumentInfo
    summary: str
    counts: CodingCounts
    key_figures: tuple[KeyFigure, ...]
    notices: tuple[str, ...]
    encounters: tuple[EncounterView, ...]
    risk: RiskView | None
    documentation_review: bool
    """True when nothing in the Bundle was billed: no claim to compare the notes with."""
    second_opinion: SecondOpinionView | None
    methods: tuple[MethodNote, ...]
    limitations: tuple[str, ...]


def build_coding_view(analysis: CodingAnalysis) -> CodingReportView:
    """Everything the coding template prints, worded and ordered, from ``analysis``."""
    counts = count_findings(analysis)
    risk = analysis.risk_adjustment
    opinion = analysis.second_opinion
    return CodingReportView(
        document=_document_info(analysis),
        summary=coding_summary(analysis, counts),
        counts=counts,
        key_figures=_key_figures(analysis, counts),
        notices=analysis.notices,
        encounters=tuple(encounter_view(e, analysis.data_collection) for e in analysis.encounters),
        risk=build_risk_view(risk, analysis.data_collection) if risk else None,
        documentation_review=not _billed_anything(analysis),
        second_opinion=second_opinion_view(opinion) if opinion else None,
        methods=_methods(analysis),
        limitations=_LIMITATIONS + ((_MONEY_LIMITATION,) if risk else ()),
    )


def count_findings(analysis: CodingAnalysis) -> CodingCounts:
    """How many codes of each finding the analysis holds, over all its encounters."""
    encounters = analysis.encounters
    return CodingCounts(
        encounters=len(encounters),
        suggested=sum(len(_reportable(e.suggestions)) for e in encounters),
        billed=sum(
            1
            for e in encounters
            for v in e.comparison.verdicts
            if v.verdict is not Verdict.NOT_COMPARABLE
        ),
        supported=sum(
            1 for e in encounters for v in e.comparison.verdicts if v.verdict is Verdict.SUPPORTED
        ),
        matched=sum(len(e.comparison.matched) for e in encounters),
        documented_not_billed=sum(len(e.comparison.documented_not_billed) for e in encounters),
        billed_not_documented=sum(len(e.comparison.billed_not_documented) for e in encounters),
        upgrades=sum(len(e.comparison.specificity_upgrades) for e in encounters),
        excluded=sum(len(e.excluded) for e in encounters),
    )


def coding_summary(analysis: CodingAnalysis, counts: CodingCounts | None = None) -> str:
    """One paragraph: what the notes support, where the claim differs, and what to do next."""
    counts = counts or count_findings(analysis)
    if counts.encounters == 0:
        return (
            "The record holds no encounter with clinical notes, so no code could be checked "
            "against the documentation. Send the encounter's notes with the claim to get a review."
        )
    if not _billed_anything(analysis):
        return _documentation_summary(analysis, counts)
    sentences = [
        f"The {_documentation_source(analysis)} of {_plural(counts.encounters, 'encounter')} "
        f"({_encounter_span(analysis)}) support "
        f"{_plural(counts.suggested, 'reportable ICD-10-CM code')}; "
        f"{counts.supported} of {_plural(counts.billed, 'billed diagnosis code')} "
        f"{'is' if counts.supported == 1 else 'are'} supported."
    ]
    not_billed = [s for e in analysis.encounters for s in e.comparison.documented_not_billed]
    unsupported = [f for e in analysis.encounters for f in e.comparison.billed_not_documented]
    upgrades = [u for e in analysis.encounters for u in e.comparison.specificity_upgrades]
    if not_billed:
        sentences.append(
            f"{_plural(len(not_billed), 'documented code')} "
            f"{'is' if len(not_billed) == 1 else 'are'} not on the claim: "
            f"{_code_list((s.code, s.description) for s in not_billed)}."
        )
    if unsupported:
        sentences.append(
            f"{_plural(len(unsupported), 'billed code')} "
            f"{'has' if len(unsupported) == 1 else 'have'} no support in the "
            f"{_documentation_source(analysis)}: "
            f"{_code_list((f.code, f.description) for f in unsupported)}."
        )
    if upgrades:
        pairs = ", ".join(f"{u.billed_code} → {u.suggested.code}" for u in upgrades[:3])
        sentences.append(
            f"{_plural(len(upgrades), 'billed code')} can be coded more specifically ({pairs})."
        )
    risk = analysis.risk_adjustment
    outside = _nothing_counted(analysis, "no code counts")
    if outside:
        sentences.append(outside)
    elif risk is not None:
        currency = risk.inputs.currency
        sentences.append(
            f"Correcting the claim would move the estimated payment RAF from "
            f"{risk.before.payment_score:.3f} to {risk.after.payment_score:.3f}: an estimated "
            f"{money(risk.revenue_gained, currency)} per year gained, "
            f"{money(risk.revenue_at_risk, currency)} at risk, net "
            f"{money(risk.annual_revenue_delta, currency, signed=True)} (estimates)."
        )
    sentences.append(_next_step(len(not_billed), len(unsupported), len(upgrades)))
    return " ".join(sentences)


def _documentation_summary(analysis: CodingAnalysis, counts: CodingCounts) -> str:
    documented = [s for e in analysis.encounters for s in _reportable(e.suggestions)]
    sentences = [
        "Nothing was billed to compare: the Bundle holds no claim, so this is a documentation "
        "review.",
        f"The notes of {_plural(counts.encounters, 'encounter')} ({_encounter_span(analysis)}) "
        f"document {_plural(counts.suggested, 'reportable ICD-10-CM code')}"
        + (
            f": {_code_list(dict.fromkeys((s.code, s.description) for s in documented))}."
            if documented
            else "."
        ),
    ]
    risk = analysis.risk_adjustment
    outside = _nothing_counted(analysis, "none of these codes counts")
    if outside:
        sentences.append(outside)
    elif risk is not None:
        hccs = ", ".join(risk.added_hccs)
        sentences.append(
            f"They capture {hccs}, worth an estimated "
            f"{money(risk.revenue_gained, risk.inputs.currency)} per year (estimate)."
            if hccs
            else "None of them maps to a payment HCC."
        )
    sentences.append(
        "Next: confirm the documented codes against the evidence quoted below before they are "
        "billed."
        if documented
        else "No code is documented that could be billed."
    )
    return " ".join(sentences)


def _nothing_counted(analysis: CodingAnalysis, what: str) -> str | None:
    """The sentence saying no encounter falls in the data-collection year, when none does."""
    window = analysis.data_collection
    if window is None or window.counted:
        return None
    return (
        f"No encounter is dated in {window.data_collection_year}, the data-collection year of "
        f"payment year {window.payment_year}, so {what} toward its risk score."
    )


def _billed_anything(analysis: CodingAnalysis) -> bool:
    return any(e.comparison.has_claim for e in analysis.encounters)


def _documentation_source(analysis: CodingAnalysis) -> str:
    bases = {e.comparison.basis for e in analysis.encounters if e.comparison.has_claim}
    bases.discard(ReviewBasis.NONE)
    if bases == {ReviewBasis.PROBLEM_LIST}:
        return "recorded diagnoses"
    if ReviewBasis.PROBLEM_LIST in bases:
        return "notes and recorded diagnoses"
    return "notes"


def _next_step(not_billed: int, unsupported: int, upgrades: int) -> str:
    actions = []
    if not_billed or upgrades:
        actions.append(
            "confirm the documented codes against the evidence quoted below and amend the claim "
            "where the provider agrees"
        )
    if unsupported:
        actions.append(
            "query the provider about the unsupported billed codes, or remove them, before "
            "the claim is submitted"
        )
    if not actions:
        return "No action is needed: the claim and the documentation agree."
    return "Next: " + " and ".join(actions) + "."


def _reportable(suggestions: Iterable[CodeSuggestion]) -> list[CodeSuggestion]:
    return [s for s in suggestions if s.assertion is Assertion.PRESENT and s.billable]


def _key_figures(analysis: CodingAnalysis, counts: CodingCounts) -> tuple[KeyFigure, ...]:
    risk = analysis.risk_adjustment
    if not _billed_anything(analysis):
        figures = (
            KeyFigure("codes documented", str(counts.suggested)),
            KeyFigure("encounters reviewed", str(counts.encounters)),
            KeyFigure("claims to compare", "none", Tone.NEUTRAL),
        )
        if risk is None:
            return figures
        return (
            *figures,
            KeyFigure("HCCs captured", str(len(risk.added_hccs))),
            KeyFigure(
                "value of the documented HCCs per year (estimate)",
                money(risk.revenue_gained, risk.inputs.currency),
                Tone.ESTIMATE,
            ),
        )
    counted = (
        KeyFigure(
            "billed codes supported",
            f"{counts.supported} of {counts.billed}",
            Tone.GOOD if counts.supported == counts.billed else Tone.WARN,
        ),
        KeyFigure(
            "documented, not billed",
            str(counts.documented_not_billed),
            Tone.WARN if counts.documented_not_billed else Tone.GOOD,
        ),
        KeyFigure(
            "billed, not documented",
            str(counts.billed_not_documented),
            Tone.WARN if counts.billed_not_documented else Tone.GOOD,
        ),
    )
    if risk is None:
        return (
            KeyFigure("codes supported by the notes", str(counts.suggested)),
            *counted,
            KeyFigure("more specific code available", str(counts.upgrades)),
        )
    currency = risk.inputs.currency
    return (
        *counted,
        KeyFigure(
            "revenue gained per year (estimate)",
            money(risk.revenue_gained, currency, signed=True),
            Tone.ESTIMATE,
        ),
        KeyFigure(
            "revenue at risk per year (estimate)",
            money(-risk.revenue_at_risk, currency, signed=True),
            Tone.ESTIMATE,
        ),
        KeyFigure(
            "net per year (estimate)",
            money(risk.annual_revenue_delta, currency, signed=True),
            Tone.ESTIMATE,
        ),
    )


def _document_info(analysis: CodingAnalysis) -> DocumentInfo:
    demographics = analysis.demographics
    patient = []
    if demographics.age_years is not None:
        age = "90 or older" if demographics.age_years >= 90 else f"{demographics.age_years}"
        patient.append(f"age {age}")
    if demographics.sex.value != "unknown":
        patient.append(demographics.sex.value)
    if demographics.medicaid:
        patient.append("Medicaid")
    facts = [("Code set", analysis.code_set)]
    if patient:
        facts.append(("Patient (de-identified)", ", ".join(patient)))
    facts.append(("De-identification", f"{analysis.phi.method} · policy {analysis.phi.policy}"))
    return DocumentInfo(
        title="Clinical coding review",
        subtitle="ICD-10-CM codes documented in the notes, compared with the codes billed",
        kind_label="Coding report",
        subject="ICD-10-CM codes inferred from de-identified clinical notes, compared with "
        "the billed claim",
        source_dates=_source_dates(analysis),
        facts=tuple(facts),
        keywords=("ICD-10-CM", "clinical coding", "billed versus documented", "clinrelay"),
    )


def _source_dates(analysis: CodingAnalysis) -> str:
    dates = sorted(e.period_start[:10] for e in analysis.encounters if e.period_start)
    encounters = _plural(len(analysis.encounters), "encounter")
    years = sorted({e.service_year for e in analysis.encounters if e.service_year is not None})
    if not dates and years:
        span = str(years[0]) if years[0] == years[-1] else f"{years[0]} to {years[-1]}"
        return (
            f"{encounters}, {span} (years of service; dates withheld by the de-identification "
            "policy)"
        )
    if not dates:
        return f"{encounters}; dates withheld by the de-identification policy"
    span = dates[0] if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}"
    return f"{encounters}, {span} (dates as de-identified)"


def _encounter_span(analysis: CodingAnalysis) -> str:
    settings = sorted({e.setting.value for e in analysis.encounters})
    return ", ".join(settings)


def _methods(analysis: CodingAnalysis) -> tuple[MethodNote, ...]:
    spans = analysis.phi.spans_by_type
    removed = (
        ", ".join(
            f"{count} {kind.lower().replace('_', ' ')}" for kind, count in sorted(spans.items())
        )
        if spans
        else "none found"
    )
    return (
        MethodNote("Code set", analysis.code_set),
        MethodNote("Code inference", analysis.method),
        MethodNote("SNOMED CT", _snomed_status(analysis)),
        MethodNote(
            "De-identification",
            f"{analysis.phi.method}, policy “{analysis.phi.policy}”, "
            f"{_plural(analysis.phi.notes_processed, 'note')} processed; "
            f"identifiers removed: {removed}. The renderer received de-identified content only.",
        ),
        MethodNote(
            "Billed versus documented",
            "Each billed ICD-10-CM code is compared with the codes the notes support (or, for an "
            "encounter without notes, with the diagnoses recorded for it). A billed code is "
            "supported when the notes support it, a more specific code of the same condition "
            "(listed as an upgrade), a combination code that includes it (hypertension in "
            "hypertensive kidney disease), or, for a history code, the past condition. Codes the "
            "notes deny, hedge, give to a relative or state only as history are not supported. "
            "The corrected claim is the billed codes minus the unsupported ones, with the "
            "upgrades applied, plus the documented codes not billed.",
        ),
        MethodNote(
            "Revenue",
            "Revenue at risk is what removing the unsupported billed codes takes off the "
            "estimated payment; revenue gained is what the upgrades and the documented codes "
            "not billed add back; the net is the corrected claim against the claim as billed. "
            "Only encounters dated in the data-collection year (the year before the payment "
            "year) count, and the age is the one on February 1 of the payment year (CMS "
            "rule). No figure is rounded before the last step.",
        ),
        MethodNote(
            "Excluded mentions",
            "Mentions that are negated, uncertain, hypothetical, historical or about a family "
            "member do not support a code for this encounter; they are listed for review, not "
            "suggested.",
        ),
        MethodNote(
            "Score",
            "A score between 0 and 1 from the code-inference method: how closely the text "
            "matches the code's terms. It is not a probability that the code is correct.",
        ),
    )


def _snomed_status(analysis: CodingAnalysis) -> str:
    snomed = analysis.snomed
    if snomed.configured:
        release = f"release {snomed.release}, " if snomed.release else ""
        return f"Inference on, {release}{snomed.concepts_loaded:,} concepts loaded."
    return snomed.notice or "Inference off: no licensed SNOMED CT release is configured."


_LIMITATIONS = (
    "Suggested codes are for review by a certified coder; they are not final codes and do not "
    "replace the official ICD-10-CM guidelines.",
    "Only what the notes say is considered: findings stated only in results, orders or images "
    "the notes do not quote are not seen.",
    "Negation and uncertainty are detected from wording; unusual phrasing can be missed.",
    "Evidence snippets are de-identified: names, dates and identifiers appear as placeholders or "
    "shifted values, never as in the original record.",
)
_MONEY_LIMITATION = (
    "Every money figure in this report is an estimate from the CMS-HCC model and the assumed "
    "base rate shown with it, not a statement of what a payer will pay."
)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun if count == 1 else noun + 's'}"


def _code_list(items: Iterable[tuple[str, str | None]]) -> str:
    entries = list(items)
    shown = [
        f"{code} ({description})" if description else code
        for code, description in entries[:_SUMMARY_LIST_LIMIT]
    ]
    rest = len(entries) - len(shown)
    if rest:
        shown.append(f"{rest} more")
    return ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1]
