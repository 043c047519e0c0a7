"""ICD-10-CM codes for the notes of one encounter: mentions → specific codes → billing rules.

Each mention's matches become ranked candidates, each refined to the most specific billable code
its context supports. The top candidate goes through the setting's billing rules; mentions of the
same code across notes merge into one suggestion carrying all their evidence. Combination codes
and superseded "unspecified" codes are settled last, over the whole encounter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.analyzer.coding import codeset
from services.analyzer.coding.checkboxes import without_unchecked
from services.analyzer.coding.encounter_combinations import (
    add_receptor_status,
    add_severe_sepsis,
    combine_osteoporotic_fracture,
    copd_infection_still_coded,
    nicotine_product,
    rewrite_by_sentence,
    settle_encounter,
    venous_ulcer,
)
from services.analyzer.coding.encounter_status import (
    current_or_history_cancer,
    drop_resolved,
    left_out_of_the_statement,
    routine_exam_findings,
    settle_stroke_sequelae,
    settle_uncertain_at_discharge,
)
from services.analyzer.coding.mentions import FoundMention, find_mentions
from services.analyzer.coding.pending import NoteText, Pending, merge
from services.analyzer.coding.pregnancy_complications import add_pregnancy_complications
from services.analyzer.coding.rules import billing_decision
from services.analyzer.coding.specificity import further_complications, most_specific_code
from services.analyzer.coding.stated_codes import (
    add_adverse_effects,
    add_bmi,
    add_delivery,
    add_encounter_reasons,
    add_external_cause,
    add_gestation,
    add_immunization,
    add_long_term_drugs,
    add_poisonings,
    add_status_codes,
    add_stroke_scale,
)
from services.analyzer.coding.substance_dependence import settle_dependence
from services.analyzer.coding.traits import mention_category, mention_traits
from shared.events.coding import (
    Assertion,
    CareSetting,
    CodeCandidate,
    CodeSuggestion,
    Evidence,
    Mention,
    Sex,
)

__all__ = ["MAX_CANDIDATES", "EncounterCodes", "NoteText", "code_encounter", "mention_candidates"]

MAX_CANDIDATES = 5


@dataclass(frozen=True)
class EncounterCodes:
    mentions: tuple[Mention, ...]
    suggestions: tuple[CodeSuggestion, ...]
    excluded: tuple[CodeSuggestion, ...]


def mention_candidates(
    mention: FoundMention, known: frozenset[str] = frozenset()
) -> tuple[CodeCandidate, ...]:
    """Ranked, specificity-refined candidate codes for one mention (best first, unique).
    ``known``: words the record says of the patient beside the note (the sex, from
    Patient.gender), which refine a code as the note's own words do (C50.91- female → C50.911)."""
    seen: dict[str, CodeCandidate] = {}
    for match in (mention.group.best, *mention.group.alternatives):
        refined = most_specific_code(match.term.concept, mention.context_tokens | known)
        if refined.code in seen:
            continue
        seen[refined.code] = CodeCandidate(
            code=refined.code,
            description=codeset.description(refined.code),
            score=match.score,
            billable=refined.billable,
        )
    return tuple(seen.values())[:MAX_CANDIDATES]


