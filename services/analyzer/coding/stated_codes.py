"""Codes a guideline rule adds from what a note states beside its diagnoses: long-term drugs,
BMI, gestation, a delivery's outcome, the NIHSS score, external causes, poisonings and adverse
effects, the encounter's reason, statuses and aftercare, immunization."""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.analyzer.coding import (
    adverse_effects,
    bmi,
    delivery,
    encounter_reasons,
    external_causes,
    gestation,
    immunization,
    stroke_scale,
)
from services.analyzer.coding.long_term_drugs import applies, drug_uses
from services.analyzer.coding.pending import (
    CURRENT,
    NoteText,
    Pending,
    from_rule,
    merge,
)
from services.analyzer.coding.pipeline import clinical_pipeline
from services.analyzer.coding.sections import Section, section_at
from services.analyzer.coding.status_codes import alzheimer_dementia, status_codes
from shared.events.coding import (
    Assertion,
    MentionCategory,
)


def add_stroke_scale(notes: Sequence[NoteText], billed: dict[str, Pending]) -> None:
    """The initial NIHSS score beside a current acute stroke (stroke_scale.py, I.C.18.e)."""
    current = [c for c, p in billed.items() if p.assertion in CURRENT]
    if any(c.startswith("R29.7") for c in billed) or not stroke_scale.with_acute_stroke(current):
        return
    for note in notes:
        score = stroke_scale.nihss_score(note.text)
        if score is not None:
            billed[score.code] = from_rule(
                note.note_id,
                score,
                score.code,
                0.9,
                "NIH stroke scale score beside the acute stroke (Section I.C.18.e)",
                MentionCategory.SIGN,
            )
            return


def add_external_cause(notes: Sequence[NoteText], billed: dict[str, Pending]) -> None:
    """How the encounter's initial-encounter injury happened (Guidelines I.C.20), when a note
    tells a mechanism of the external-cause table."""
    injury = external_causes.initial_injury(billed)
    if injury is None or any(c.startswith(("V", "W", "X", "Y")) for c in billed):
        return
    found = external_causes.external_cause([note.text for note in notes], injury)
    if found is None:
        return
    index, cause = found
    billed[cause.code] = from_rule(
        notes[index].note_id,
        cause,
        cause.code,
        0.85,
        f"external cause of {injury} as the note tells it (Section I.C.20)",
        MentionCategory.DIAGNOSIS,
    )


# Codes a documented poisoning makes redundant: the suicide attempt (T14.91) is the poisoning's
# intent character, a toxic effect of an unspecified substance (T65.9-) its drug left unnamed.
_SUPERSEDED_BY_POISONING = ("T14.91", "T65.9")


def add_poisonings(
    notes: Sequence[NoteText],
    billed: dict[str, Pending],
    excluded: dict[tuple[str, Assertion], Pending],
) -> None:
    """An overdose or poisoning of a drug the notes name (Section I.C.19.e.5.b): the drug class's
    poisoning code with the documented intent, in place of a bare suicide attempt or toxic effect
    of an unspecified substance."""
    found = adverse_effects.poisonings([n.text for n in notes])
    for poisoning in found:
        note = notes[poisoning.note_index]
        billed.setdefault(
            poisoning.code,
            from_rule(
                note.note_id,
                poisoning,
                poisoning.code,
                0.85,
                "poisoning by the drug the note names, with its documented intent "
                "(Section I.C.19.e.5.b)",
                MentionCategory.DIAGNOSIS,
            ),
        )
    if not found:
        return
    for code in [c for c in billed if c.startswith(_SUPERSEDED_BY_POISONING)]:
        pending = billed.pop(code)
        pending.rationale = (
            "the poisoning code names the drug and the intent (Section I.C.19.e.5.b): "
            "not coded beside it"
        )
        merge(excluded, (code, pending.assertion), pending)


