"""The few facts about the patient that risk adjustment needs: age, sex, Medicaid.

Medicaid rule (CMS-HCC uses Medicaid status as a model factor): the patient counts as Medicaid
when any coverage in the Bundle that is not cancelled or entered in error says so —

- a Coverage whose beneficiary is the patient (or names no one resolvable and the Bundle has at
  most one patient), top-level or contained in a Claim/ExplanationOfBenefit, with
  a ``type`` coding of the Source of Payment Typology (``https://nahdo.org/sopt``) in the Medicaid
  family (codes starting with ``2``) or Medicare–Medicaid dual eligibility (``14…``),
  or whose type text/display, payor name or payor display names a Medicaid program;
- or a Claim/ExplanationOfBenefit ``insurance.coverage.display`` that names one (Synthea writes
  the payer's name there).

"Names a Medicaid program" means it contains, ignoring case: ``medicaid``, ``dual eligib``, or a
state programme name in :data:`MEDICAID_PROGRAM_NAMES`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from shared.events.coding import Sex
from shared.intake.fhir.elements import iso
from shared.intake.fhir.parsed import PatientFacts
from shared.intake.fhir.validation import ValidEntry
from shared.intake.fhir.view import BundleView

AGE_CAP = 90
"""HIPAA Safe Harbor aggregates all ages over 89 into one category: they are reported as 90."""

SOPT_SYSTEMS = frozenset({"https://nahdo.org/sopt", "urn:oid:2.16.840.1.113883.3.221.5"})
MEDICAID_PROGRAM_NAMES = (
    "medicaid",
    "dual eligib",
    "medi-cal",
    "masshealth",
    "tenncare",
    "soonercare",
    "badgercare",
    "mainecare",
    "kancare",
)
_INACTIVE = frozenset({"cancelled", "entered-in-error"})


def read_patient(view: BundleView) -> tuple[PatientFacts | None, int]:
    """The Bundle's patient (None unless there is exactly one) and how many Patients it holds."""
    patients = view.of_type("Patient")
    if len(patients) != 1:
        return None, len(patients)
    entry = patients[0]
    patient = entry.model
    deceased = iso(patient.deceasedDateTime)
    return (
        PatientFacts(
            source=entry.ref,
            birth_date=iso(patient.birthDate),
            sex=_sex(patient.gender),
            deceased_date=deceased,
        ),
        1,
    )


def _sex(gender: str | None) -> Sex:
    try:
        return Sex(gender) if gender else Sex.UNKNOWN
    except ValueError:  # the models do not check codes ("robot" passes)
        return Sex.UNKNOWN


def age_at(birth_date: str | None, on: str | None) -> int | None:
    """Whole years from ``birth_date`` to the date part of ``on`` (ISO strings), capped at 90.

    A partial birth date ("1940", "1940-03") is taken as the first day of that year or month;
    None when either date is missing or unreadable, or ``on`` precedes the birth.
    """
    born = _date_part(birth_date)
    seen = _date_part(on)
    if born is None or seen is None or seen < born:
        return None
    years = seen.year - born.year - ((seen.month, seen.day) < (born.month, born.day))
    return min(years, AGE_CAP)


def age_on_february_1(birth_date: str | None, year: int) -> int | None:
    """The age on February 1 of ``year`` (the CMS-HCC payment-year rule), capped at 90."""
    return age_at(birth_date, f"{year:04d}-02-01")


def service_year(*dates: str | None) -> int | None:
    """The calendar year of the first readable date of service among ``dates``."""
    for value in dates:
        day = _date_part(value)
        if day is not None:
            return day.year
    return None


def _date_part(value: str | None) -> date | None:
    if not value:
        return None
    text = value[:10]
    if len(text) == 4:
        text += "-01-01"
    elif len(text) == 7:
        text += "-01"
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def has_medicaid(view: BundleView, patient: PatientFacts | None, patient_count: int) -> bool:
    """Whether any coverage of the patient is Medicaid (the rule in this module's docstring)."""
    for coverage in _coverages(view):
        if coverage.status in _INACTIVE:
            continue
        if _is_beneficiary(view, coverage, patient, patient_count) and _names_medicaid(
            view, coverage
        ):
            return True
    for claim_type in ("Claim", "ExplanationOfBenefit"):
        for entry in view.of_type(claim_type):
            for insurance in entry.model.insurance or ():
                display = insurance.coverage.display if insurance.coverage else None
                if _mentions_medicaid(display):
                    return True
    return False


def _coverages(view: BundleView) -> Iterator[Any]:
    for entry in view.of_type("Coverage"):
        yield entry.model
    for claim_type in ("Claim", "ExplanationOfBenefit"):
        for entry in view.of_type(claim_type):
            yield from entry.model.coverages()


def _is_beneficiary(
    view: BundleView, coverage: Any, patient: PatientFacts | None, patient_count: int
) -> bool:
    target = view.resolve(coverage.beneficiary)
    if target.entry is not None and patient is not None:
        return target.entry == patient.source.index
    return patient_count <= 1


def _names_medicaid(view: BundleView, coverage: Any) -> bool:
    kind = coverage.type
    if kind is not None:
        for coding in kind.coding or ():
            if (
                coding.system in SOPT_SYSTEMS
                and coding.code
                and coding.code.startswith(("2", "14"))
            ):
                return True
            if _mentions_medicaid(coding.display):
                return True
        if _mentions_medicaid(kind.text):
            return True
    for payor in coverage.payor or ():
        if _mentions_medicaid(payor.display):
            return True
        target = view.resolve(payor)
        payor_entry: ValidEntry | None = (
            view.entries.get(target.entry) if target.entry is not None else None
        )
        if payor_entry is not None and _mentions_medicaid(getattr(payor_entry.model, "name", None)):
            return True
    return False


def _mentions_medicaid(text: str | None) -> bool:
    if not text:
        return False
    lowered = text.lower()
    return any(name in lowered for name in MEDICAID_PROGRAM_NAMES)
