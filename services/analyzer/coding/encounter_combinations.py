"""What the encounter's codes combine or refine into: combination codes, integral symptoms and
superseded defaults, severe sepsis, a venous ulcer, an osteoporotic fracture, COPD with its
infection, statuses a sentence states instead of a condition, receptor status and cigarettes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.analyzer.coding import (
    cancer_status,
    codeset,
    osteoporotic_fracture,
    receptor_status,
    rewrites,
    severe_sepsis,
)
from services.analyzer.coding.combinations import (
    COPD_WITH_INFECTION,
    LOWER_RESPIRATORY_INFECTIONS,
    combination_codes,
    diabetes_type_renames,
    kidney_disease_not_diabetic,
    superseded_defaults,
)
from services.analyzer.coding.integral import explaining_diagnosis
from services.analyzer.coding.pending import (
    CURRENT,
    NoteText,
    Pending,
    combined,
    from_rule,
    merge,
)
from shared.events.coding import (
    Assertion,
    MentionCategory,
)


def rewrite_by_sentence(
    billed: dict[str, Pending], excluded: dict[tuple[str, Assertion], Pending]
) -> None:
    """Statuses instead of conditions, as the mention's sentence says (data/status_rewrites.tsv):
    a known allergy → its Z88/Z91.0 status, HIV never symptomatic → Z21."""
    for code in list(billed):
        pending = billed[code]
        sentence = pending.evidence[0].sentence or pending.evidence[0].text
        new = rewrites.rewritten(code, sentence)
        if new == code:
            new = rewrites.as_bite(code, [e.sentence or e.text for e in pending.evidence])
        if new == code:
            continue
        billed.pop(code)
        if new is None:
            pending.rationale = "an allergy without its allergen or a reaction: nothing to report"
            merge(excluded, (code, pending.assertion), pending)
            continue
        pending.rationale = f"{pending.rationale}; reported as {new} as the sentence states it"
        pending.code = new
        pending.category = MentionCategory.STATUS
        merge(billed, new, pending)


def settle_encounter(
    billed: dict[str, Pending], excluded: dict[tuple[str, Assertion], Pending]
) -> None:
    kidney = [
        e.sentence or e.text for c, p in billed.items() if c.startswith("N18") for e in p.evidence
    ]
    for combination in combination_codes(
        billed, kidney_not_diabetic=kidney_disease_not_diabetic(kidney)
    ):
        sources = [billed[c] for c in combination.because_of if c in billed]
        # A combination the notes also state outright keeps that statement's evidence (a
        # bleeding ulcer in the diagnoses beside the ulcer and melena of the procedure report).
        merge(billed, combination.code, combined(combination.code, sources, combination.rationale))
        for replaced in combination.replaces:
            billed.pop(replaced, None)
    for code, typed in diabetes_type_renames(billed).items():
        pending = billed.pop(code)
        pending.code = typed
        pending.rationale = f"{pending.rationale}; type 1 diabetes as documented ({code} → {typed})"
        merge(billed, typed, pending)
    for code in superseded_defaults(billed):
        billed.pop(code, None)
    for code in [c for c, p in billed.items() if _too_generic(p)]:
        pending = billed.pop(code)
        pending.rationale = "a single generic word names no condition a coder could report"
        merge(excluded, (code, pending.assertion), pending)
    current = [c for c, p in billed.items() if p.assertion in CURRENT]
    for code in list(billed):
        explained_by = explaining_diagnosis(code, current)
        if explained_by is not None and not _manifestation_of_sequela(billed[code], billed):
            pending = billed.pop(code)
            pending.rationale = (
                f"integral to {explained_by} ({codeset.description(explained_by)}): a symptom "
                "routinely part of a confirmed diagnosis is not coded (Section I.B.5)"
            )
            merge(excluded, (code, pending.assertion), pending)


# Conditions whose manifestations are coded with them (I.C.1.g.1.m: post COVID-19 condition is
# coded with the specific conditions related to the previous infection).
_SEQUELAE = ("U09.9",)


def _manifestation_of_sequela(symptom: Pending, billed: dict[str, Pending]) -> bool:
    """A symptom named in the sentence of a sequela ("post-COVID condition with fatigue") is that
    sequela's manifestation, coded beside it whatever other diagnosis might explain it."""
    sentences = {e.sentence for e in symptom.evidence if e.sentence}
    return any(
        e.sentence in sentences
        for code, pending in billed.items()
        if code.startswith(_SEQUELAE)
        for e in pending.evidence
    )