def add_adverse_effects(notes: Sequence[NoteText], billed: dict[str, Pending]) -> None:
    """The drug class of an adverse effect the notes tie to a drug (Section I.C.19.e.5.a),
    beside the effect a diagnosis of this encounter codes."""
    if not any(not c.startswith(("Z", "V", "W", "X", "Y", "T")) for c in billed):
        return
    texts = [n.text for n in notes]
    for underdosed in adverse_effects.underdosings(texts):
        billed.setdefault(
            underdosed.code,
            from_rule(
                notes[underdosed.note_index].note_id,
                underdosed,
                underdosed.code,
                0.85,
                "underdosing of a drug: taken less than prescribed or not at all (I.C.19.e.5.c)",
                MentionCategory.MEDICATION,
            ),
        )
    # a class overdosed or underdosed is no adverse effect
    poisoned = {c[:5] for c in billed if c.startswith("T")}
    for effect in adverse_effects.adverse_effects(texts):
        if effect.code[:5] in poisoned:
            continue
        note = notes[effect.note_index]
        billed.setdefault(
            effect.code,
            from_rule(
                note.note_id,
                effect,
                effect.code,
                0.85,
                "adverse effect of a drug taken as prescribed, beside its effect (I.C.19.e.5.a)",
                MentionCategory.MEDICATION,
            ),
        )


def add_encounter_reasons(notes: Sequence[NoteText], billed: dict[str, Pending]) -> None:
    """The exam or treatment the visit is for (Section I.C.21.c), when the notes say it."""
    for reason in encounter_reasons.encounter_reasons([n.text for n in notes], list(billed)):
        note = notes[reason.note_index]
        billed.setdefault(
            reason.code,
            from_rule(
                note.note_id,
                reason,
                reason.code,
                0.85,
                "the reason for this encounter as the note names it (Section I.C.21.c)",
                MentionCategory.STATUS,
            ),
        )


_NOT_THE_PATIENTS_DRUGS = frozenset({"allergies", "family_history"})


def add_status_codes(notes: Sequence[NoteText], billed: dict[str, Pending]) -> None:
    """Statuses, aftercare and follow-up the notes state (data/status_codes.tsv: Z43, Z46.6,
    Z08, Z93, Z95, Z99), and Alzheimer's disease with its dementia (G30 + F02.8x)."""
    finder = clinical_pipeline().section_finder
    sections = [finder.sections(note.text) for note in notes]

    def not_the_patients(index: int, offset: int) -> bool:
        section = section_at(sections[index], offset)
        return section is not None and section.category in _NOT_THE_PATIENTS_DRUGS

    for found in status_codes([n.text for n in notes], list(billed), not_the_patients):
        note = notes[found.note_index]
        pending = from_rule(
            note.note_id,
            found,
            found.code,
            0.85,
            "a status, aftercare or follow-up the note states (Section I.C.21.c)",
            MentionCategory.STATUS,
        )
        if found.family != "alzheimer":
            billed.setdefault(found.code, pending)
            continue
        for code in [c for c in billed if c.startswith("G30") and c != found.code]:
            pending.absorb(billed.pop(code))
        pending.rationale = "Alzheimer's disease, coded first for its dementia (I.C.5.d)"
        pending.category = MentionCategory.DIAGNOSIS
        merge(billed, found.code, pending)
        clause = re.split(r"[.;\n]", note.text[found.start :], maxsplit=1)[0]
        dementia = alzheimer_dementia(list(billed), [n.text for n in notes], clause)
        if dementia is None:
            continue
        code, replaces = dementia
        for old in replaces:
            moved = billed.pop(old)
            moved.rationale = f"{moved.rationale}; dementia in Alzheimer's disease ({old} → {code})"
            moved.code = code
            merge(billed, code, moved)
        if code not in billed:
            billed.setdefault(
                code,
                from_rule(
                    note.note_id,
                    found,
                    code,
                    0.85,
                    "dementia in Alzheimer's disease, beside its G30 code (I.C.5.d)",
                    MentionCategory.DIAGNOSIS,
                ),
            )


def add_immunization(notes: Sequence[NoteText], billed: dict[str, Pending]) -> None:
    """Z23 when a note says a vaccine was given at this encounter (Section I.C.21.c.2)."""
    for note in notes:
        given = immunization.vaccine_administered(note.text)
        if given is None:
            continue
        billed[immunization.CODE] = from_rule(
            note.note_id,
            given,
            immunization.CODE,
            0.9,
            "a vaccine given at this encounter: encounter for immunization (Section I.C.21.c.2)",
            MentionCategory.STATUS,
        )
        return


