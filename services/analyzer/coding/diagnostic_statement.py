"""Conditions the provider's diagnostic statement leaves out are not coded.

A certified coder codes what the provider concludes, not every word of the story. When an
encounter's notes carry a diagnostic statement — an assessment, impression, diagnosis or problem
list, or, inpatient, the hospital course that says what was treated — and it names conditions, a
sign, symptom, finding or acute condition mentioned only in the history of present illness, the
chief complaint, the examination, the results or the opening narrative is not coded:

- outpatient, only conditions that "require or affect patient care" are coded (Guidelines IV.J),
  and symptoms only "when a diagnosis has not been established" (IV.D) — what the provider did
  not carry into the assessment is neither ("prodrome of nausea" beside "Dx: vasovagal syncope",
  "ultrasound: gallstones" beside an assessment of pancreatitis, "tired but consolable");
- abnormal findings (laboratory, imaging, examination) are not coded unless the provider notes
  their clinical significance (III.B, IV.K) — the assessment is where that is done.

Not left out: chronic conditions (``rules.CHRONIC_CATEGORIES``: documented anywhere they are
current and affect care), Z codes (statuses, histories and encounter reasons have rules of their
own), external causes (V–Y) and the chapter 18 codes reported wherever documented (a stroke or
coma scale, the dysphagia of a stroke sequela). Not applied when the statement hedges (an
uncertain diagnosis there is not coded outpatient, and its symptoms are what is reported: IV.H)
or names nothing (a plan of "supportive care" is no diagnostic statement).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from services.analyzer.coding.rules import CHRONIC_CATEGORIES
from services.analyzer.coding.severe_sepsis import SEPSIS

# Section roles where the provider states the encounter's diagnoses (sections.py categories).
STATEMENT_SECTIONS = frozenset({"observation_and_plan", "diagnoses", "hospital_course"})

# Coded wherever documented: statuses and histories (Z), external causes (V–Y), scores other
# clinicians record (I.C.18.e: NIHSS R29.7-, Glasgow coma scale R40.2-) and the dysphagia a
# stroke sequela asks for (R13.1-).
_ANYWHERE = ("Z", "V", "W", "X", "Y", "R29.7", "R40.2", "R13.1")


# A code of the statement that presupposes another: severe sepsis (R65.2-) is coded after its
# systemic infection (I.C.1.d.1.a), so "Impression: severe sepsis due to pneumonia" keeps the
# sepsis the decision making named.
_PRESUPPOSES = (("R65.2", SEPSIS),)


def in_statement(sections: Iterable[str | None]) -> bool:
    """True when any of ``sections`` (an evidence's section roles) is a diagnostic statement."""
    return any(s in STATEMENT_SECTIONS for s in sections)


def needs_the_statement(code: str) -> bool:
    """A code coded only when the diagnostic statement carries it (when there is one): not a
    chronic condition, a status or history, an external cause or a score."""
    return not code.startswith(_ANYWHERE) and code[:3] not in CHRONIC_CATEGORIES


def left_out(
    coded: Mapping[str, Iterable[str | None]], *, states_conditions: bool, hedges: bool
) -> list[str]:
    """The codes of ``coded`` (code → its evidence's section roles) that the encounter's
    diagnostic statement leaves out, in ``coded``'s order.

    ``states_conditions``: the statement names a condition as present (coded, or found and left
    uncoded for want of detail — "fracture of the malleolus" still concludes the visit).
    ``hedges``: the statement holds an uncertain diagnosis that is not coded, whose symptoms
    must then be coded wherever the notes give them (IV.H)."""
    by_code = {code: tuple(sections) for code, sections in coded.items()}
    stated = {code for code, sections in by_code.items() if in_statement(sections)}
    if hedges or not (stated or states_conditions):
        return []
    presupposed = tuple(
        prefix
        for stating, prefixes in _PRESUPPOSES
        if any(code.startswith(stating) for code in stated)
        for prefix in prefixes
    )
    return [
        code
        for code in by_code
        if needs_the_statement(code) and code not in stated and not code.startswith(presupposed)
    ]