# Codes a lone generic word falls to, and which lone words: never reported on that word alone.
# R69 from any single word ("illness", "disease"); Z71.9 from a bare "counseling" (the subject
# of the counseling is what a coder codes: Z71.3, Z71.6…). ("painful" before the noun it
# qualifies — "painful swallowing" — is another sense: data/other_senses.tsv.) ("pain" → R52
# and "wound" → T14 stay:
# alone they may be all a note says; beside the diagnosis or injury that explains them they go by
# the integral-symptom and superseded tables.)
_GENERIC_WORDS: dict[str, frozenset[str] | None] = {
    "R69": None,
    "Z71.9": None,
}


def _too_generic(pending: Pending) -> bool:
    for prefix, words in _GENERIC_WORDS.items():
        if pending.code.startswith(prefix):
            return all(
                len(e.text.split()) == 1 and (words is None or e.text.lower() in words)
                for e in pending.evidence
            )
    return False


def add_severe_sepsis(notes: Sequence[NoteText], billed: dict[str, Pending]) -> None:
    """R65.20 beside a sepsis whose acute organ dysfunction the note ties to it (severe_sepsis.py,
    I.C.1.d.1.a)."""
    current = {c: p for c, p in billed.items() if p.assertion in CURRENT}
    coded = {
        code: [(e.text, e.sentence or e.text) for e in pending.evidence]
        for code, pending in current.items()
    }
    code = severe_sepsis.severe_sepsis_code(coded, (note.text for note in notes))
    if code is None:
        return
    sources = [p for c, p in current.items() if c.startswith(severe_sepsis.SEPSIS)]
    sources += [p for c, p in current.items() if c.startswith(severe_sepsis.ORGAN_DYSFUNCTION)]
    billed[code] = combined(
        code,
        sources,
        "sepsis with an acute organ dysfunction the note associates with it: severe sepsis "
        "(Section I.C.1.d.1.a), without septic shock",
    )


_VENOUS_ULCER = re.compile(r"\b(?:venous|stasis)\b", re.IGNORECASE)
# Codes that already name the ulcer's venous cause: varicose veins (the ulcer is theirs, I83.0-/
# I83.2-, whatever the varicose code found), venous hypertension or post-thrombotic syndrome with
# ulcer, venous insufficiency itself.
_VENOUS_CAUSES = ("I83", "I87.01", "I87.03", "I87.2", "I87.31", "I87.33")


def venous_ulcer(billed: dict[str, Pending]) -> None:
    """A venous or stasis ulcer of the leg (L97) without varicose veins is venous insufficiency
    I87.2 with the ulcer's L97 code (index: Ulcer, stasis, without varicose veins I87.2)."""
    if any(c.startswith(_VENOUS_CAUSES) for c in billed):
        return
    for code, pending in list(billed.items()):
        venous = any(_VENOUS_ULCER.search(e.sentence or e.text) for e in pending.evidence)
        if code.startswith("L97") and pending.assertion in CURRENT and venous:
            billed["I87.2"] = Pending(
                "I87.2",
                pending.assertion,
                pending.score,
                "a venous/stasis ulcer without varicose veins: venous insufficiency I87.2 "
                "with the ulcer's site and depth (L97)",
                True,
                (),
                list(pending.evidence),
            )
            return


