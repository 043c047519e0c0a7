"""Age, sex and Medicaid status for risk adjustment."""

from __future__ import annotations

from typing import Any

import pytest

from shared.events.coding import Sex
from shared.intake.fhir import parse_bundle
from shared.intake.fhir.demographics import age_at
from tests.unit.intake.fhir.builders import bundle, encounter, patient, ref, uuid_url


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        ("1951-06-02", "2024-06-01T23:00:00Z", 72),
        ("1951-06-02", "2024-06-02", 73),
        ("1930-01-01", "2024-03-14", 90),  # 94: over 89, reported as 90
        ("1934-03-15", "2024-03-14", 89),
        ("1951", "2024-03-14", 73),  # partial birth date: first day of that year
        ("1951-07", "2024-03-14", 72),
        ("2024-03-01", "2024-03-14", 0),
        ("2025-01-01", "2024-03-14", None),
        (None, "2024-03-14", None),
        ("1951-06-02", None, None),
    ],
)
def test_age_in_whole_years_capped_at_90(
    birth: str | None, on: str | None, age: int | None
) -> None:
    assert age_at(birth, on) == age


def test_sex_from_gender_and_unknown_codes_are_unknown() -> None:
    assert parse_bundle(bundle(patient(gender="male"))).patient.sex is Sex.MALE  # type: ignore[union-attr]
    assert parse_bundle(bundle(patient(gender="robot"))).patient.sex is Sex.UNKNOWN  # type: ignore[union-attr]


def test_several_patients_give_no_patient_facts() -> None:
    parsed = parse_bundle(bundle(patient("p1"), patient("p2")))
    assert (parsed.patient, parsed.patient_count) == (None, 2)


def coverage(**fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Coverage",
        "id": "cov1",
        "status": "active",
        "beneficiary": ref("p1"),
        "payor": [{"display": "Acme Health"}],
        **fields,
    }


SOPT = "https://nahdo.org/sopt"


@pytest.mark.parametrize(
    ("fields", "medicaid"),
    [
        ({"type": {"coding": [{"system": SOPT, "code": "2", "display": "MEDICAID"}]}}, True),
        ({"type": {"coding": [{"system": SOPT, "code": "213"}]}}, True),
        ({"type": {"coding": [{"system": SOPT, "code": "14"}]}}, True),  # dual eligible
        ({"type": {"coding": [{"system": SOPT, "code": "1"}]}}, False),  # Medicare
        ({"type": {"coding": [{"system": SOPT, "code": "3712", "display": "PPO"}]}}, False),
        ({"type": {"text": "State Medicaid plan"}}, True),
        ({"payor": [{"display": "MassHealth"}]}, True),
        ({"payor": [{"reference": uuid_url("org")}]}, True),  # organisation named Medicaid
        ({"type": {"text": "Medicaid"}, "status": "cancelled"}, False),
        ({"type": {"text": "Medicaid"}, "beneficiary": ref("elsewhere")}, True),  # one patient
        ({"type": {"text": "Medicaid"}, "beneficiary": ref("org")}, False),  # not the patient
    ],
)
def test_medicaid_rule(fields: dict[str, Any], medicaid: bool) -> None:
    parsed = parse_bundle(
        bundle(
            patient("p1"),
            {"resourceType": "Organization", "id": "org", "name": "Medicaid of Massachusetts"},
            coverage(**fields),
        )
    )
    assert parsed.medicaid is medicaid


def test_medicaid_is_not_attributed_when_the_bundle_has_several_patients() -> None:
    parsed = parse_bundle(bundle(patient("p1"), patient("p2"), coverage(type={"text": "Medicaid"})))
    assert parsed.medicaid is False


def test_medicaid_from_synthea_claim_insurance_display() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            {
                "resourceType": "Claim",
                "id": "cl1",
                "status": "active",
                "type": {"coding": [{"code": "institutional"}]},
                "use": "claim",
                "patient": ref("p1"),
                "created": "2024-03-14",
                "provider": {"display": "Clinic"},
                "priority": {"coding": [{"code": "normal"}]},
                "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "Medicaid"}}],
            },
        )
    )
    assert parsed.medicaid is True
