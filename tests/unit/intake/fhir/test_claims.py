"""Billed diagnoses and items from Claim (and ExplanationOfBenefit), by encounter."""

from __future__ import annotations

from typing import Any

from shared.events.coding import DiagnosisSource
from shared.intake.fhir import parse_bundle
from tests.unit.intake.fhir.builders import (
    ICD10,
    bundle,
    claim,
    condition,
    encounter,
    patient,
    ref,
)

CPT = "http://www.ama-assn.org/go/cpt"


def icd(sequence: int, code: str, display: str, **fields: Any) -> dict[str, Any]:
    return {
        "sequence": sequence,
        "diagnosisCodeableConcept": {
            "coding": [{"system": ICD10, "code": code, "display": display}]
        },
        **fields,
    }


def item(
    sequence: int, code: str, *pointers: int, encounter_id: str | None = None
) -> dict[str, Any]:
    line: dict[str, Any] = {
        "sequence": sequence,
        "productOrService": {"coding": [{"system": CPT, "code": code}]},
    }
    if pointers:
        line["diagnosisSequence"] = list(pointers)
    if encounter_id is not None:
        line["encounter"] = [ref(encounter_id)]
    return line


def test_claim_diagnoses_by_code_or_condition_and_items_with_pointers() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            encounter("e2", start="2024-05-01"),
            condition("c1", "I10", "Essential (primary) hypertension", encounter_ref=ref("e1")),
            claim(
                "cl1",
                diagnoses=[
                    icd(
                        1,
                        "E11.9",
                        "Type 2 diabetes mellitus without complications",
                        type=[{"coding": [{"code": "principal"}]}],
                    ),
                    {"sequence": 2, "diagnosisReference": ref("c1")},
                ],
                items=[item(1, "99214", 1, 2, encounter_id="e1"), item(2, "83036", 1)],
            ),
        )
    )
    first, second = parsed.encounters
    assert [(d.sequence, d.concepts[0].code, d.source, d.use) for d in first.billed_diagnoses] == [
        (1, "E11.9", DiagnosisSource.CLAIM, "principal"),
        (2, "I10", DiagnosisSource.CLAIM, None),
    ]
    assert first.billed_diagnoses[1].clinical_status == "active"  # from the Condition
    assert [(i.sequence, i.service[0].code, i.diagnosis_sequences) for i in first.billed_items] == [
        (1, "99214", (1, 2)),
        (2, "83036", (1,)),  # the claim bills one encounter: its unlinked items are that one's
    ]
    assert [c.resource_id for c in first.claims] == ["cl1"]
    assert not second.has_billing


def test_claim_spanning_two_encounters_splits_items_and_their_diagnoses() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            encounter("e2", start="2024-05-01"),
            claim(
                "cl1",
                diagnoses=[
                    icd(1, "E11.9", "T2DM"),
                    icd(2, "J45.909", "Asthma"),
                    icd(3, "Z79.4", "Insulin"),
                ],
                items=[
                    item(1, "99213", 1, encounter_id="e1"),
                    item(2, "99214", 2, encounter_id="e2"),
                    item(3, "94010", 2),  # names no encounter: stays unassigned
                ],
            ),
        )
    )
    first, second = parsed.encounters
    # Each gets the diagnoses its items point at, plus those no item points at (3).
    assert [d.sequence for d in first.billed_diagnoses] == [1, 3]
    assert [d.sequence for d in second.billed_diagnoses] == [2, 3]
    assert [i.sequence for i in first.billed_items] == [1]
    assert [i.sequence for i in second.billed_items] == [2]


def test_claim_linked_only_through_supporting_info_or_its_conditions() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            encounter("e2", start="2024-05-01"),
            condition("c1", "I10", "Essential (primary) hypertension", encounter_ref=ref("e2")),
            claim(
                "via-info",
                diagnoses=[icd(1, "E11.9", "T2DM")],
                items=[item(1, "99213")],
                supportingInfo=[
                    {"sequence": 1, "category": {"text": "encounter"}, "valueReference": ref("e1")}
                ],
            ),
            claim(
                "via-condition",
                diagnoses=[{"sequence": 1, "diagnosisReference": ref("c1")}],
                items=[item(1, "99214")],
            ),
            claim("nowhere", diagnoses=[icd(1, "R05.9", "Cough")], items=[item(1, "99212")]),
        )
    )
    first, second = parsed.encounters
    assert [c.resource_id for c in first.claims] == ["via-info"]
    assert [c.resource_id for c in second.claims] == ["via-condition"]
    assert parsed.unlinked_claims == 1


def test_eob_is_read_when_its_claim_is_absent_and_skipped_when_present() -> None:
    eob = {
        "resourceType": "ExplanationOfBenefit",
        "id": "eob1",
        "status": "active",
        "type": {"coding": [{"code": "professional"}]},
        "use": "claim",
        "patient": {"reference": "Patient/p1"},
        "created": "2024-03-15",
        "insurer": {"display": "Acme Health"},
        "provider": {"display": "Larch Lane Clinic"},
        "outcome": "complete",
        "insurance": [{"focal": True, "coverage": {"display": "Acme Health"}}],
        "diagnosis": [icd(1, "E11.9", "T2DM")],
        "item": [item(1, "99213", 1, encounter_id="e1")],
    }
    alone = parse_bundle(bundle(patient(), encounter("e1"), {**eob, "claim": ref("gone")}))
    (billed,) = alone.encounters[0].billed_diagnoses
    assert billed.source is DiagnosisSource.EXPLANATION_OF_BENEFIT
    assert [i.service[0].code for i in alone.encounters[0].billed_items] == ["99213"]

    with_claim = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            claim(
                "cl1",
                diagnoses=[icd(1, "E11.9", "T2DM")],
                items=[item(1, "99213", 1, encounter_id="e1")],
            ),
            {**eob, "claim": ref("cl1")},
        )
    )
    assert len(with_claim.encounters[0].billed_diagnoses) == 1
    assert with_claim.encounters[0].billed_diagnoses[0].source is DiagnosisSource.CLAIM


def test_cancelled_claims_are_not_billing() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            claim(
                "cl1",
                diagnoses=[icd(1, "E11.9", "T2DM")],
                items=[item(1, "99213")],
                status="cancelled",
            ),
        )
    )
    assert not parsed.encounters[0].has_billing
    assert parsed.claims == ()
