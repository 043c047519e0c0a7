"""Whether a code stands for this encounter, as the whole encounter tells it: uncertain at
discharge, resolved, named only outside the diagnostic statement, a routine exam's findings, a
cancer current or history, a stroke past or present and the deficits it left (its sequelae)."""

from __future__ import annotations

from collections.abc import Sequence

from services.analyzer.coding import (
    cancer_status,
    codeset,
    diagnostic_statement,
    encounter_reasons,
    stroke_sequelae,
    uncertain_at_discharge,
)
from services.analyzer.coding.pending import (
    NoteText,
    Pending,
    evidence_sentences,
    merge,
)
from services.analyzer.coding.rules import billing_decision
from shared.events.coding import (
    Assertion,
    CareSetting,
    MentionCategory,
)


def settle_uncertain_at_discharge(
    notes: Sequence[NoteText],
    billed: dict[str, Pending],
    excluded: dict[tuple[str, Assertion], Pending],
    setting: CareSetting,
) -> None:
    """An inpatient uncertain diagnosis stays coded only as the final diagnostic statement leaves
    it: not ruled out elsewhere, in the statement, a working diagnosis rather than a differential
    or a running work-up (uncertain_at_discharge.py, Sections II.H and III.C)."""
    uncertain = [c for c, p in billed.items() if p.assertion is Assertion.UNCERTAIN]
    if setting is not CareSetting.INPATIENT or not uncertain:
        return
    everything = [*billed.values(), *excluded.values()]
    has_statement = any(
        e.section in uncertain_at_discharge.FINAL_STATEMENT for p in everything for e in p.evidence
    )
    discharged = uncertain_at_discharge.documents_discharge(note.text for note in notes)
    negated = [p for (_, a), p in excluded.items() if a is Assertion.NEGATED]
    for code in uncertain:
        pending = billed[code]
        ruled_out = any(
            n.code[:3] == code[:3]
            and uncertain_at_discharge.ruled_out_by(
                (e.section for e in n.evidence), has_statement=has_statement
            )
            for n in negated
        )
        places = [
            uncertain_at_discharge.Place(e.section, e.sentence or e.text, e.text)
            for e in pending.evidence
        ]
        reason = uncertain_at_discharge.why_not_coded(
            places, ruled_out=ruled_out, has_statement=has_statement, discharged=discharged
        )
        if reason is not None:
            del billed[code]
            pending.rationale = reason
            merge(excluded, (code, pending.assertion), pending)


def drop_resolved(
    billed: dict[str, Pending],
    excluded: dict[tuple[str, Assertion], Pending],
    resolved: set[str],
    setting: CareSetting,
) -> None:
    """A chronic condition named only in a history list is current, unless the notes say it
    is over ("childhood asthma" listed, "asthma resolved in adolescence" in the assessment).
    Outside an inpatient stay, a condition named as the reason for a past operation and said
    elsewhere to have resolved is not current either (an inpatient stay codes what it treated,
    resolved by discharge or not)."""
    for code in list(billed):
        pending = billed[code]
        over = pending.assertion is Assertion.HISTORICAL or (
            pending.assertion is Assertion.PRESENT and setting is not CareSetting.INPATIENT
        )
        if code[:3] in resolved and over:
            del billed[code]
            pending.rationale = "the notes say this condition resolved: not coded as current"
            merge(excluded, (code, pending.assertion), pending)


