"""From a :class:`CodingAnalysis` to what the coding report prints.

The analysis is de-identified already (codes, surrogate ids, shifted dates, snippets with PHI
replaced); this module only words and orders it: the summary a coder or CFO can act on, the
key figures, and per encounter the tables of billed-versus-documented and of suggested and
excluded codes with their evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.renderer.views import DocumentInfo, KeyFigure, MethodNote, Tone
from shared.events.coding import (
    Assertion,
    CareSetting,
    CodeSuggestion,
    CodingAnalysis,
    EncounterCoding,
    Evidence,
)

_SUMMARY_LIST_LIMIT = 3
_ASSERTION_REASONS = {
    Assertion.NEGATED: "Negated in the note",
    Assertion.UNCERTAIN: "Uncertain (possible, suspected, rule out)",
    Assertion.HYPOTHETICAL: "Hypothetical (if, in case of, return for)",
    Assertion.HISTORICAL: "History only, not a current condition",
    Assertion.FAMILY: "Family history, not the patient",
    Assertion.PRESENT: "Present but not reportable for this encounter",
}


@dataclass(frozen=True)
class EvidenceView:
    text: str
    location: str


@dataclass(frozen=True)
class SuggestionRow:
    code: str
    description: str
    status: str
    tone: Tone
    score: str
    billable: bool
    evidence: tuple[EvidenceView, ...]


@dataclass(frozen=True)
class ExcludedRow:
    code: str
    description: str
    reason: str
    evidence: tuple[EvidenceView, ...]


@dataclass(frozen=True)
class ClaimFindingRow:
    """One difference between the claim and the notes, and what a coder should do about it."""

    finding: str
    tone: Tone
    code: str
    description: str
    detail: str


@dataclass(frozen=True)
class EncounterView:
    heading: str
    encounter_id: str
    matched: tuple[str, ...]
    claim_findings: tuple[ClaimFindingRow, ...]
    suggestions: tuple[SuggestionRow, ...]
    excluded: tuple[ExcludedRow, ...]


@dataclass(frozen=True)
class CodingCounts:
    """Totals over all encounters, as the summary and key figures state them."""

    encounters: int
    suggested: int
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
    methods: tuple[MethodNote, ...]
    limitations: tuple[str, ...]


def build_coding_view(analysis: CodingAnalysis) -> CodingReportView:
    """Everything the coding template prints, worded and ordered, from ``analysis``."""
    counts = count_findings(analysis)
    return CodingReportView(
        document=_document_info(analysis),
        summary=coding_summary(analysis, counts),
        counts=counts,
        key_figures=_key_figures(counts),
        notices=analysis.notices,
        encounters=tuple(_encounter_view(e) for e in analysis.encounters),
        methods=_methods(analysis),
        limitations=_LIMITATIONS,
    )


def count_findings(analysis: CodingAnalysis) -> CodingCounts:
    """How many codes of each finding the analysis holds, over all its encounters."""
    encounters = analysis.encounters
    return CodingCounts(
        encounters=len(encounters),
        suggested=sum(len(_reportable(e.suggestions)) for e in encounters),
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
    sentences = [
        f"The notes of {_plural(counts.encounters, 'encounter')} ({_encounter_span(analysis)}) "
        f"support {_plural(counts.suggested, 'reportable ICD-10-CM code')}; "
        f"{counts.matched} of the billed codes are supported as billed."
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
            f"{'has' if len(unsupported) == 1 else 'have'} no support in the notes: "
            f"{_code_list((f.code, f.description) for f in unsupported)}."
        )
    if upgrades:
        pairs = ", ".join(f"{u.billed_code} → {u.suggested.code}" for u in upgrades[:3])
        sentences.append(
            f"{_plural(len(upgrades), 'billed code')} can be coded more specifically ({pairs})."
        )
    sentences.append(_next_step(len(not_billed), len(unsupported), len(upgrades)))
    return " ".join(sentences)


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


def _encounter_view(encounter: EncounterCoding) -> EncounterView:
    comparison = encounter.comparison
    matched = set(comparison.matched)
    not_billed = {s.code for s in comparison.documented_not_billed}
    upgraded_to = {u.suggested.code: u.billed_code for u in comparison.specificity_upgrades}
    return EncounterView(
        heading=encounter_heading(encounter),
        encounter_id=encounter.encounter_id,
        matched=comparison.matched,
        claim_findings=claim_findings(encounter),
        suggestions=tuple(
            _suggestion_row(s, *_status(s, matched, not_billed, upgraded_to))
            for s in sorted(encounter.suggestions, key=lambda s: (-s.score, s.code))
        ),
        excluded=tuple(
            ExcludedRow(
                s.code,
                s.description,
                _ASSERTION_REASONS[s.assertion],
                _evidence(s.evidence),
            )
            for s in encounter.excluded
        ),
    )


def claim_findings(encounter: EncounterCoding) -> tuple[ClaimFindingRow, ...]:
    """The encounter's claim differences, most consequential first: unsupported billed codes,
    then documented codes missing from the claim, then codes that can be more specific."""
    comparison = encounter.comparison
    rows = [
        ClaimFindingRow(
            "Billed, not documented",
            Tone.WARN,
            finding.code,
            finding.description or "–",
            f"{finding.reason} Query the provider or remove the code before submission.",
        )
        for finding in comparison.billed_not_documented
    ]
    rows += [
        ClaimFindingRow(
            "Documented, not billed",
            Tone.WARN,
            suggestion.code,
            suggestion.description,
            f"Evidence in {_notes_cited(suggestion)}; add to the claim if the provider agrees.",
        )
        for suggestion in comparison.documented_not_billed
    ]
    rows += [
        ClaimFindingRow(
            "More specific code",
            Tone.NEUTRAL,
            upgrade.suggested.code,
            upgrade.suggested.description,
            f"Billed as {upgrade.billed_code}; the evidence in "
            f"{_notes_cited(upgrade.suggested)} supports the more specific code.",
        )
        for upgrade in comparison.specificity_upgrades
    ]
    return tuple(rows)


def _notes_cited(suggestion: CodeSuggestion) -> str:
    notes = sorted({item.note_id for item in suggestion.evidence})
    if not notes:
        return "the notes"
    return ("note " if len(notes) == 1 else "notes ") + ", ".join(notes)


def encounter_heading(encounter: EncounterCoding) -> str:
    """``Encounter E1 · outpatient · Office visit · 2024-03-14``."""
    parts = [f"Encounter {encounter.encounter_id}"]
    if encounter.setting is not CareSetting.OTHER:
        parts.append(encounter.setting.value)
    if encounter.type:
        parts.append(encounter.type)
    if encounter.period_start:
        parts.append(encounter.period_start[:10])
    return " · ".join(parts)


def _status(
    suggestion: CodeSuggestion,
    matched: set[str],
    not_billed: set[str],
    upgraded_to: dict[str, str],
) -> tuple[str, Tone]:
    if suggestion.code in matched:
        return "Billed", Tone.GOOD
    if suggestion.code in upgraded_to:
        return f"More specific than billed {upgraded_to[suggestion.code]}", Tone.WARN
    if suggestion.code in not_billed:
        return "Not billed", Tone.WARN
    if not suggestion.billable:
        return "Not billable (category)", Tone.NEUTRAL
    return "Suggested", Tone.NEUTRAL


def _suggestion_row(suggestion: CodeSuggestion, status: str, tone: Tone) -> SuggestionRow:
    return SuggestionRow(
        code=suggestion.code,
        description=suggestion.description,
        status=status,
        tone=tone,
        score=f"{suggestion.score:.2f}",
        billable=suggestion.billable,
        evidence=_evidence(suggestion.evidence),
    )


def _evidence(items: Sequence[Evidence]) -> tuple[EvidenceView, ...]:
    return tuple(
        EvidenceView(
            text=" ".join(item.text.split()),
            location=f"Note {item.note_id}, characters {item.start}–{item.end}",
        )
        for item in items
    )


def _reportable(suggestions: Iterable[CodeSuggestion]) -> list[CodeSuggestion]:
    return [s for s in suggestions if s.assertion is Assertion.PRESENT and s.billable]


def _key_figures(counts: CodingCounts) -> tuple[KeyFigure, ...]:
    return (
        KeyFigure("codes supported by the notes", str(counts.suggested)),
        KeyFigure("billed codes confirmed", str(counts.matched), Tone.GOOD),
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
        KeyFigure("more specific code available", str(counts.upgrades)),
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
        MethodNote(
            "De-identification",
            f"{analysis.phi.method}, policy “{analysis.phi.policy}”, "
            f"{_plural(analysis.phi.notes_processed, 'note')} processed; "
            f"identifiers removed: {removed}. The renderer received de-identified content only.",
        ),
        MethodNote(
            "Billed versus documented",
            "Each billed ICD-10-CM code is compared with the codes the notes support. A billed "
            "code the notes support exactly counts as confirmed; one whose more specific child "
            "is documented is listed as a specificity upgrade; one without any supporting "
            "mention is listed as not documented.",
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


_LIMITATIONS = (
    "Suggested codes are for review by a certified coder; they are not final codes and do not "
    "replace the official ICD-10-CM guidelines.",
    "Only what the notes say is considered: findings stated only in results, orders or images "
    "the notes do not quote are not seen.",
    "Negation and uncertainty are detected from wording; unusual phrasing can be missed.",
    "Evidence snippets are de-identified: names, dates and identifiers appear as placeholders or "
    "shifted values, never as in the original record.",
    "Every money figure in this report is an estimate from published payment models, not a "
    "statement of what a payer will pay.",
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
