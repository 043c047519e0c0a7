"""Encounters, their order, and the care setting their class maps to."""

from __future__ import annotations

import pytest

from shared.events.coding import CareSetting
from shared.intake.fhir import parse_bundle
from shared.intake.fhir.encounters import care_setting
from tests.unit.intake.fhir.builders import ACT_CODE, bundle, encounter, patient


@pytest.mark.parametrize(
    ("code", "setting"),
    [
        ("AMB", CareSetting.OUTPATIENT),
        ("VR", CareSetting.OUTPATIENT),
        ("HH", CareSetting.OUTPATIENT),
        ("OBSENC", CareSetting.OUTPATIENT),
        ("SS", CareSetting.OUTPATIENT),
        ("PRENC", CareSetting.OUTPATIENT),
        ("IMP", CareSetting.INPATIENT),
        ("ACUTE", CareSetting.INPATIENT),
        ("NONAC", CareSetting.INPATIENT),
        ("EMER", CareSetting.EMERGENCY),
        ("emergency", CareSetting.EMERGENCY),
        ("wellness", CareSetting.OUTPATIENT),
        ("XYZ", CareSetting.OTHER),
    ],
)
def test_act_code_classes_map_to_care_settings(code: str, setting: CareSetting) -> None:
    assert care_setting(ACT_CODE, code) is setting
    assert care_setting(None, code) is setting


def test_codes_of_another_system_are_not_guessed() -> None:
    assert care_setting("urn:local:visit-types", "IMP") is CareSetting.OTHER
    assert care_setting(ACT_CODE, None) is CareSetting.OTHER


def test_encounters_are_in_chronological_order_across_time_zones() -> None:
    undated = encounter("undated")
    del undated["period"]
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("late", start="2024-03-14T09:00:00-05:00"),  # 14:00 UTC
            undated,
            encounter("early", start="2024-03-14T13:00:00Z"),
            encounter("withdrawn", status="entered-in-error"),
        )
    )
    assert [e.source.resource_id for e in parsed.encounters] == ["early", "late", "undated"]


def test_encounter_fields() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            {
                "resourceType": "Organization",
                "id": "o1",
                "name": "Larch Lane Clinic",
            },
            encounter(
                "e1",
                class_code="IMP",
                type=[{"text": "Admission for Johanna"}],
                serviceProvider={"reference": "Organization/o1"},
                period={"start": "2024-03-14", "end": "2024-03-18"},
            ),
        )
    )
    (e,) = parsed.encounters
    assert (e.class_code, e.setting, e.period_start, e.period_end) == (
        "IMP",
        CareSetting.INPATIENT,
        "2024-03-14",
        "2024-03-18",
    )
    assert e.type is not None
    assert (e.type.text, e.type.coded) == ("Admission for Johanna", False)
    assert e.service_provider == "Larch Lane Clinic"
