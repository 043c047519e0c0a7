"""One FAERS safety report as clinrelay keeps it: the compact projection the ingestor makes of an
openFDA drug/event result (:class:`FaersCase`), the product's role in it (:class:`DrugRole`) and
the case line listing printed and exported from it (:class:`CaseListingRow`, stored in PostgreSQL
behind a :class:`CaseListingRef`).

FAERS holds no patient identities; nothing here is a rate (no exposure denominator).

Compatibility: the renderer builds against these models. Add fields with defaults; never rename or
remove one.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Final, Literal
from uuid import UUID

from pydantic import Field

from shared.events.payload import PayloadModel


class DrugRole(StrEnum):
    """``drugcharacterization`` of the product in a report."""

    SUSPECT = "suspect"  # 1 (primary or secondary suspect)
    CONCOMITANT = "concomitant"  # 2
    INTERACTING = "interacting"  # 3
    UNKNOWN = "unknown"


ROLE_LABELS: Final[dict[DrugRole, str]] = {
    DrugRole.SUSPECT: "suspect (primary or secondary)",
    DrugRole.INTERACTING: "interacting",
    DrugRole.CONCOMITANT: "concomitant",
    DrugRole.UNKNOWN: "role not stated",
}


# --------------------------------------------------------------------------------------------------
# The compact projection of one FAERS report
# --------------------------------------------------------------------------------------------------


class PatientSex(StrEnum):
    FEMALE = "female"  # patientsex 2
    MALE = "male"  # patientsex 1
    UNKNOWN = "unknown"  # 0 or absent


class SeriousnessCriterion(StrEnum):
    """ICH E2B seriousness criteria, as FAERS flags them (``seriousness*`` = "1")."""

    DEATH = "death"
    LIFE_THREATENING = "life_threatening"
    HOSPITALISATION = "hospitalisation"
    DISABILITY = "disability"
    CONGENITAL_ANOMALY = "congenital_anomaly"
    OTHER = "other"


class ReactionOutcome(StrEnum):
    """``reactionoutcome`` 1–6."""

    RECOVERED = "recovered"
    RECOVERING = "recovering"
    NOT_RECOVERED = "not_recovered"
    RECOVERED_WITH_SEQUELAE = "recovered_with_sequelae"
    FATAL = "fatal"
    UNKNOWN = "unknown"


class ReportType(StrEnum):
    """``reporttype``: where the report came from."""

    SPONTANEOUS = "spontaneous"
    STUDY = "study"
    OTHER = "other"
    NOT_AVAILABLE = "not_available"


class ReporterQualification(StrEnum):
    """``primarysource.qualification`` 1–5."""

    PHYSICIAN = "physician"
    PHARMACIST = "pharmacist"
    OTHER_HEALTH_PROFESSIONAL = "other_health_professional"
    LAWYER = "lawyer"
    CONSUMER = "consumer"


class Reaction(PayloadModel):
    pt: str
    """MedDRA preferred term as reported (normalisation happens in the analyzer)."""
    outcome: ReactionOutcome | None = None


class FaersCase(PayloadModel):
    """One FAERS safety report reduced to what the analysis uses."""

    safetyreportid: str
    receivedate: date | None = None
    serious: bool | None = None
    seriousness: tuple[SeriousnessCriterion, ...] = ()
    sex: PatientSex = PatientSex.UNKNOWN
    age_years: float | None = Field(default=None, ge=0, le=150)
    """Onset age converted to years from ``patientonsetage`` and its unit."""
    age_group_reported: str | None = None
    """``patient.patientagegroup`` mapped to a word (neonate … elderly) when the age is missing."""
    role: DrugRole = DrugRole.UNKNOWN
    """The product's most suspect role in this report (suspect > interacting > concomitant)."""
    reactions: tuple[Reaction, ...] = ()
    report_type: ReportType | None = None
    country: str | None = None
    reporter_qualification: ReporterQualification | None = None
    """``primarysource.qualification``: who reported."""
    report_version: int | None = Field(default=None, ge=0)
    company_number: str | None = Field(default=None, max_length=100)
    """``companynumb``: the manufacturer's control number of the case."""
    duplicate_numbers: tuple[str, ...] = Field(default=(), max_length=10)
    """``reportduplicate.duplicatenumb``: other submitters' numbers for the same case."""
    products: tuple[str, ...] = Field(default=(), max_length=10)
    """The product as the report names it (``medicinalproduct`` of the matched entries)."""
    indications: tuple[str, ...] = Field(default=(), max_length=10)
    """``drugindication`` of the matched entries."""
    co_suspects: tuple[str, ...] = Field(default=(), max_length=20)
    """Other drugs of the report with a suspect or interacting role."""
    concomitants: tuple[str, ...] = Field(default=(), max_length=20)
    """Other drugs of the report with a concomitant role."""
    event_date: date | None = None
    """The case event date (FAERS' ``CASE EVENT DATE`` in the patient summary), when complete."""
    drug_start_date: date | None = None
    """The earliest complete ``drugstartdate`` of the matched entries."""

    @property
    def onset_days(self) -> int | None:
        """Days from the product's start to the event, when both dates are known and in order."""
        if self.event_date is None or self.drug_start_date is None:
            return None
        days = (self.event_date - self.drug_start_date).days
        return days if days >= 0 else None


class CaseListingRef(PayloadModel):
    """A case line listing stored in PostgreSQL (``cer_case_listings``) for the report."""

    table: Literal["cer_case_listings"] = "cer_case_listings"
    report_id: UUID
    rows: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class CaseListingRow(PayloadModel):
    """One case of the line listing, as printed and exported (one CSV line)."""

    safetyreportid: str
    report_version: int | None = None
    receivedate: date | None = None
    in_interval: bool = False
    reporter: str = ""
    country: str = ""
    age: str = ""
    sex: str = ""
    serious: str = ""
    """"serious: death, hospitalisation" / "non-serious" / "not stated"."""
    reactions: tuple[str, ...] = ()
    """Folded preferred terms, with the outcome when reported: "Dyspnoea (recovered)"."""
    role: DrugRole = DrugRole.UNKNOWN
    products: tuple[str, ...] = ()
    indications: tuple[str, ...] = ()
    co_suspects: tuple[str, ...] = ()
    concomitants: tuple[str, ...] = ()
    event_date: date | None = None
    drug_start_date: date | None = None
    onset_days: int | None = None
    duplicate_group: int | None = None
    """Cases sharing a number are duplicate-suspects of one another (rule in docs/cer.md)."""
    duplicate_reason: str = ""