def code_encounter(
    notes: Sequence[NoteText],
    setting: CareSetting,
    min_score: float = 0.5,
    *,
    sex: Sex = Sex.UNKNOWN,
) -> EncounterCodes:
    """Mentions, billable suggestions and excluded codes for one encounter's notes; ``sex``
    (Patient.gender) chooses between a code's female and male children when the note does not
    say (breast cancer of a woman: C50.91-, not the male C50.92-)."""
    known = frozenset({sex.value}) if sex in (Sex.FEMALE, Sex.MALE) else frozenset()
    mentions: list[Mention] = []
    resolved: set[str] = set()  # categories the notes say are over
    billed: dict[str, Pending] = {}
    excluded: dict[tuple[str, Assertion], Pending] = {}
    # A template's empty boxes name nothing of the patient, for every rule that reads the text.
    notes = [NoteText(n.note_id, without_unchecked(n.text)) for n in notes]
    for note in notes:
        for found in find_mentions(note.text):
            candidates = mention_candidates(found, known)
            mention = _mention(note.note_id, found, candidates)
            mentions.append(mention)
            top = candidates[0]
            if top.score < min_score:
                continue
            if found.resolved:
                resolved.add(top.code[:3])
            evidence = Evidence(
                note_id=note.note_id,
                start=found.start,
                end=found.end,
                text=found.text,
                section=found.section,
                sentence=found.sentence[:400],
            )
            _decide(found, mention, candidates, evidence, setting, billed, excluded)
    settle_uncertain_at_discharge(notes, billed, excluded, setting)
    drop_resolved(billed, excluded, resolved, setting)
    rewrite_by_sentence(billed, excluded)
    settle_stroke_sequelae(notes, billed, excluded)
    add_long_term_drugs(notes, billed)
    add_bmi(notes, billed)
    add_delivery(notes, billed, excluded)
    add_pregnancy_complications(notes, billed)
    add_gestation(notes, billed)
    settle_dependence(billed, excluded)
    settle_encounter(billed, excluded)
    add_severe_sepsis(notes, billed)
    venous_ulcer(billed)
    add_stroke_scale(notes, billed)
    current_or_history_cancer(billed, excluded, setting)
    nicotine_product(notes, billed)
    add_receptor_status(notes, billed, excluded)
    left_out_of_the_statement(billed, excluded)
    copd_infection_still_coded(billed, excluded)
    combine_osteoporotic_fracture(notes, billed, excluded)
    add_external_cause(notes, billed)
    add_immunization(notes, billed)
    routine_exam_findings(notes, billed, excluded)
    add_encounter_reasons(notes, billed)
    add_status_codes(notes, billed)
    add_poisonings(notes, billed, excluded)
    add_adverse_effects(notes, billed)
    return EncounterCodes(
        mentions=tuple(mentions),
        suggestions=tuple(p.build() for p in sorted(billed.values(), key=_order)),
        excluded=tuple(
            p.build() for p in sorted(excluded.values(), key=_order) if p.code not in billed
        ),
    )


def _decide(
    found: FoundMention,
    mention: Mention,
    candidates: tuple[CodeCandidate, ...],
    evidence: Evidence,
    setting: CareSetting,
    billed: dict[str, Pending],
    excluded: dict[tuple[str, Assertion], Pending],
) -> None:
    top = candidates[0]
    decision = billing_decision(top.code, found.assertion, setting, resolved=found.resolved)
    billable = codeset.is_billable(decision.code)
    if decision.bill and billable:
        category = mention_category(decision.code, found.text, found.section)
        pending = Pending(
            decision.code,
            found.assertion,
            top.score,
            decision.rationale,
            True,
            candidates,
            [evidence],
            category,
            mention_traits(category, top.score, found.traits),
        )
        merge(billed, decision.code, pending)
        if decision.code == top.code:
            # One diabetes phrase may name several complications (I.C.4.a: as many codes as
            # needed): "type 2 diabetes with hyperglycemia and diabetic CKD" → E11.65 and E11.22.
            for more in further_complications(decision.code, found.context_tokens):
                merge(
                    billed,
                    more,
                    Pending(
                        more,
                        found.assertion,
                        top.score,
                        f"{decision.rationale}; a further complication the same phrase names "
                        "(Section I.C.4.a)",
                        True,
                        candidates,
                        [evidence],
                        category,
                        pending.traits,
                    ),
                )
            return
    reason = decision.rationale if not decision.bill else "coded as its history code instead"
    if decision.bill and not billable:
        reason = "the note does not support a billable subcode: document more detail"
    pending = Pending(
        top.code,
        found.assertion,
        top.score,
        reason,
        top.billable,
        candidates,
        [evidence],
        mention.category,
        mention.traits,
    )
    merge(excluded, (top.code, found.assertion), pending)


def _order(pending: Pending) -> tuple[int, str]:
    first = min((e.start for e in pending.evidence), default=0)
    return first, pending.code


def _mention(note_id: str, found: FoundMention, candidates: tuple[CodeCandidate, ...]) -> Mention:
    top = candidates[0] if candidates else None
    score = top.score if top else 0.0
    category = mention_category(top.code if top else "", found.text, found.section)
    return Mention(
        note_id=note_id,
        start=found.start,
        end=found.end,
        text=found.text,
        category=category,
        assertion=found.assertion,
        score=round(score, 3),
        traits=mention_traits(category, score, found.traits),
        section=found.section,
        candidates=candidates,
    )
