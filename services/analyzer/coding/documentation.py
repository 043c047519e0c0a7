"""What one encounter's claim is compared with: the codes its notes support, or, when it has no
notes, the diagnoses the record lists for it (a problem-list review).

A problem list is read the way a coder reads one. A Condition or Encounter.diagnosis of the
encounter itself supports billing it whatever its clinical status today (a cough diagnosed at the
visit and resolved since was still present then); a Condition of the patient that names no
encounter supports it only while active. Verification status carries the assertion: refuted is a
negation, provisional or differential an uncertain diagnosis (coded inpatient only, Section
II.H / IV.H), and a no-longer-active condition goes through the same history rules as a note
("history of breast cancer" → Z85.3).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from services.analyzer.coding import codeset
from services.analyzer.coding.rules import billing_decision
from services.analyzer.coding.traits import mention_category
from shared.events.coding import (
    ICD10CM_SYSTEM,
    SNOMED_SYSTEM,
    Assertion,
    CareSetting,
    CodedConcept,
    CodeSuggestion,
    Evidence,
    RecordedDiagnosis,
    ReviewBasis,
    SnomedSuggestion,
)

_ACTIVE = frozenset({"active", "recurrence", "relapse"})
_UNCERTAIN = frozenset({"provisional", "differential", "unconfirmed"})
_PROBLEM_LIST_SCORE = 1.0  # a structured diagnosis: no text matching involved
_REACH = 240  # characters either side of a mention at most
_SENTENCE_ENDS = (". ", ".\n", ";", "\n", "!", "?")


ICD10CM_OID = "urn:oid:2.16.840.1.113883.6.90"
SNOMED_OID = "urn:oid:2.16.840.1.113883.6.96"


def is_icd10cm(concept: CodedConcept) -> bool:
    """ICD-10-CM by its FHIR URL, its OID, or a URL naming it (``…/icd-10-cm``, ``…/icd10cm``)."""
    system = concept.system.strip().lower()
    return (
        system in (ICD10CM_SYSTEM, ICD10CM_OID)
        or "icd-10-cm" in system
        or system.rstrip("/").endswith(("icd10cm", "icd-10cm"))
    )


def is_snomed(concept: CodedConcept) -> bool:
    return concept.system.strip().rstrip("/").lower() in (SNOMED_SYSTEM, SNOMED_OID)


@dataclass(frozen=True)
class Documentation:
    """The documented side of one encounter's comparison."""

    basis: ReviewBasis
    codes: tuple[CodeSuggestion, ...] = ()
    """Reportable ICD-10-CM codes the documentation supports."""
    excluded: tuple[CodeSuggestion, ...] = ()
    """Codes found but not reportable (negated, uncertain outpatient, family, past...)."""
    reportable_unbilled: frozenset[str] | None = None
    """Which of ``codes`` may be reported as "documented, not billed" (None: all of them). A
    patient-level problem list supports billed codes but does not ask every visit to bill it."""
    recorded_codes: frozenset[str] = frozenset()
    """ICD-10-CM codes of the encounter's structured diagnoses (for wording the findings)."""
    snomed: tuple[SnomedSuggestion, ...] | None = None
    """SNOMED CT concepts documented (inferred from notes, or recorded); None: cannot compare."""
    note_texts: Mapping[str, str] = field(default_factory=dict)
    """The de-identified notes by id, to read the words around a piece of evidence."""

    def sentence_of(self, evidence: Evidence, reach: int = _REACH) -> str:
        """The sentence (or list line) of ``evidence``, at most ``reach`` characters either
        side of it (empty if the note is unknown)."""
        text = self.note_texts.get(evidence.note_id, "")
        before = text[max(0, evidence.start - reach) : evidence.start]
        after = text[evidence.end : evidence.end + reach]
        start = max((before.rfind(c) for c in _SENTENCE_ENDS), default=-1) + 1
        ends = [i for i in (after.find(c) for c in _SENTENCE_ENDS) if i >= 0]
        return (
            before[start:] + text[evidence.start : evidence.end] + after[: min(ends, default=None)]
        )

    @property
    def has_notes(self) -> bool:
        return self.basis is ReviewBasis.NOTES


