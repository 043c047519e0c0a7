"""From a parsed Bundle (with PHI) to the de-identified :class:`CodingCase` the analyzer receives.

What leaves, and why it is safe:

- note texts, de-identified all together in one call (surrogates stay consistent);
- free text that is not a standard code display (note titles and encounter types typed as text)
  goes through the same de-identification call; Condition/Claim ``code.text`` is not sent at all
  (the codes are), and a diagnosis with no code is dropped and counted (``uncoded_diagnoses``);
- code displays of standard codings pass unchanged: they name concepts, not people;
- ids are surrogates (``E1``, ``N1``, ``C1``) in chronological order; dates go through the
  de-identifier's ``transform_date`` (shifted, or dropped by policy);
- age is computed from the real dates and capped at 90, which Safe Harbor allows: at the
  latest encounter, and on February 1 of the year after it (the CMS-HCC payment-year rule
  needs the age on February 1 of the payment year; the analyzer moves it to that year);
- each encounter's calendar year of service leaves unshifted when the policy keeps years (Safe
  Harbor does), for the risk-adjustment data-collection window.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from services.ingestor.phi.port import DeidentificationError, DeidentifiedNotes, NoteDeidentifier
from shared.events.coding import (
    AgeOnFebruary1,
    BilledItem,
    CodingCase,
    Demographics,
    EncounterCase,
    Note,
    PhiSummary,
    RecordedDiagnosis,
)
from shared.intake.fhir.demographics import age_at, age_on_february_1, service_year
from shared.intake.fhir.parsed import (
    EntryRef,
    Label,
    ParsedBilledItem,
    ParsedBundle,
    ParsedDiagnosis,
    ParsedEncounter,
    ParsedNote,
)


class _FreeText:
    """Free-text labels queued for de-identification, fetched back after the call."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self._positions: dict[str, int] = {}
        self._cleaned: tuple[str, ...] = ()

    def queue(self, label: Label | None) -> None:
        if label is not None and not label.coded and label.text not in self._positions:
            self._positions[label.text] = len(self.texts)
            self.texts.append(label.text)

    def receive(self, cleaned: tuple[str, ...]) -> None:
        self._cleaned = cleaned

    def text_of(self, label: Label | None) -> str | None:
        """A coded label as is; a free-text one as de-identified."""
        if label is None:
            return None
        return label.text if label.coded else self._cleaned[self._positions[label.text]]


def build_coding_case(parsed: ParsedBundle, deidentify: NoteDeidentifier) -> CodingCase:
    """The de-identified coding case of a parsed Bundle.

    Encounters with neither notes nor claims are left out (counted in ``resource_counts``).
    Raises :class:`DeidentificationError` when de-identification fails or returns a result that
    does not match its input: the case is never built from text that was not de-identified.
    """
    kept = [e for e in parsed.encounters if e.notes or e.has_billing]
    notes = [note for encounter in kept for note in encounter.notes] + list(parsed.unlinked_notes)
    labels = _FreeText()
    for encounter in kept:
        labels.queue(encounter.type)
    for note in notes:
        labels.queue(note.title)

    texts = [note.text for note in notes] + labels.texts
    result = deidentify.deidentify_notes(texts, parsed.known_phi)
    if len(result.texts) != len(texts):
        raise DeidentificationError(
            f"the de-identifier returned {len(result.texts)} texts for {len(texts)} inputs"
        )
    labels.receive(tuple(result.texts[len(notes) :]))
    writer = _CaseWriter(result, notes, labels, _claim_ids(kept))
    return CodingCase(
        bundle_type=parsed.bundle_type,
        resource_counts=_counts(parsed, kept),
        demographics=_demographics(parsed, kept),
        encounters=tuple(writer.encounter(f"E{n}", e) for n, e in enumerate(kept, start=1)),
        unlinked_notes=tuple(writer.note(note) for note in parsed.unlinked_notes),
        problem_list=_diagnoses(parsed.unlinked_conditions, {}),
        phi=PhiSummary(
            method=result.method,
            policy=result.policy,
            spans_by_type=dict(result.spans_by_type),
            notes_processed=len(notes),
        ),
    )


