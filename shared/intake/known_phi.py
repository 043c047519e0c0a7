"""PHI the record states in structured form, to be found again in free text.

The FHIR parser fills this from Patient, RelatedPerson, Practitioner and the like; the
de-identifier uses it as a dictionary of values it must not let through.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PersonName(BaseModel):
    model_config = ConfigDict(frozen=True)

    given: tuple[str, ...] = ()
    family: str | None = None
    prefix: tuple[str, ...] = ()
    suffix: tuple[str, ...] = ()
    text: str | None = None
    role: str = "patient"  # patient, relative, clinician, other


class PostalAddress(BaseModel):
    model_config = ConfigDict(frozen=True)

    lines: tuple[str, ...] = ()
    city: str | None = None
    district: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    text: str | None = None


class KnownPhi(BaseModel):
    """Identifiers of the people in one Bundle. Never leaves the ingestor."""

    model_config = ConfigDict(frozen=True)

    subject_key: str | None = None
    """A stable identifier of the patient (Patient.id, MRN) that keys the date-shift offset, so
    every report of one patient is shifted by the same number of days. Never emitted."""
    names: tuple[PersonName, ...] = ()
    birth_date: str | None = None  # ISO date as in Patient.birthDate
    deceased_date: str | None = None
    other_dates: tuple[str, ...] = ()  # birth dates of relatives, clinicians, other patients
    identifiers: tuple[str, ...] = ()  # MRN, SSN, driver's licence, plan and account numbers...
    addresses: tuple[PostalAddress, ...] = ()
    phones: tuple[str, ...] = ()
    faxes: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()  # hospitals, clinics, locations named in the Bundle