def left_out_of_the_statement(
    billed: dict[str, Pending], excluded: dict[tuple[str, Assertion], Pending]
) -> None:
    """What is named only outside the diagnostic statement — signs, symptoms, findings, acute
    conditions — is not coded when the statement names the encounter's conditions
    (diagnostic_statement.py: IV.D, IV.J, III.B)."""

    def found_in_statement(assertion: Assertion) -> bool:
        # A hedge is an uncertain diagnosis the final statement leaves uncoded (IV.H outpatient,
        # a work-up inpatient); one ruled out, or hedged only in the course of a stay, is none.
        sections = (
            diagnostic_statement.STATEMENT_SECTIONS
            if assertion is Assertion.PRESENT
            else uncertain_at_discharge.FINAL_STATEMENT
        )
        return any(
            a is assertion
            and code not in billed
            and uncertain_at_discharge.RULED_OUT not in pending.rationale
            and any(e.section in sections for e in pending.evidence)
            for (code, a), pending in excluded.items()
        )

    sections = {code: [e.section for e in p.evidence] for code, p in billed.items()}
    left_out = diagnostic_statement.left_out(
        sections,
        states_conditions=found_in_statement(Assertion.PRESENT),
        hedges=found_in_statement(Assertion.UNCERTAIN),
    )
    for code in left_out:
        pending = billed.pop(code)
        pending.rationale = (
            "named only outside the diagnostic statement (history, examination, results): not "
            "coded beside the conditions the provider concludes (Sections IV.D, IV.J, III.B)"
        )
        merge(excluded, (code, pending.assertion), pending)


# Routine examinations (general adult, well child, sports/administrative): their findings are
# what the provider identifies in the assessment (Section I.C.21.c.13).
_ROUTINE_EXAMS = ("Z00.0", "Z00.1", "Z02")


def routine_exam_findings(
    notes: Sequence[NoteText],
    billed: dict[str, Pending],
    excluded: dict[tuple[str, Assertion], Pending],
) -> None:
    """At a routine examination, a sign or symptom told only outside the diagnostic statement
    (the interval history's "picky eater", a review of systems) is no finding the provider
    identified: not coded, and not what makes the exam one "with abnormal findings"."""
    reasons = encounter_reasons.encounter_reasons([n.text for n in notes], list(billed))
    if not any(r.code.startswith(_ROUTINE_EXAMS) for r in reasons):
        return
    for code in [c for c in billed if c.startswith("R")]:
        pending = billed[code]
        if not diagnostic_statement.needs_the_statement(code):
            continue
        if diagnostic_statement.in_statement(e.section for e in pending.evidence):
            continue
        billed.pop(code)
        pending.rationale = (
            "a sign or symptom told outside the assessment of a routine examination: not a "
            "finding the provider identified (Section I.C.21.c.13)"
        )
        merge(excluded, (code, pending.assertion), pending)


def current_or_history_cancer(
    billed: dict[str, Pending],
    excluded: dict[tuple[str, Assertion], Pending],
    setting: CareSetting,
) -> None:
    """A cancer written both as current and as history: the words of its sentences decide
    (cancer_status.py, I.C.2.d/m). A cancer written only as history but treated now in the
    same sentence is current again."""
    for code in [c for c, p in billed.items() if p.assertion is Assertion.PRESENT]:
        history = billing_decision(code, Assertion.HISTORICAL, setting).code
        if not cancer_status.is_malignancy(code) or history == code or history not in billed:
            continue
        sentences = " \n".join(
            evidence_sentences(billed[code]) + evidence_sentences(billed[history])
        )
        decided = cancer_status.status(sentences)
        if decided is None:
            continue
        gone = history if decided is cancer_status.CancerStatus.CURRENT else code
        pending = billed.pop(gone)
        pending.rationale = (
            "under treatment now (adjuvant or active therapy): a current malignancy, not its "
            "history (Section I.C.2.m)"
            if gone == history
            else "excised or treated with no evidence of disease left: its personal-history "
            "code instead (Section I.C.2.d)"
        )
        merge(excluded, (gone, pending.assertion), pending)
    for (code, assertion), pending in list(excluded.items()):
        history = billing_decision(code, Assertion.HISTORICAL, setting).code
        if (
            assertion is Assertion.HISTORICAL
            and cancer_status.is_malignancy(code)
            and history in billed
            and codeset.is_billable(code)
            and cancer_status.treated_now(" \n".join(evidence_sentences(pending)))
        ):
            moved = billed.pop(history)
            moved.rationale = "the cancer is under treatment now: coded as current (I.C.2.m)"
            merge(excluded, (history, moved.assertion), moved)
            del excluded[(code, assertion)]
            pending.assertion = Assertion.PRESENT
            pending.rationale = (
                "written as history but under treatment now (adjuvant or active therapy): a "
                "current malignancy (Section I.C.2.m)"
            )
            merge(billed, code, pending)


