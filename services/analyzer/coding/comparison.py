"""Billed versus documented for one encounter.

- matched: a billed code the notes support as billed;
- specificity upgrade: the notes support a more specific code of the same category than the
  billed one (billed E11.9, documented E11.65);
- documented, not billed: a billable suggestion the claim lacks (missed revenue);
- billed, not documented: a billed code the notes do not support (audit risk) — with the
  evidence when the notes deny, hedge or give it to a relative;
- not comparable: billed in a system clinrelay cannot compare (SNOMED CT without inference).
"""

from __future__ import annotations

from collections.abc import Sequence

from services.analyzer.coding import codeset
from shared.events.coding import (
    ICD10CM_SYSTEM,
    SNOMED_SYSTEM,
    BilledCodeFinding,
    CodedConcept,
    CodeSuggestion,
    Comparison,
    RecordedDiagnosis,
    SnomedSuggestion,
    SpecificityUpgrade,
)


def is_icd10cm(concept: CodedConcept) -> bool:
    system = concept.system.lower()
    return system == ICD10CM_SYSTEM or "icd-10-cm" in system or system.endswith("icd10cm")


def billed_icd10_codes(billed: Sequence[RecordedDiagnosis]) -> list[str]:
    """Valid ICD-10-CM codes of the claim diagnoses (dotted, unique, in claim order)."""
    codes: list[str] = []
    for diagnosis in billed:
        for concept in diagnosis.concepts:
            code = codeset.normalize_code(concept.code) if is_icd10cm(concept) else None
            if code and code not in codes:
                codes.append(code)
    return codes


def compare_billed_with_documented(
    billed: Sequence[RecordedDiagnosis],
    suggestions: Sequence[CodeSuggestion],
    excluded: Sequence[CodeSuggestion],
    recorded: Sequence[RecordedDiagnosis],
    snomed_suggestions: Sequence[SnomedSuggestion] | None,
    has_notes: bool,
) -> Comparison:
    """Compare one encounter's claim diagnoses with what its notes document.

    ``snomed_suggestions`` is None when SNOMED CT inference is not configured.
    """
    suggested = {s.code: s for s in suggestions}
    used: set[str] = set()
    matched: list[str] = []
    upgrades: list[SpecificityUpgrade] = []
    unsupported: list[BilledCodeFinding] = []
    not_comparable: list[BilledCodeFinding] = []
    recorded_codes = set(billed_icd10_codes(recorded))
    for diagnosis in billed:
        concept = _preferred_concept(diagnosis)
        if concept is None:
            continue
        if not is_icd10cm(concept):
            _snomed(concept, snomed_suggestions, matched, unsupported, not_comparable)
            continue
        code = codeset.normalize_code(concept.code)
        if code is None:
            unsupported.append(
                BilledCodeFinding(
                    code=concept.code,
                    description=concept.display,
                    reason="not a valid ICD-10-CM FY2026 code",
                )
            )
            continue
        if code in suggested:
            matched.append(code)
            used.add(code)
            continue
        upgrade = _upgrade(code, suggestions)
        if upgrade is not None:
            upgrades.append(upgrade)
            used.add(upgrade.suggested.code)
            continue
        unsupported.append(_unsupported(code, suggestions, excluded, recorded_codes, has_notes))
    return Comparison(
        matched=tuple(matched),
        documented_not_billed=tuple(s for s in suggestions if s.code not in used),
        billed_not_documented=tuple(unsupported),
        specificity_upgrades=tuple(upgrades),
        not_comparable=tuple(not_comparable),
    )


def _preferred_concept(diagnosis: RecordedDiagnosis) -> CodedConcept | None:
    for concept in diagnosis.concepts:
        if is_icd10cm(concept):
            return concept
    return diagnosis.concepts[0] if diagnosis.concepts else None


def _upgrade(code: str, suggestions: Sequence[CodeSuggestion]) -> SpecificityUpgrade | None:
    """A suggestion of the billed code's category that says more than the billed code."""
    billed_is_vague = codeset.is_default_code(code) or not codeset.is_billable(code)
    for suggestion in suggestions:
        same_family = codeset.category(suggestion.code) == codeset.category(code)
        more_specific = codeset.is_ancestor(code, suggestion.code) or (
            billed_is_vague and not codeset.is_default_code(suggestion.code)
        )
        if same_family and more_specific and suggestion.code != code:
            return SpecificityUpgrade(
                billed_code=code,
                billed_description=codeset.description(code) if codeset.is_code(code) else None,
                suggested=suggestion,
                reason=(
                    f"the note supports {suggestion.code} ({suggestion.description}), "
                    f"more specific than the billed {code}"
                ),
            )
    return None


def _unsupported(
    code: str,
    suggestions: Sequence[CodeSuggestion],
    excluded: Sequence[CodeSuggestion],
    recorded_codes: set[str],
    has_notes: bool,
) -> BilledCodeFinding:
    description = codeset.description(code)
    same_code = [e for e in excluded if e.code == code]
    if same_code:
        first = same_code[0]
        return BilledCodeFinding(
            code=code,
            description=description,
            reason=f"the notes mention it only as {first.assertion.value}: {first.rationale}",
            evidence=tuple(e for x in same_code for e in x.evidence),
        )
    sibling = next(
        (s for s in suggestions if codeset.category(s.code) == codeset.category(code)), None
    )
    if sibling is not None:
        return BilledCodeFinding(
            code=code,
            description=description,
            reason=f"the notes document {sibling.code} ({sibling.description}) instead",
            evidence=sibling.evidence,
        )
    if not has_notes:
        reason = "the encounter has no notes to support it"
    elif code in recorded_codes:
        reason = "recorded as a structured diagnosis, but the notes do not document it"
    else:
        reason = "no mention in the encounter's notes"
    return BilledCodeFinding(code=code, description=description, reason=reason)


def _snomed(
    concept: CodedConcept,
    inferred: Sequence[SnomedSuggestion] | None,
    matched: list[str],
    unsupported: list[BilledCodeFinding],
    not_comparable: list[BilledCodeFinding],
) -> None:
    if concept.system != SNOMED_SYSTEM or inferred is None:
        not_comparable.append(
            BilledCodeFinding(
                code=concept.code,
                description=concept.display,
                system=concept.system,
                reason=(
                    "billed in SNOMED CT; no licensed SNOMED CT release is configured to compare "
                    "it with the notes"
                    if concept.system == SNOMED_SYSTEM
                    else "billed in a code system clinrelay does not compare"
                ),
            )
        )
        return
    if any(s.concept_id == concept.code for s in inferred):
        matched.append(f"SNOMED {concept.code}")
    else:
        unsupported.append(
            BilledCodeFinding(
                code=concept.code,
                description=concept.display,
                system=SNOMED_SYSTEM,
                reason="SNOMED CT concept not found in the encounter's notes",
            )
        )