def combine_osteoporotic_fracture(
    notes: Sequence[NoteText],
    billed: dict[str, Pending],
    excluded: dict[tuple[str, Assertion], Pending],
) -> None:
    """Osteoporosis with a fracture the notes call osteoporotic/fragility/pathological: M80.0-
    in place of the traumatic fracture, the osteoporosis and an unspecified pathological one."""
    if not any(osteoporotic_fracture.said_osteoporotic(note.text) for note in notes):
        return
    found = osteoporotic_fracture.combined(billed)
    if found is None:
        return
    m80, fracture, osteoporosis = found
    sources = [billed[fracture], billed[osteoporosis]]
    for code in [
        fracture,
        osteoporosis,
        *(c for c in billed if c.startswith(osteoporotic_fracture.PATHOLOGICAL_UNSPECIFIED)),
    ]:
        pending = billed.pop(code)
        pending.rationale = f"coded in the combination {m80} (Section I.C.13.d)"
        merge(excluded, (code, pending.assertion), pending)
    billed[m80] = combined(
        m80,
        sources,
        "age-related osteoporosis with current pathological fracture: the fracture the notes call "
        "osteoporotic (Section I.C.13.d.2)",
    )


def copd_infection_still_coded(
    billed: dict[str, Pending], excluded: dict[tuple[str, Assertion], Pending]
) -> None:
    """J44.0 stands only beside the infection it names: when the statement rule has since left
    the infection out ("COVID/flu neg" in the results), the COPD goes back to its own code, or
    to nothing when another J44 code is coded."""
    pending = billed.get("J44.0")
    if pending is None or not (pending.rationale or "").startswith(COPD_WITH_INFECTION):
        return
    if any(c.startswith(LOWER_RESPIRATORY_INFECTIONS) for c in billed):
        return
    billed.pop("J44.0")
    pending.rationale = "COPD: the infection J44.0 would name is not coded"
    if any(c.startswith("J44") for c in billed):
        merge(excluded, ("J44.0", pending.assertion), pending)
        return
    pending.code = "J44.9"
    merge(billed, "J44.9", pending)


def add_receptor_status(
    notes: Sequence[NoteText],
    billed: dict[str, Pending],
    excluded: dict[tuple[str, Assertion], Pending],
) -> None:
    """Z17 receptor status beside a coded malignancy, one code per receptor the notes state
    (receptor_status.py); a Z17 code a lone word gave ("HER2" of "HER2-negative") gives way."""
    if not any(cancer_status.is_malignancy(c) for c in billed):
        return
    for note in notes:
        statuses = receptor_status.receptor_statuses(note.text)
        if not statuses:
            continue
        for code in [c for c in billed if c.startswith("Z17")]:
            pending = billed.pop(code)
            pending.rationale = "receptor status as the notes state it (category Z17)"
            merge(excluded, (code, pending.assertion), pending)
        for status in statuses:
            billed[status.code] = from_rule(
                note.note_id,
                status,
                status.code,
                0.9,
                "receptor status of the malignancy, one code per receptor (category Z17)",
                MentionCategory.STATUS,
            )
        return


_CIGARETTES = re.compile(
    r"\b(?:cigarettes?|cigs?|ppd|packs? (?:a|per) day|pack[- ]?years?|pk[- ]?yrs?)\b", re.I
)


def nicotine_product(notes: Sequence[NoteText], billed: dict[str, Pending]) -> None:
    """Nicotine dependence of an unspecified product (F17.20x) when the notes say cigarettes
    anywhere ("smokes 1 ppd" in the history, "smoking" in the plan): F17.21x, cigarettes."""
    if not any(_CIGARETTES.search(note.text) for note in notes):
        return
    for code in [c for c in billed if c.startswith("F17.20")]:
        cigarettes = f"F17.21{code[6:]}"
        if codeset.is_billable(cigarettes):
            pending = billed.pop(code)
            pending.code = cigarettes
            pending.rationale = (
                f"{pending.rationale}; the notes say cigarettes ({code} → {cigarettes})"
            )
            merge(billed, cigarettes, pending)