class _CaseWriter:
    """Writes the de-identified case parts, numbering notes N1… in the order they were sent."""

    def __init__(
        self,
        result: DeidentifiedNotes,
        notes: list[ParsedNote],
        labels: _FreeText,
        claim_ids: dict[int, str],
    ) -> None:
        self.result = result
        self.labels = labels
        self.claim_ids = claim_ids
        self._position = {id(note): n for n, note in enumerate(notes)}

    def date(self, value: str | None) -> str | None:
        return self.result.transform_date(value) if value else None

    def note(self, note: ParsedNote) -> Note:
        position = self._position[id(note)]
        return Note(
            note_id=f"N{position + 1}",
            source=note.source.resource_type,
            title=self.labels.text_of(note.title),
            date=self.date(note.date),
            text=self.result.texts[position],
        )

    def encounter(self, encounter_id: str, encounter: ParsedEncounter) -> EncounterCase:
        return EncounterCase(
            encounter_id=encounter_id,
            encounter_class=encounter.class_code,
            setting=encounter.setting,
            type=self.labels.text_of(encounter.type),
            period_start=self.date(encounter.period_start),
            service_year=(
                service_year(encounter.period_start, encounter.period_end)
                if self.result.keep_years
                else None
            ),
            notes=tuple(self.note(note) for note in encounter.notes),
            recorded_diagnoses=_diagnoses(encounter.diagnoses, self.claim_ids),
            billed_diagnoses=_diagnoses(encounter.billed_diagnoses, self.claim_ids),
            billed_items=tuple(_billed_item(i, self.claim_ids) for i in encounter.billed_items),
        )


def _claim_ids(encounters: Iterable[ParsedEncounter]) -> dict[int, str]:
    ids: dict[int, str] = {}
    for encounter in encounters:
        for claim in encounter.claims:
            ids.setdefault(claim.index, f"C{len(ids) + 1}")
    return ids


def _claim_id(claim: EntryRef | None, claim_ids: dict[int, str]) -> str | None:
    return claim_ids.get(claim.index) if claim is not None else None


def _diagnoses(
    diagnoses: Iterable[ParsedDiagnosis], claim_ids: dict[int, str]
) -> tuple[RecordedDiagnosis, ...]:
    return tuple(
        RecordedDiagnosis(
            concepts=d.concepts,
            source=d.source,
            clinical_status=d.clinical_status,
            verification_status=d.verification_status,
            categories=d.categories,
            use=d.use,
            rank=d.rank,
            sequence=d.sequence,
            claim_id=_claim_id(d.claim, claim_ids),
        )
        for d in diagnoses
        if d.concepts
    )


def _billed_item(item: ParsedBilledItem, claim_ids: dict[int, str]) -> BilledItem:
    return BilledItem(
        sequence=item.sequence,
        service=item.service,
        diagnosis_sequences=item.diagnosis_sequences,
        claim_id=_claim_id(item.claim, claim_ids),
    )


def _demographics(parsed: ParsedBundle, kept: list[ParsedEncounter]) -> Demographics:
    patient = parsed.patient
    if patient is None:
        return Demographics(medicaid=parsed.medicaid)
    dates = [e.period_start or e.period_end for e in kept or parsed.encounters]
    latest = max((d for d in dates if d), key=lambda d: d[:10], default=None)
    reference_year = (service_year(latest) or date.today().year - 1) + 1
    february_age = age_on_february_1(patient.birth_date, reference_year)
    return Demographics(
        age_years=age_at(patient.birth_date, latest),
        sex=patient.sex,
        medicaid=parsed.medicaid,
        age_on_february_1=(
            AgeOnFebruary1(year=reference_year, age_years=february_age)
            if february_age is not None
            else None
        ),
    )


def _counts(parsed: ParsedBundle, kept: list[ParsedEncounter]) -> dict[str, int]:
    uncoded = sum(1 for e in kept for d in (*e.diagnoses, *e.billed_diagnoses) if not d.concepts)
    return {
        **parsed.resource_counts,
        "dropped_encounters": len(parsed.encounters) - len(kept),
        "duplicate_notes": parsed.duplicate_notes,
        "skipped_attachments": len(parsed.skipped_attachments),
        "unlinked_claims": parsed.unlinked_claims,
        "uncoded_diagnoses": uncoded,
        "unresolved_references": len(parsed.unresolved_references),
    }
