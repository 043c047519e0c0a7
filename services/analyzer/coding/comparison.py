"""Billed versus documented for one encounter: a verdict on every billed code, the findings, and
the corrected claim.

A billed ICD-10-CM code is **supported** when the documentation (see ``documentation.py``)
supports, in this order of preference:

1. the code itself (``exact``);
2. the same condition more specifically (``more_specific``) or as a combination code that
   includes it (``combination``) — supported, with an upgrade owed; the one convention for both
   is ``upgrades.py`` (billed I46, documented I46.9; E11.9 → E11.65; S52.501A → S52.531A;
   I10 → I11–I13, Section I.C.9.a; R73.9 → E11.65);
3. for a billed history or status code (Z85–Z87, I25.2...), the past condition the notes state
   (``history``);
4. for a billed external cause, the documented injury whose mechanism the notes describe
   (``external_cause``); the billed code's extra detail in the sentence of a documented, less
   specific code's evidence (``wording``); for a billed unspecified code (N18.9, I50.9), a
   documented code whose "use additional code" note asks for its category and whose description
   names its condition (E11.22, I11.0: ``additional``).

Each documented code supports one billed code: a second billed code resting on a documented code
already taken is redundant (billed E11.9 beside a documented, billed E11.65) and not supported —
except the parts of one combination code nobody billed, each owed it (billed E11.9 and R73.9,
documented E11.65).
Everything else is **not supported**, with the reason a coder needs (``unsupported_reasons.py``):
the notes deny, hedge or give it to a relative (with that evidence), state it only as history
(billed C50.911, documented Z85.3), document it less specifically or differently (billed E11.65,
documented E11.9), or do not mention it. SNOMED CT billed codes are compared with SNOMED CT
concepts when the documentation has them (inferred from notes with a configured release, or
recorded on a problem list), otherwise they are not comparable.

The **corrected claim** (``claim_findings.py``) is the billed codes minus the unsupported ones,
with upgrades applied, plus the documented codes not billed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from services.analyzer.coding import codeset
from services.analyzer.coding.claim_findings import POINTS_ONLY, claim_findings
from services.analyzer.coding.code_detail import (
    affirmed_words,
    denies,
    detail_in_words,
    mechanism_in_words,
    note_words,
    says_more,
)
from services.analyzer.coding.documentation import (
    Documentation,
    closest,
    is_icd10cm,
    is_snomed,
)
from services.analyzer.coding.rules import billing_decision
from services.analyzer.coding.unsupported_reasons import why_not
from services.analyzer.coding.upgrades import (
    UpgradeKind,
    combination_reason,
    conflicting,
    states_additional,
    upgrade_kind,
)
from shared.events.coding import (
    SNOMED_SYSTEM,
    Assertion,
    BilledCodeVerdict,
    CareSetting,
    CodedConcept,
    CodeSuggestion,
    Comparison,
    MatchKind,
    RecordedDiagnosis,
    ReviewBasis,
    Verdict,
)

EXTERNAL_CAUSE_PREFIXES = ("V", "W", "X", "Y")
INJURY_PREFIXES = ("S", "T")
HISTORY_PREFIXES = ("Z85", "Z86", "Z87", "Z80", "Z81", "Z82", "Z83", "Z84", "I25.2", "Z92")


@dataclass
class _Claim:
    """Bookkeeping while the billed codes of one encounter are judged."""

    documentation: Documentation
    setting: CareSetting
    verdicts: dict[int, BilledCodeVerdict]
    taken: set[str]
    parts: dict[str, set[str]] = field(default_factory=dict)
    """Documented code taken by an upgrade → the categories of the billed codes resting on it."""

    def documented(self, code: str) -> CodeSuggestion | None:
        return next((s for s in self.documentation.codes if s.code == code), None)

    def take(self, documented: str, billed: str, kind: MatchKind) -> None:
        self.taken.add(documented)
        if kind in (MatchKind.MORE_SPECIFIC, MatchKind.COMBINATION):
            self.parts.setdefault(documented, set()).add(codeset.category(billed))
        else:
            self.parts.pop(documented, None)

    def available(self, billed: str) -> list[CodeSuggestion]:
        """Documented codes ``billed`` may rest on: those not taken, and a combination code an
        upgrade took for a billed code of another category (billed E11.9 and R73.9 are both
        owed the one documented E11.65)."""
        category = codeset.category(billed)
        return [
            s
            for s in self.documentation.codes
            if s.code not in self.taken
            or (s.code in self.parts and category not in self.parts[s.code])
        ]


def compare_billed_with_documented(
    billed: Sequence[RecordedDiagnosis],
    documentation: Documentation,
    setting: CareSetting = CareSetting.OTHER,
    *,
    has_claim: bool | None = None,
) -> Comparison:
    """Judge every billed diagnosis of one encounter against its documentation.

    ``has_claim`` says whether a claim bills the encounter at all (it may list services and no
    diagnosis); by default, whether ``billed`` holds any diagnosis. Without a claim there is no
    verdict and nothing is "documented, not billed".
    """
    if not (billed or has_claim):
        return Comparison(has_claim=False, basis=documentation.basis)
    claim = _Claim(documentation, setting, {}, set())
    concepts = [c for c in (_preferred_concept(d) for d in billed) if c is not None]
    icd = _judge_non_icd(concepts, claim)
    # Exact matches first, so a redundant billed code never takes a documented code away from
    # the billed code that names it.
    for position, code in icd:
        if claim.documented(code) is not None and code not in claim.taken:
            claim.take(code, code, MatchKind.EXACT)
            claim.verdicts[position] = _supported(code, MatchKind.EXACT, claim.documented(code))
    for position, code in icd:
        if position not in claim.verdicts:
            claim.verdicts[position] = _judge(code, claim)
    verdicts = tuple(claim.verdicts[p] for p in sorted(claim.verdicts))
    return claim_findings(verdicts, documentation)


def _judge_non_icd(concepts: list[CodedConcept], claim: _Claim) -> list[tuple[int, str]]:
    """Verdicts for SNOMED CT and invalid codes; the valid ICD-10-CM codes left to judge."""
    icd: list[tuple[int, str]] = []
    seen: set[str] = set()
    for position, concept in enumerate(concepts):
        if not is_icd10cm(concept):
            claim.verdicts[position] = _snomed_verdict(concept, claim.documentation)
            continue
        code = codeset.normalize_code(concept.code)
        if code is None:
            claim.verdicts[position] = BilledCodeVerdict(
                code=concept.code,
                description=concept.display,
                verdict=Verdict.NOT_SUPPORTED,
                reason="not a valid ICD-10-CM FY2026 code",
            )
        elif code not in seen:
            seen.add(code)
            icd.append((position, code))
    return icd


def _judge(code: str, claim: _Claim) -> BilledCodeVerdict:
    for kind, find in (
        (MatchKind.MORE_SPECIFIC, _more_specific),
        (MatchKind.COMBINATION, _combination),
        (MatchKind.HISTORY, _history),
        (MatchKind.EXTERNAL_CAUSE, _external_cause),
        (MatchKind.WORDING, _wording),
        (MatchKind.ADDITIONAL, _additional),
    ):
        found = find(code, claim)
        if found is not None:
            if kind not in POINTS_ONLY:
                claim.take(found.code, code, kind)
            return _supported(code, kind, found)
    return _not_supported(code, claim)


def _more_specific(code: str, claim: _Claim) -> CodeSuggestion | None:
    candidates = [
        s for s in claim.available(code) if upgrade_kind(code, s.code) is UpgradeKind.MORE_SPECIFIC
    ]
    return closest(code, candidates)


def _external_cause(code: str, claim: _Claim) -> CodeSuggestion | None:
    """For a billed external-cause code (V00–Y99): a documented injury of the same encounter
    stage (7th character) when the notes describe the mechanism the code names."""
    if not code.startswith(EXTERNAL_CAUSE_PREFIXES):
        return None
    injuries = [
        s
        for s in claim.documentation.codes
        if s.code.startswith(INJURY_PREFIXES)
        and s.assertion is Assertion.PRESENT
        and not conflicting(code, s.code)
    ]
    words = note_words(" ".join(claim.documentation.note_texts.values()))
    if injuries and mechanism_in_words(code, words):
        return injuries[0]
    return None


def _wording(code: str, claim: _Claim) -> CodeSuggestion | None:
    """A documented code the billed one says more than, whose evidence's sentence affirms the
    billed code's extra detail (the coder read the note less specifically than it is written).
    Never when the two state different sides or 7th characters, when the documented code's
    "without" clause denies the detail (documented R65.20 for billed R65.21), when the notes
    negate the billed code itself, or when the detail's words are negated ("no current
    exacerbation" near the COPD that J44.1 would rest on)."""
    documentation = claim.documentation
    if any(e.code == code and e.assertion is not Assertion.PRESENT for e in documentation.excluded):
        return None
    for suggestion in claim.available(code):
        if suggestion.code in claim.taken:
            continue
        if (
            not says_more(code, suggestion.code)
            or conflicting(code, suggestion.code)
            or denies(suggestion.code, code)
        ):
            continue
        for evidence in suggestion.evidence:
            words = affirmed_words(documentation.sentence_of(evidence))
            if detail_in_words(code, suggestion.code, words):
                return suggestion
    return None