_STROKES = ("I60", "I61", "I62", "I63")


def settle_stroke_sequelae(
    notes: Sequence[NoteText],
    billed: dict[str, Pending],
    excluded: dict[tuple[str, Assertion], Pending],
) -> None:
    """Side and dominance of a paralysis (I.C.6.a), and deficits a past stroke left coded as its
    sequelae (I69, I.C.9.d) instead of the deficit alone and Z86.73."""
    texts = {note.note_id: note.text for note in notes}

    def side_digit(pending: Pending) -> str | None:
        # The first of its sentences that tells the side ("R hemiparesis" in the assessment when
        # the history wrote "right-sided (dominant side) hemiparesis").
        return next(
            (
                digit
                for e in pending.evidence
                if (
                    digit := stroke_sequelae.paralysis_side_digit(
                        e.sentence or "", texts[e.note_id]
                    )
                )
                is not None
            ),
            None,
        )

    for code in list(billed):
        sided = stroke_sequelae.sided_code(code, side_digit(billed[code]))
        if sided != code:
            pending = billed.pop(code)
            pending.code = sided
            merge(billed, sided, pending)
    strokes = [
        (key, p)
        for key, p in billed.items()
        if p.candidates
        and p.candidates[0].code.startswith(_STROKES)
        and (
            p.assertion is Assertion.HISTORICAL
            or (
                p.assertion is Assertion.PRESENT
                and stroke_sequelae.past_stroke(e.sentence or "" for e in p.evidence)
            )
        )
    ]
    if not strokes:
        return
    for key, pending in strokes:
        if pending.assertion is Assertion.PRESENT:  # dated to a past year: history, not current
            billed.pop(key)
            pending.code, pending.assertion = "Z86.73", Assertion.HISTORICAL
            pending.rationale = "a stroke the note dates to the past: personal history (Z86.73)"
            pending.category = MentionCategory.STATUS
            merge(billed, "Z86.73", pending)
    strokes = [(k, p) for k, p in strokes if k in billed]
    if "Z86.73" in billed and all(k != "Z86.73" for k, _ in strokes):
        strokes.append(("Z86.73", billed["Z86.73"]))
    stroke = strokes[0][1].candidates[0].code
    sentences = {e.sentence or "" for _, p in strokes for e in p.evidence}
    deficits = [(code, p, billed) for code, p in billed.items()] + [
        (code, p, excluded)
        for (code, assertion), p in excluded.items()
        if assertion is Assertion.HISTORICAL
    ]
    added = False
    for code, pending, source in deficits:
        found = stroke_sequelae.deficit_of(code)
        if found is None or not any(
            stroke_sequelae.tied_to_a_stroke(e.sentence or "", sentences) for e in pending.evidence
        ):
            continue
        sequela = stroke_sequelae.sequela_code(
            stroke, stroke_sequelae.sided_code(code, side_digit(pending))
        )
        if sequela is None:
            continue
        merge(
            billed,
            sequela,
            Pending(
                sequela,
                Assertion.PRESENT,
                pending.score,
                f"deficit left by a past stroke ({stroke}): its sequela code (Section I.C.9.d)",
                True,
                pending.candidates,
                list(pending.evidence),
                MentionCategory.DIAGNOSIS,
            ),
        )
        added = True
        if not found.keep and source is billed:
            billed.pop(code, None)
    if added:
        for key, _ in strokes:
            billed.pop(key, None)  # Z86.73 is history *without* residual deficits
