"""Payloads of a coding report as it moves ingestor → analyzer → renderer.

Everything here is de-identified: the ingestor builds :class:`CodingCase` from a FHIR Bundle after
removing PHI, and nothing downstream ever sees the Bundle. Identifiers are surrogates (``E1``,
``N3``) and dates are shifted or reduced to the year, as the ingestor's policy says.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

ICD10CM_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED_SYSTEM = "http://snomed.info/sct"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class CareSetting(StrEnum):
    """The coding rules that apply depend on where the encounter happened."""

    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"
    EMERGENCY = "emergency"
    OTHER = "other"


class Demographics(_Model):
    """What risk adjustment needs, without identifying anyone (ages over 89 are reported as 90)."""

    age_years: int | None = Field(default=None, ge=0, le=90)
    sex: Sex = Sex.UNKNOWN
    medicaid: bool = False


class CodedConcept(_Model):
    system: str
    code: str
    display: str | None = None


class DiagnosisSource(StrEnum):
    CONDITION = "Condition"
    ENCOUNTER = "Encounter.diagnosis"
    CLAIM = "Claim.diagnosis"
    EXPLANATION_OF_BENEFIT = "ExplanationOfBenefit.diagnosis"  # read only when its Claim is absent


class RecordedDiagnosis(_Model):
    """A diagnosis the record states in structured form (not inferred from text)."""

    concepts: tuple[CodedConcept, ...]
    source: DiagnosisSource
    clinical_status: str | None = None
    verification_status: str | None = None
    categories: tuple[str, ...] = ()  # Condition.category codes (encounter-diagnosis, ...)
    use: str | None = None  # Encounter.diagnosis.use / Claim.diagnosis.type (admitting, ...)
    rank: int | None = None  # Encounter.diagnosis.rank (1 = primary)
    sequence: int | None = None  # Claim.diagnosis.sequence, what BilledItem points at
    claim_id: str | None = None  # surrogate of the claim that billed it ("C1"), billed only


class BilledItem(_Model):
    """One line of a Claim: what was billed, and which claim diagnoses it points at."""

    sequence: int
    service: tuple[CodedConcept, ...]
    diagnosis_sequences: tuple[int, ...] = ()
    claim_id: str | None = None  # surrogate of the claim ("C1"): sequences are per claim


class Note(_Model):
    """One clinical note, de-identified. ``text`` is the only free text that leaves the ingestor."""

    note_id: str
    source: str  # "DocumentReference" or "DiagnosticReport"
    title: str | None = None
    date: str | None = None  # shifted ISO date, or None when the policy drops dates
    text: str


class EncounterCase(_Model):
    encounter_id: str
    encounter_class: str | None = None  # v3 ActCode, e.g. AMB, IMP, EMER
    setting: CareSetting = CareSetting.OTHER
    type: str | None = None
    period_start: str | None = None  # shifted ISO date
    notes: tuple[Note, ...] = ()
    recorded_diagnoses: tuple[RecordedDiagnosis, ...] = ()
    billed_diagnoses: tuple[RecordedDiagnosis, ...] = ()
    billed_items: tuple[BilledItem, ...] = ()


class PhiSummary(_Model):
    """What de-identification did, in counts only: never the values it removed."""

    method: str
    policy: str
    spans_by_type: dict[str, int] = Field(default_factory=dict)
    notes_processed: int = 0


class CodingCase(_Model):
    """Payload of ``report.ingested`` for a coding report."""

    bundle_type: str
    resource_counts: dict[str, int]
    """Resources in the Bundle by type (``"Encounter": 12``), plus what the ingestor set aside,
    under lower-case keys: ``dropped_encounters`` (no notes, no claims), ``duplicate_notes``,
    ``skipped_attachments``, ``unlinked_claims``, ``uncoded_diagnoses``,
    ``unresolved_references``."""
    demographics: Demographics
    encounters: tuple[EncounterCase, ...]
    phi: PhiSummary
    unlinked_notes: tuple[Note, ...] = ()
    """Notes that name no encounter, when the Bundle has several encounters."""


class Assertion(StrEnum):
    """How a mention is asserted in the text (ConText-style)."""

    PRESENT = "present"
    NEGATED = "negated"
    UNCERTAIN = "uncertain"
    HYPOTHETICAL = "hypothetical"
    HISTORICAL = "historical"
    FAMILY = "family"


class Evidence(_Model):
    note_id: str
    start: int
    end: int
    text: str  # the de-identified snippet the code rests on


class CodeSuggestion(_Model):
    code: str  # ICD-10-CM with the dot, e.g. E11.65
    description: str
    score: float = Field(ge=0.0, le=1.0)
    assertion: Assertion = Assertion.PRESENT
    billable: bool = True
    evidence: tuple[Evidence, ...] = ()


class BilledCodeFinding(_Model):
    """A billed code and how the note bears on it."""

    code: str
    description: str | None = None
    system: str = ICD10CM_SYSTEM
    reason: str


class SpecificityUpgrade(_Model):
    billed_code: str
    suggested: CodeSuggestion


class Comparison(_Model):
    """Billed versus documented for one encounter."""

    matched: tuple[str, ...] = ()
    documented_not_billed: tuple[CodeSuggestion, ...] = ()
    billed_not_documented: tuple[BilledCodeFinding, ...] = ()
    specificity_upgrades: tuple[SpecificityUpgrade, ...] = ()


class EncounterCoding(_Model):
    encounter_id: str
    setting: CareSetting
    type: str | None = None
    period_start: str | None = None
    note_ids: tuple[str, ...] = ()
    suggestions: tuple[CodeSuggestion, ...] = ()
    excluded: tuple[CodeSuggestion, ...] = ()  # found but not billable here (negated, family...)
    comparison: Comparison = Comparison()


class CodingAnalysis(_Model):
    """Payload of ``report.analyzed`` for a coding report."""

    code_set: str  # e.g. "ICD-10-CM FY2026 (simple-icd-10-cm 1.5.0)"
    method: str
    demographics: Demographics
    encounters: tuple[EncounterCoding, ...]
    phi: PhiSummary
    notices: tuple[str, ...] = ()  # things the reader must know (e.g. SNOMED inference off)
