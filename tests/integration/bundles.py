"""Small FHIR R4 Bundles written for the tests (synthetic people, made-up identifiers)."""

from __future__ import annotations

import base64
import copy
from typing import Any

NOTE = """Chief complaint: follow-up of diabetes.
Patient Johanna Vandermeer (MRN 884213) seen on 03/14/2024, phone 617-555-0142.
History: Type 2 diabetes mellitus with hyperglycemia. Essential hypertension.
Denies chest pain. No evidence of pneumonia.
Family history: mother had breast cancer.
Plan: continue metformin 1000 mg twice daily; recheck HbA1c in 3 months.
"""


def note_bundle(note: str = NOTE, *, bundle_type: str = "collection") -> dict[str, Any]:
    data = base64.b64encode(note.encode()).decode()
    return {
        "resourceType": "Bundle",
        "type": bundle_type,
        "entry": [
            {
                "fullUrl": "urn:uuid:6f1f2c70-0000-4000-8000-000000000001",
                "resource": {
                    "resourceType": "Patient",
                    "id": "p1",
                    "name": [{"given": ["Johanna"], "family": "Vandermeer"}],
                    "gender": "female",
                    "birthDate": "1951-06-02",
                    "identifier": [{"system": "urn:mrn", "value": "884213"}],
                    "telecom": [{"system": "phone", "value": "617-555-0142"}],
                    "address": [
                        {"line": ["12 Larch Lane"], "city": "Dedham", "postalCode": "02026"}
                    ],
                },
            },
            {
                "fullUrl": "urn:uuid:6f1f2c70-0000-4000-8000-000000000002",
                "resource": {
                    "resourceType": "Encounter",
                    "id": "e1",
                    "status": "finished",
                    "class": {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                        "code": "AMB",
                    },
                    "subject": {"reference": "urn:uuid:6f1f2c70-0000-4000-8000-000000000001"},
                    "period": {"start": "2024-03-14T09:00:00Z", "end": "2024-03-14T09:30:00Z"},
                },
            },
            {
                "fullUrl": "urn:uuid:6f1f2c70-0000-4000-8000-000000000003",
                "resource": {
                    "resourceType": "DocumentReference",
                    "id": "d1",
                    "status": "current",
                    "type": {"text": "Progress note"},
                    "subject": {"reference": "urn:uuid:6f1f2c70-0000-4000-8000-000000000001"},
                    "content": [{"attachment": {"contentType": "text/plain", "data": data}}],
                    "context": {
                        "encounter": [
                            {"reference": "urn:uuid:6f1f2c70-0000-4000-8000-000000000002"}
                        ]
                    },
                },
            },
        ],
    }


def without(bundle: dict[str, Any], resource_type: str) -> dict[str, Any]:
    copied = copy.deepcopy(bundle)
    copied["entry"] = [e for e in copied["entry"] if e["resource"]["resourceType"] != resource_type]
    return copied


ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
CLAIM_NOTE = """Chief complaint: diabetes follow-up.
Patient Johanna Vandermeer (MRN 884213) seen today.
Assessment and plan:
1. Type 2 diabetes mellitus with hyperglycemia, A1c 9.1. Increase metformin.
2. Essential hypertension, controlled on lisinopril.
3. History of colon cancer, status post resection 2015, no recurrence on surveillance.
Denies chest pain or shortness of breath.
"""


def claim_bundle(
    note: str | None = CLAIM_NOTE,
    billed: tuple[str, ...] = ("E11.9", "C18.9", "R07.9", "I10"),
    *,
    start: str = "2025-03-14T09:00:00Z",
) -> dict[str, Any]:
    """``note_bundle`` with the encounter dated ``start`` and a Claim billing ``billed``
    (ICD-10-CM); without ``note``, no DocumentReference."""
    bundle = note_bundle(note or NOTE)
    encounter = bundle["entry"][1]["resource"]
    encounter["period"] = {"start": start, "end": start}
    if note is None:
        bundle = without(bundle, "DocumentReference")
    bundle["entry"].append(
        {
            "fullUrl": "urn:uuid:6f1f2c70-0000-4000-8000-000000000004",
            "resource": {
                "resourceType": "Claim",
                "id": "c1",
                "status": "active",
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                            "code": "professional",
                        }
                    ]
                },
                "use": "claim",
                "patient": {"reference": "urn:uuid:6f1f2c70-0000-4000-8000-000000000001"},
                "created": start[:10],
                "provider": {"display": "Clinic"},
                "priority": {"coding": [{"code": "normal"}]},
                "insurance": [
                    {"sequence": 1, "focal": True, "coverage": {"display": "Medicare Advantage"}}
                ],
                "diagnosis": [
                    {
                        "sequence": n,
                        "diagnosisCodeableConcept": {"coding": [{"system": ICD10CM, "code": code}]},
                    }
                    for n, code in enumerate(billed, start=1)
                ],
                "item": [
                    {
                        "sequence": 1,
                        "diagnosisSequence": list(range(1, len(billed) + 1)),
                        "productOrService": {
                            "coding": [
                                {"system": "http://www.ama-assn.org/go/cpt", "code": "99214"}
                            ]
                        },
                        "encounter": [
                            {"reference": "urn:uuid:6f1f2c70-0000-4000-8000-000000000002"}
                        ],
                    }
                ],
            },
        }
    )
    return bundle
