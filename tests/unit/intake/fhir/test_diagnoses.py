"""Recorded diagnoses: Condition and Encounter.diagnosis."""

from __future__ import annotations

from shared.events.coding import DiagnosisSource
from shared.intake.fhir import parse_bundle
from tests.unit.intake.fhir.builders import (
    ICD10,
    bundle,
    condition,
    encounter,
    patient,
    ref,
)


def test_encounter_diagnosis_list_gives_use_and_rank_and_each_condition_appears_once() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter(
                "e1",
                class_code="IMP",
                diagnosis=[
                    {
                        "condition": ref("c2"),
                        "use": {"coding": [{"code": "AD", "display": "Admission diagnosis"}]},
                        "rank": 1,
                    },
                    {"condition": ref("c1"), "rank": 2},
                    {
                        "condition": ref("x1", "type-id", "Procedure")
                    },  # a procedure, not a diagnosis
                ],
            ),
            encounter("e2", start="2024-05-01"),
            condition(
                "c1",
                "E11.65",
                "Type 2 diabetes mellitus with hyperglycemia",
                encounter_ref=ref("e1"),
            ),
            condition("c2", "I50.9", "Heart failure, unspecified"),
            condition("c3", "I10", "Essential (primary) hypertension", encounter_ref=ref("e1")),
            condition("c4", "J45.909", "Unspecified asthma", encounter_ref=ref("e2")),
        )
    )
    first, second = parsed.encounters
    assert [(d.concepts[0].code, d.source, d.use, d.rank) for d in first.diagnoses] == [
        ("I50.9", DiagnosisSource.ENCOUNTER, "AD", 1),
        ("E11.65", DiagnosisSource.ENCOUNTER, None, 2),
        ("I10", DiagnosisSource.CONDITION, None, None),
    ]
    assert first.diagnoses[0].concepts[0].system == ICD10
    assert [d.concepts[0].code for d in second.diagnoses] == ["J45.909"]
    assert not parsed.unresolved_references  # the Procedure is skipped, not an error


def test_condition_statuses_and_categories_are_kept_entered_in_error_dropped() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            condition(
                "c1",
                "J18.9",
                "Pneumonia, unspecified organism",
                encounter_ref=ref("e1"),
                verificationStatus={"coding": [{"code": "refuted"}]},
                clinicalStatus={"coding": [{"code": "resolved"}]},
                category=[{"coding": [{"code": "problem-list-item"}]}, {"text": "free"}],
            ),
            condition(
                "c2",
                "C50.911",
                "Malignant neoplasm",
                encounter_ref=ref("e1"),
                verificationStatus={"coding": [{"code": "entered-in-error"}]},
            ),
        )
    )
    (diagnosis,) = parsed.encounters[0].diagnoses
    assert (diagnosis.clinical_status, diagnosis.verification_status) == ("resolved", "refuted")
    assert diagnosis.categories == ("problem-list-item",)


def test_conditions_without_encounter_are_unlinked_when_there_are_several_encounters() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            encounter("e2", start="2024-05-01"),
            condition("c1", "I10", "Essential (primary) hypertension"),
        )
    )
    assert all(not e.diagnoses for e in parsed.encounters)
    assert [d.concepts[0].code for d in parsed.unlinked_conditions] == ["I10"]


def test_uncoded_condition_keeps_its_text_but_no_concepts() -> None:
    uncoded = condition("c1", "x", "x", encounter_ref=ref("e1"))
    uncoded["code"] = {"text": "Johanna's usual migraine"}
    parsed = parse_bundle(bundle(patient(), encounter("e1"), uncoded))
    (diagnosis,) = parsed.encounters[0].diagnoses
    assert diagnosis.concepts == ()
    assert diagnosis.text == "Johanna's usual migraine"
