"""Whether a parsed Bundle can become a coding report at all (the gateway's admission check)."""

from __future__ import annotations

from collections import Counter

from shared.intake.fhir.errors import BundleError, BundleErrorKind, Problem
from shared.intake.fhir.parsed import ParsedBundle


def check_coding_bundle(parsed: ParsedBundle) -> None:
    """Raise :class:`BundleError` (kind ``not_codable``, HTTP 422) unless the Bundle holds at most
    one Patient, at least one Encounter, and at least one clinical note with text — or, without
    notes, claim diagnoses and recorded Conditions to compare them with (a problem-list review)."""
    problems = []
    if parsed.patient_count > 1:
        problems.append(
            Problem(
                "Bundle",
                f"the Bundle holds {parsed.patient_count} Patient resources; "
                "a coding report covers one patient",
            )
        )
    if not parsed.encounters:
        problems.append(Problem("Bundle", "the Bundle has no Encounter resource"))
    if not parsed.notes and not has_problem_list_review(parsed):
        problems.append(Problem("Bundle", _no_note_message(parsed)))
    if problems:
        raise BundleError(
            "The Bundle cannot be coded: " + "; ".join(p.message for p in problems) + ".",
            problems,
            kind=BundleErrorKind.NOT_CODABLE,
        )


def has_problem_list_review(parsed: ParsedBundle) -> bool:
    """Whether a claim diagnosis can be compared with the recorded diagnoses (no notes needed)."""
    billed = any(e.billed_diagnoses for e in parsed.encounters)
    recorded = bool(parsed.unlinked_conditions) or any(e.diagnoses for e in parsed.encounters)
    return billed and recorded


def _no_note_message(parsed: ParsedBundle) -> str:
    message = "no DocumentReference or DiagnosticReport carries a text note"
    skipped = parsed.skipped_attachments
    if not skipped:
        return message + _NOTHING_TO_COMPARE
    reasons = Counter(
        f"{s.content_type}: {s.reason}"
        if s.content_type and s.content_type not in s.reason
        else s.reason
        for s in skipped
    )
    detail = ", ".join(f"{what} ×{n}" if n > 1 else what for what, n in reasons.most_common())
    noun = "attachment" if len(skipped) == 1 else "attachments"
    return f"{message} ({len(skipped)} {noun} skipped: {detail}){_NOTHING_TO_COMPARE}"


_NOTHING_TO_COMPARE = ", and no claim diagnosis can be compared with a recorded Condition instead"
