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