def add_bmi(notes: Sequence[NoteText], billed: dict[str, Pending]) -> None:
    """The Z68 code of the last BMI the notes give, beside an obesity or weight diagnosis
    (Guidelines I.B.14: "use additional code to identify body mass index")."""
    if not bmi.reportable(billed) or any(c.startswith("Z68") for c in billed):
        return
    found = [(note, value) for note in notes for value in bmi.bmi_values(note.text)]
    if not found:
        return
    note, value = found[-1]
    code = bmi.bmi_code(value.value)
    billed[code] = from_rule(
        note.note_id,
        value,
        code,
        0.95,
        "body mass index beside the weight diagnosis it qualifies (Section I.B.14)",
        MentionCategory.STATUS,
    )


def add_delivery(
    notes: Sequence[NoteText],
    billed: dict[str, Pending],
    excluded: dict[tuple[str, Assertion], Pending],
) -> None:
    """A delivery's outcome (Z37), its complications by the notes' forms, and O80 only for an
    uncomplicated one (delivery.py, Guidelines I.C.15.n)."""
    finder = clinical_pipeline().section_finder
    for note in notes:
        found = delivery.delivery_codes(note.text)
        if not found:
            continue
        sections = finder.sections(note.text)

        _add_found(note.note_id, sections, found, billed)
        dropped: list[tuple[str, str]] = []
        if any(c.startswith("O72") for c in billed) and delivery.ATONY_IN_LABOUR in billed:
            dropped.append((delivery.ATONY_IN_LABOUR, "atony with a postpartum hemorrhage: O72.1"))
        others = [c for c in billed if c.startswith("O") and c != delivery.SVD]
        svd = delivery.uncomplicated_vaginal(note.text, bool(others))
        _add_found(note.note_id, sections, svd, billed)
        if not svd and delivery.SVD in billed:
            dropped.append((delivery.SVD, "O80 is never coded beside another Chapter 15 code"))
        for code, why in dropped:
            pending = billed.pop(code)
            pending.rationale = why
            merge(excluded, (code, pending.assertion), pending)
        return


def _add_found(
    note_id: str,
    sections: list[Section],
    items: Sequence[delivery.Found],
    billed: dict[str, Pending],
) -> None:
    for item in items:
        section = section_at(sections, item.start)
        pending = from_rule(
            note_id,
            item,
            item.code,
            0.9,
            item.why,
            MentionCategory.DIAGNOSIS,
            section=section.category if section else None,
        )
        merge(billed, item.code, pending)


def add_gestation(notes: Sequence[NoteText], billed: dict[str, Pending]) -> None:
    """Weeks of gestation (Z3A) beside a pregnancy code (Guidelines I.C.15.b.4)."""
    if not gestation.reportable(billed) or any(c.startswith("Z3A") for c in billed):
        return
    for note in notes:
        age = gestation.gestational_age(note.text)
        if age is None:
            continue
        code = gestation.weeks_code(age.weeks)
        billed[code] = from_rule(
            note.note_id,
            age,
            code,
            0.95,
            "weeks of gestation beside the pregnancy code (Section I.C.15.b.4)",
            MentionCategory.STATUS,
        )
        return


def add_long_term_drugs(notes: Sequence[NoteText], billed: dict[str, Pending]) -> None:
    """Z79 long-term drug therapy from the drugs the notes say are taken (the medication list
    included), beside the encounter's diagnoses."""
    finder = clinical_pipeline().section_finder
    coded = set(billed)
    for note in notes:
        sections = finder.sections(note.text)
        for use in drug_uses(note.text):
            section = section_at(sections, use.start)
            if section is not None and section.category in _NOT_THE_PATIENTS_DRUGS:
                continue
            if not applies(use, coded):
                continue
            pending = from_rule(
                note.note_id,
                use,
                use.code,
                0.9,
                f"long-term (current) use of {use.text.lower()} (Section I.C.21.c.3)",
                MentionCategory.MEDICATION,
                section=section.category if section else None,
            )
            merge(billed, use.code, pending)