def _additional(code: str, claim: _Claim) -> CodeSuggestion | None:
    """For a billed unspecified code (N18.9, I50.9) of a category the notes document no code of:
    a documented code whose "use additional code" note asks for that category and whose own
    description names its condition (E11.22, I11.0) — the condition is documented, its stage or
    type is not found, and the billed code stays on the claim."""
    category = codeset.category(code)
    documented = claim.documentation.codes
    if any(codeset.category(s.code) == category for s in documented):
        return None
    return next((s for s in documented if states_additional(s.code, code)), None)


def _combination(code: str, claim: _Claim) -> CodeSuggestion | None:
    candidates = [
        s for s in claim.available(code) if upgrade_kind(code, s.code) is UpgradeKind.COMBINATION
    ]
    return closest(code, candidates)


def _history(code: str, claim: _Claim) -> CodeSuggestion | None:
    """A billed history/status code whose past condition the documentation states."""
    if not code.startswith(HISTORY_PREFIXES):
        return None
    for mention in (*claim.documentation.codes, *claim.documentation.excluded):
        if mention.assertion not in (Assertion.HISTORICAL, Assertion.FAMILY):
            continue
        target = billing_decision(mention.code, mention.assertion, claim.setting).code
        if target == code or (
            codeset.category(target) == codeset.category(code)
            and (codeset.is_default_code(target) or codeset.is_ancestor(code, target))
        ):
            return mention
    return None