def note_documentation(
    suggestions: Sequence[CodeSuggestion],
    excluded: Sequence[CodeSuggestion],
    recorded: Sequence[RecordedDiagnosis],
    snomed: Sequence[SnomedSuggestion] | None,
    note_texts: Mapping[str, str] | None = None,
) -> Documentation:
    """The documentation of an encounter with notes: what the coder found in them."""
    return Documentation(
        basis=ReviewBasis.NOTES,
        codes=tuple(s for s in suggestions if s.billable),
        excluded=tuple(excluded),
        recorded_codes=frozenset(icd10_codes(recorded)),
        snomed=tuple(snomed) if snomed is not None else None,
        note_texts=dict(note_texts or {}),
    )


def problem_list_documentation(
    recorded: Sequence[RecordedDiagnosis],
    problem_list: Sequence[RecordedDiagnosis],
    setting: CareSetting,
) -> Documentation:
    """The documentation of an encounter without notes: its recorded diagnoses, then the
    patient's active problem list (rules in the module docstring)."""
    if not recorded and not problem_list:
        return Documentation(basis=ReviewBasis.NONE)
    codes: dict[str, CodeSuggestion] = {}
    excluded: dict[str, CodeSuggestion] = {}
    own: set[str] = set()
    snomed: dict[str, SnomedSuggestion] = {}
    for diagnosis, of_encounter in [(d, True) for d in recorded] + [
        (d, False) for d in problem_list
    ]:
        assertion = _assertion(diagnosis, of_encounter)
        for concept in diagnosis.concepts:
            if is_snomed(concept) and assertion is Assertion.PRESENT:
                snomed.setdefault(concept.code, _snomed(concept))
            if not is_icd10cm(concept):
                continue
            code = codeset.normalize_code(concept.code)
            if code is None:
                continue
            decision = billing_decision(code, assertion, setting)
            target = decision.code if decision.bill else code
            if decision.bill and codeset.is_billable(target):
                codes.setdefault(
                    target, _listed(target, assertion, decision.rationale, of_encounter)
                )
                if of_encounter:
                    own.add(target)
            else:
                excluded.setdefault(
                    code, _listed(code, assertion, decision.rationale, of_encounter)
                )
    return Documentation(
        basis=ReviewBasis.PROBLEM_LIST,
        codes=tuple(codes.values()),
        excluded=tuple(e for c, e in excluded.items() if c not in codes),
        reportable_unbilled=frozenset(own),
        recorded_codes=frozenset(icd10_codes(recorded)),
        snomed=tuple(snomed.values()),
    )


def closest(code: str, candidates: Sequence[CodeSuggestion]) -> CodeSuggestion | None:
    """The documented candidate sharing the longest prefix with ``code``; then the best scored."""
    if not candidates:
        return None
    return max(candidates, key=lambda s: (_common_prefix(code, s.code), s.score, s.code))


def _common_prefix(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def icd10_codes(diagnoses: Iterable[RecordedDiagnosis]) -> list[str]:
    """Valid ICD-10-CM codes of ``diagnoses`` (dotted, unique, in order)."""
    codes: list[str] = []
    for diagnosis in diagnoses:
        for concept in diagnosis.concepts:
            code = codeset.normalize_code(concept.code) if is_icd10cm(concept) else None
            if code and code not in codes:
                codes.append(code)
    return codes


def _assertion(diagnosis: RecordedDiagnosis, of_encounter: bool) -> Assertion:
    verification = (diagnosis.verification_status or "").lower()
    if verification == "refuted":
        return Assertion.NEGATED
    if verification in _UNCERTAIN:
        return Assertion.UNCERTAIN
    status = (diagnosis.clinical_status or "").lower()
    if of_encounter or not status or status in _ACTIVE:
        return Assertion.PRESENT
    return Assertion.HISTORICAL  # inactive, remission, resolved on the patient's list


def _listed(code: str, assertion: Assertion, rationale: str, of_encounter: bool) -> CodeSuggestion:
    where = "a diagnosis recorded for this encounter" if of_encounter else "the problem list"
    description = codeset.description(code)
    return CodeSuggestion(
        code=code,
        description=description,
        category=mention_category(code, description, None),
        score=_PROBLEM_LIST_SCORE,
        assertion=assertion,
        billable=codeset.is_billable(code),
        rationale=f"{where}: {rationale}",
    )


def _snomed(concept: CodedConcept) -> SnomedSuggestion:
    return SnomedSuggestion(
        concept_id=concept.code,
        term=concept.display or concept.code,
        score=_PROBLEM_LIST_SCORE,
    )
