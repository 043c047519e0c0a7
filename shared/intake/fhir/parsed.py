"""What the ingestor reads out of a FHIR Bundle, before de-identification.

These models still hold PHI (note texts, names in :class:`KnownPhi`, resource ids, free text): they
never leave the ingestor. :func:`services.ingestor.coding.case.build_coding_case` turns them into
the de-identified :class:`shared.events.coding.CodingCase`.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from shared.events.coding import CareSetting, CodedConcept, DiagnosisSource, Sex
from shared.intake.fhir.errors import Problem
from shared.intake.known_phi import KnownPhi


class _Parsed(BaseModel):
    model_config = ConfigDict(frozen=True)


class EntryRef(_Parsed):
    """Which Bundle entry a fact came from."""

    index: int
    resource_type: str
    resource_id: str | None = None
    id_is_safe: bool = True
    """False when the id may itself identify someone (a Patient's id, an id equal to one of the
    resource's identifier values such as an MRN): then :attr:`label` leaves it out."""

    @property
    def label(self) -> str:
        """``entry[3] Encounter/abc``, or ``entry[0] Patient`` when the id could be PHI."""
        if self.resource_id and self.id_is_safe:
            return f"entry[{self.index}] {self.resource_type}/{self.resource_id}"
        return f"entry[{self.index}] {self.resource_type}"


class Label(_Parsed):
    """A human-readable name of a thing (note title, encounter type).

    ``coded`` labels are the display of a standard code and pass through unchanged; the others are
    free text typed by someone and must be de-identified (or dropped) before they leave.
    """

    text: str
    coded: bool


class NoteLink(StrEnum):
    REFERENCE = "reference"  # DocumentReference.context.encounter / DiagnosticReport.encounter
    ONLY_ENCOUNTER = "only-encounter"  # no link, but the Bundle has exactly one Encounter
    UNLINKED = "unlinked"


class ParsedNote(_Parsed):
    source: EntryRef
    attachment_path: str  # e.g. "content[0].attachment" or "presentedForm[1]"
    content_type: str
    title: Label | None = None
    date: str | None = None  # ISO date or date-time as the record states it
    text: str
    encounter_entry: int | None = None
    link: NoteLink = NoteLink.UNLINKED
    decoding_note: str | None = None  # set when the text had to be decoded by a fallback


class SkippedAttachment(_Parsed):
    """An attachment that holds no readable note text, and why."""

    source: EntryRef
    attachment_path: str
    content_type: str | None = None
    reason: str


class ParsedDiagnosis(_Parsed):
    concepts: tuple[CodedConcept, ...]
    text: str | None = None  # free text (CodeableConcept.text); PHI risk, never emitted as is
    source: DiagnosisSource
    clinical_status: str | None = None
    verification_status: str | None = None
    categories: tuple[str, ...] = ()
    use: str | None = None  # Encounter.diagnosis.use / Claim.diagnosis.type
    rank: int | None = None  # Encounter.diagnosis.rank
    sequence: int | None = None  # Claim.diagnosis.sequence
    condition: EntryRef | None = None  # the Condition this diagnosis comes from, if any
    encounter_entry: int | None = None
    claim: EntryRef | None = None  # the Claim/EOB that billed it (billed diagnoses only)


class ParsedBilledItem(_Parsed):
    sequence: int
    service: tuple[CodedConcept, ...]
    diagnosis_sequences: tuple[int, ...] = ()
    encounter_entries: tuple[int, ...] = ()  # from item.encounter
    claim: EntryRef | None = None


class ParsedClaim(_Parsed):
    """A Claim, or an ExplanationOfBenefit whose Claim is not in the Bundle."""

    source: EntryRef
    encounter_entries: tuple[int, ...]
    diagnoses: tuple[ParsedDiagnosis, ...]
    items: tuple[ParsedBilledItem, ...]


class ParsedEncounter(_Parsed):
    source: EntryRef
    class_code: str | None = None
    class_system: str | None = None
    setting: CareSetting = CareSetting.OTHER
    type: Label | None = None
    period_start: str | None = None
    period_end: str | None = None
    service_provider: str | None = None  # organisation name or display: PHI-adjacent, kept here
    notes: tuple[ParsedNote, ...] = ()
    diagnoses: tuple[ParsedDiagnosis, ...] = ()  # recorded: Condition and Encounter.diagnosis
    billed_diagnoses: tuple[ParsedDiagnosis, ...] = ()
    billed_items: tuple[ParsedBilledItem, ...] = ()
    claims: tuple[EntryRef, ...] = ()

    @property
    def has_billing(self) -> bool:
        return bool(self.claims)


class PatientFacts(_Parsed):
    source: EntryRef
    birth_date: str | None = None
    sex: Sex = Sex.UNKNOWN
    deceased_date: str | None = None


class UnresolvedReference(_Parsed):
    """A reference clinrelay follows that points at nothing in the Bundle (value not kept)."""

    location: str
    reason: str


class ParsedBundle(_Parsed):
    bundle_type: str
    resource_counts: dict[str, int]
    patient: PatientFacts | None
    patient_count: int
    encounters: tuple[ParsedEncounter, ...]
    unlinked_notes: tuple[ParsedNote, ...] = ()
    duplicate_notes: int = 0
    unlinked_conditions: tuple[ParsedDiagnosis, ...] = ()
    claims: tuple[ParsedClaim, ...] = ()
    unlinked_claims: int = 0
    skipped_attachments: tuple[SkippedAttachment, ...] = ()
    unresolved_references: tuple[UnresolvedReference, ...] = ()
    warnings: tuple[Problem, ...] = ()
    known_phi: KnownPhi
    medicaid: bool = False

    @property
    def notes(self) -> tuple[ParsedNote, ...]:
        """All notes with text: those of each encounter in order, then the unlinked ones."""
        linked = tuple(note for encounter in self.encounters for note in encounter.notes)
        return linked + self.unlinked_notes
