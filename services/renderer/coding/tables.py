"""Per-encounter tables of the coding report: claim findings, suggested and excluded codes.

Rows are worded for a coder: what differs from the claim and what to do, each code with the
de-identified evidence it rests on (the sentence around the mention when the analyzer gives it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.renderer.views import Tone
from shared.events.coding import (
    Assertion,
    CareSetting,
    CodeSuggestion,
    DataCollectionWindow,
    EncounterCoding,
    Evidence,
    ReviewBasis,
    SecondOpinion,
)

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
    """A quote: ``before`` + ``match`` + ``after`` (the match is the mention itself)."""

    before: str
    match: str
    after: str
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
    rationale: str | None = None
    alternatives: str | None = None
    hcc: str | None = None


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
    evidence: tuple[EvidenceView, ...] = ()


@dataclass(frozen=True)
class SnomedRow:
    concept_id: str
    term: str
    score: str


@dataclass(frozen=True)
class EncounterView:
    heading: str
    encounter_id: str
    flag: str | None
    """Why the reader should look twice (outside the data-collection year), when so."""
    has_claim: bool
    basis: str
    """What the claim is compared with, in words."""
    billed_codes: tuple[str, ...]
    matched: tuple[str, ...]
    corrected_claim: tuple[str, ...]
    claim_findings: tuple[ClaimFindingRow, ...]
    suggestions: tuple[SuggestionRow, ...]
    excluded: tuple[ExcludedRow, ...]
    snomed: tuple[SnomedRow, ...]


@dataclass(frozen=True)
class SecondOpinionView:
    status: str
    reviews: tuple[tuple[str, str, str], ...]
    """(code, verdict, comment)"""
    additions: tuple[tuple[str, str, str], ...]
    """(code, description, comment)"""


_BASIS = {
    ReviewBasis.NOTES: "the codes its notes support",
    ReviewBasis.PROBLEM_LIST: "the diagnoses recorded for it (no notes: a problem-list review)",
    ReviewBasis.NONE: "nothing: it has neither notes nor recorded diagnoses",
}


def encounter_view(
    encounter: EncounterCoding, window: DataCollectionWindow | None = None
) -> EncounterView:
    """Everything printed about one encounter."""
    comparison = encounter.comparison
    matched = set(comparison.matched)
    not_billed = {s.code for s in comparison.documented_not_billed}
    upgraded_to = {u.suggested.code: u.billed_code for u in comparison.specificity_upgrades}
    return EncounterView(
        heading=encounter_heading(encounter),
        encounter_id=encounter.encounter_id,
        flag=_window_flag(encounter, window),
        has_claim=comparison.has_claim,
        basis=_BASIS[comparison.basis],
        billed_codes=tuple(
            concept.code for d in encounter.billed_diagnoses for concept in d.concepts
        ),
        matched=comparison.matched,
        corrected_claim=comparison.corrected_claim,
        claim_findings=claim_findings(encounter),
        suggestions=tuple(
            _suggestion_row(s, *_status(s, matched, not_billed, upgraded_to, comparison.has_claim))
            for s in sorted(encounter.suggestions, key=lambda s: (-s.score, s.code))
        ),
        excluded=tuple(
            ExcludedRow(
                s.code, s.description, _ASSERTION_REASONS[s.assertion], evidence(s.evidence)
            )
            for s in encounter.excluded
        ),
        snomed=tuple(
            SnomedRow(s.concept_id, s.term, f"{s.score:.2f}")
            for s in encounter.snomed_suggestions
            if s.assertion is Assertion.PRESENT
        ),
    )


def _window_flag(encounter: EncounterCoding, window: DataCollectionWindow | None) -> str | None:
    if window is None or encounter.service_year is None:
        return None
    if encounter.service_year == window.data_collection_year:
        return None
    return (
        f"Dated {encounter.service_year}, outside the {window.data_collection_year} "
        f"data-collection year of payment year {window.payment_year}: its codes are not counted "
        "in the risk estimate."
    )


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


def claim_findings(encounter: EncounterCoding) -> tuple[ClaimFindingRow, ...]:
    """The encounter's claim differences, most consequential first: unsupported billed codes,
    then documented codes missing from the claim, then codes that can be more specific, then
    billed codes in a code system that cannot be compared."""
    comparison = encounter.comparison
    rows = [
        ClaimFindingRow(
            "Billed, not documented",
            Tone.WARN,
            finding.code,
            finding.description or "–",
            f"{_sentence(finding.reason)} Query the provider or remove the code before submission.",
            evidence(finding.evidence),
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
            f"Billed as {upgrade.billed_code}"
            + (f" ({upgrade.billed_description})" if upgrade.billed_description else "")
            + f"; the evidence in {_notes_cited(upgrade.suggested)} supports the more specific "
            "code." + (f" {upgrade.reason}" if upgrade.reason else ""),
        )
        for upgrade in comparison.specificity_upgrades
    ]
    rows += [
        ClaimFindingRow(
            "Not comparable",
            Tone.NEUTRAL,
            finding.code,
            finding.description or "–",
            f"{finding.reason} (code system {finding.system}).",
        )
        for finding in comparison.not_comparable
    ]
    return tuple(rows)


def second_opinion_view(opinion: SecondOpinion) -> SecondOpinionView:
    model = f" ({opinion.model})" if opinion.model else ""
    status = (
        f"Reviewed by an external model{model}."
        if opinion.status == "completed"
        else f"The external reviewer{model} was unavailable"
        + (f": {opinion.detail}" if opinion.detail else ".")
    )
    return SecondOpinionView(
        status=status,
        reviews=tuple((r.code, r.verdict, r.comment) for r in opinion.reviews),
        additions=tuple((a.code, a.description or "–", a.comment) for a in opinion.additions),
    )


def evidence(items: Sequence[Evidence]) -> tuple[EvidenceView, ...]:
    """Quotes for ``items``: the whole sentence with the mention marked when the analyzer gave
    the sentence and the mention is in it, the snippet alone otherwise."""
    views = []
    for item in items:
        snippet = " ".join(item.text.split())
        sentence = " ".join((item.sentence or "").split())
        before, match, after = "", snippet, ""
        if sentence and snippet and snippet in sentence:
            before, _, after = sentence.partition(snippet)
        section = f" ({item.section.replace('_', ' ')})" if item.section else ""
        location = f"Note {item.note_id}{section}, characters {item.start}–{item.end}"
        views.append(EvidenceView(before, match, after, location))
    return tuple(views)


def _status(
    suggestion: CodeSuggestion,
    matched: set[str],
    not_billed: set[str],
    upgraded_to: dict[str, str],
    has_claim: bool = True,
) -> tuple[str, Tone]:
    if not has_claim:
        return "Documented (no claim)", Tone.NEUTRAL
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
    alternatives = ", ".join(c.code for c in suggestion.candidates if c.code != suggestion.code)
    return SuggestionRow(
        code=suggestion.code,
        description=suggestion.description,
        status=status,
        tone=tone,
        score=f"{suggestion.score:.2f}",
        billable=suggestion.billable,
        evidence=evidence(suggestion.evidence),
        rationale=suggestion.rationale,
        alternatives=alternatives or None,
        hcc=suggestion.hcc,
    )


def _notes_cited(suggestion: CodeSuggestion) -> str:
    notes = sorted({item.note_id for item in suggestion.evidence})
    if not notes:
        return "the notes"
    return ("note " if len(notes) == 1 else "notes ") + ", ".join(notes)


def _sentence(text: str) -> str:
    """``text`` as a sentence: capitalised, ending with a full stop."""
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