def _supported(code: str, kind: MatchKind, documented: CodeSuggestion | None) -> BilledCodeVerdict:
    assert documented is not None
    return BilledCodeVerdict(
        code=code,
        description=_description(code),
        verdict=Verdict.SUPPORTED,
        match=kind,
        documented_code=documented.code,
        reason=_support_reason(code, kind, documented),
        evidence=documented.evidence,
    )


def _support_reason(code: str, kind: MatchKind, documented: CodeSuggestion) -> str:
    named = f"{documented.code} ({documented.description})"
    reasons = {
        MatchKind.EXACT: "documented as billed",
        MatchKind.MORE_SPECIFIC: f"documented more specifically as {named}",
        MatchKind.EXTERNAL_CAUSE: (
            f"the external cause of the documented injury {named}, as the notes describe it"
        ),
        MatchKind.WORDING: (
            f"the words around the documented {named} carry the billed code's detail"
        ),
        MatchKind.ADDITIONAL: (
            f"the documented {named} states the condition and asks for this code beside it "
            "('use additional code'); the notes give no more specific code of it"
        ),
        MatchKind.COMBINATION: (
            f"included in the documented combination code {named}: "
            f"{combination_reason(code, documented.code)}"
        ),
    }
    return reasons.get(
        kind,
        f"the documentation states the past condition ({documented.code}, "
        f"{documented.assertion.value})",
    )


def _not_supported(code: str, claim: _Claim) -> BilledCodeVerdict:
    documentation = claim.documentation
    reason, instead, evidence = why_not(code, documentation, claim.setting, claim.taken)
    if documentation.basis is ReviewBasis.NONE:
        reason = "the encounter has neither notes nor recorded diagnoses to support it"
    return BilledCodeVerdict(
        code=code,
        description=_description(code),
        verdict=Verdict.NOT_SUPPORTED,
        documented_code=instead,
        reason=reason,
        evidence=evidence,
    )


def _description(code: str) -> str | None:
    return codeset.description(code) if codeset.is_code(code) else None


def _snomed_verdict(concept: CodedConcept, documentation: Documentation) -> BilledCodeVerdict:
    inferred = documentation.snomed
    snomed = is_snomed(concept)
    if not snomed or inferred is None:
        return BilledCodeVerdict(
            code=concept.code,
            system=concept.system,
            description=concept.display,
            verdict=Verdict.NOT_COMPARABLE,
            reason=(
                "billed in SNOMED CT; no licensed SNOMED CT release is configured to compare "
                "it with the notes"
                if snomed
                else "billed in a code system clinrelay does not compare"
            ),
        )
    found = next((s for s in inferred if s.concept_id == concept.code), None)
    where = "notes" if documentation.has_notes else "recorded diagnoses"
    return BilledCodeVerdict(
        code=concept.code,
        system=SNOMED_SYSTEM,
        description=concept.display,
        verdict=Verdict.SUPPORTED if found else Verdict.NOT_SUPPORTED,
        match=MatchKind.EXACT if found else None,
        documented_code=found.concept_id if found else None,
        reason=(
            f"SNOMED CT concept documented in the {where}"
            if found
            else f"SNOMED CT concept not found in the encounter's {where}"
        ),
        evidence=found.evidence if found else (),
    )


def _preferred_concept(diagnosis: RecordedDiagnosis) -> CodedConcept | None:
    for concept in diagnosis.concepts:
        if is_icd10cm(concept):
            return concept
    return diagnosis.concepts[0] if diagnosis.concepts else None
