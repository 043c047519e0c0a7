"""Uncertain diagnoses of an inpatient stay: coded only as the final diagnostic statement has them.

Guidelines II.H and III.C code a diagnosis qualified as "probable", "suspected", "likely",
"questionable", "possible", "still to be ruled out" or "compatible with" as if it existed only
when it is so qualified *at the time of discharge*. A stay's notes hedge many things on the way —
"a pulmonary embolism was suspected in the ED" that the CTA excluded, "possible pneumonia on
admission" that the repeat film cleared, a differential in the admission H&P — and none of those
is the diagnosis documented at discharge. So, for an inpatient encounter, an uncertain mention is
coded only when all of these hold:

1. **It is not ruled out elsewhere in the notes.** A negated mention of the same condition
   (same category) in the course, the results or a diagnostic statement ("pneumonia ruled out",
   "CTA: no pulmonary embolism", "MRI showed no osteomyelitis") settles it. A negation in the
   review of systems, the examination or the history ("no prior PE") does not, nor one on an
   unheaded line of a note that has sections.
2. **It is in the final diagnostic statement.** When the notes carry a diagnostic statement
   (discharge or final diagnoses, impression, assessment/plan: section roles ``diagnoses`` and
   ``observation_and_plan``), an uncertain mention elsewhere — the history, the chief complaint,
   the course, the results, an unheaded paragraph — is the story of the stay, not its conclusion.
   Without any such section (a dictated summary in one paragraph) every place counts but the
   narrative sections (history, course, examination, results).
3. **It is a working diagnosis, not a work-up.** A differential ("differential includes A, B and
   C") names candidates, none of them the diagnosis, at any time. In a note that documents no
   discharge — an admission H&P, a progress note — "rule out X", "r/o X", "evaluate for X" is a
   test still running: the symptoms are coded, not X. Such a note has no discharge statement, so
   the guideline is applied to the latest statement the record holds: its assessment's
   "probable/likely/suspected" working diagnosis is coded as if established (what II.H would code
   if the stay ended on it), its work-ups are not. In a note that documents the discharge, a
   "rule out" still written in the final diagnoses is coded, as II.H says.

Outpatient and emergency encounters never code uncertain diagnoses (IV.H); that is
``rules.billing_decision``'s business, not this module's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Section roles (sections.py) where the provider states the stay's conclusions.
FINAL_STATEMENT = frozenset({"observation_and_plan", "diagnoses"})
# Sections that tell the story or the findings: without a statement section these still do not
# conclude anything ("possible pneumonia was considered on admission").
NARRATIVE = frozenset(
    {
        "chief_complaint",
        "history_of_present_illness",
        "hospital_course",
        "physical_exam",
        "labs_and_studies",
        "past_medical_history",
        "social_history",
        "review_of_systems",
        "family_history",
    }
)
# A negation here denies a symptom or a past event, it does not rule out the stay's diagnosis.
_NOT_A_RULING_OUT = frozenset(
    {
        "chief_complaint",
        "history_of_present_illness",
        "physical_exam",
        "past_medical_history",
        "social_history",
        "review_of_systems",
        "family_history",
    }
)

_DIFFERENTIAL = re.compile(r"\bdifferential\b|\bddx\b", re.IGNORECASE)
_WORK_UP = re.compile(
    r"\b(?:rule\s+out|r/o|evaluat(?:e|ion|ing)\s+for|work[- ]?up\s+for|assess(?:ing)?\s+for)\b",
    re.IGNORECASE,
)
_DISCHARGE = re.compile(
    r"\bdischarge\s+(?:summary|diagnos[ie]s|date|today|home|medications|instructions)\b"
    r"|\bdischarged\b|\b(?:at|on|upon|day\s+of|prior\s+to)\s+discharge\b"
    r"|\bdiagnos[ie]s\s+at\s+discharge\b",
    re.IGNORECASE,
)

RULED_OUT = "ruled out in the notes (a negated mention in the course, results or statement)"


@dataclass(frozen=True)
class Place:
    """Where one uncertain mention sits: its section role, sentence and words."""

    section: str | None
    sentence: str
    text: str


def documents_discharge(texts: Iterable[str]) -> bool:
    """True when the notes document the discharge (a discharge summary, discharge diagnoses, "on
    discharge", "discharged home"): their final statement is the one II.H reads."""
    return any(_DISCHARGE.search(text) for text in texts)


def ruled_out_by(sections: Iterable[str | None], *, has_statement: bool) -> bool:
    """True when a negated mention in one of ``sections`` rules the condition out. In notes with
    sections, only a known section that concludes or reports counts (course, results, statement):
    an unheaded line's negation may be a list's cue straying past its item ("without abscess or
    obstruction, and an enlarged prostate"); a note without any statement section (dictated in
    one paragraph) has nothing else."""
    return any(
        s not in _NOT_A_RULING_OUT and (s is not None or not has_statement) for s in sections
    )


def is_work_up(place: Place, *, discharged: bool) -> bool:
    """The mention is a candidate under investigation, not a working diagnosis: a differential
    (always), or a "rule out"/"evaluate for" before it in a note that documents no discharge."""
    sentence = place.sentence
    at = sentence.lower().find(place.text.lower())
    before = sentence[:at] if at >= 0 else sentence
    if _DIFFERENTIAL.search(before):
        return True
    return not discharged and bool(_WORK_UP.search(before))


def why_not_coded(
    places: Sequence[Place], *, ruled_out: bool, has_statement: bool, discharged: bool
) -> str | None:
    """Why an inpatient uncertain diagnosis is not coded, or None when II.H codes it.
    ``ruled_out``: a negated mention elsewhere settles it (``ruled_out_by``); ``has_statement``:
    the encounter's notes carry a diagnostic statement section; ``discharged``:
    ``documents_discharge``."""
    if ruled_out:
        return f"uncertain diagnosis {RULED_OUT}: not the diagnosis at discharge (Section II.H)"
    if has_statement:
        concluding = [p for p in places if p.section in FINAL_STATEMENT]
        where = "outside the final diagnostic statement (history, course, findings)"
    else:
        concluding = [p for p in places if p.section not in NARRATIVE]
        where = "only in the story of the stay (history, course, findings)"
    if not concluding:
        return (
            f"uncertain diagnosis {where}: coded inpatient only as the final diagnosis "
            "documents it (Section II.H)"
        )
    if all(is_work_up(p, discharged=discharged) for p in concluding):
        return (
            "a differential or a work-up still running (rule out, evaluate for), not a working "
            "diagnosis: its symptoms are coded (Sections II.H, III.C)"
        )
    return None
