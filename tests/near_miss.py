"""A Bundle whose every resource states PHI, and notes that spell it otherwise (synthetic people,
made-up numbers): the unit test of the de-identifier and the end-to-end road test share it."""

from __future__ import annotations

import re
from typing import Any

from tests.integration.bundles import note_bundle

PATIENT_URL = "urn:uuid:6f1f2c70-0000-4000-8000-000000000001"

NOTES = (
    """PROGRESS NOTE
Zeb Quartermain was seen today for follow-up of type 2 diabetes mellitus with hyperglycemia.
QUARTERMAINE, ZEBULON   DOB 04/09/1948   MRN qz-7734-1902
His wife Mathilda (Tillie) Quartermane was at the bedside; daughter Perpetua phoned in.
Seen with Dr Brannigan-Oyelaran (Dr. Hyacinth Brannigan) of Wendlebury Memorial.
Essential hypertension, controlled. Denies chest pain. Continue metformin.
""",
    """telephone encounter. spoke with zebulon re: results. mr quatermaine asks that
mrs tillie q call back at 508/555/0187. lives at 41 Ambergate Rd in Pocasset 02559-1234.
Pump serial a7c-99310-kq checked. member id wxq 88812 4471 on file.
Faxed to Wendlebury Mem Hosp, attn Dr. Brannigan. WMH ward 4.
""",
)

# Every form above that must not survive; checked case-insensitively, as whole words.
FORMS = (
    "Zeb",
    "Zebulon",
    "Quartermain",
    "Quartermaine",
    "Quatermaine",
    "Quartermane",
    "Mathilda",
    "Tillie",
    "Perpetua",
    "Brannigan",
    "Oyelaran",
    "Hyacinth",
    "Wendlebury",
    "WMH",
    "qz-7734-1902",
    "508/555/0187",
    "41 Ambergate",
    "Ambergate",
    "Pocasset",
    "02559",
    "a7c-99310-kq",
    "wxq 88812 4471",
    "04/09/1948",
)


def survivors(text: str) -> list[str]:
    """The forms of :data:`FORMS` still in ``text``."""
    return [
        f for f in FORMS if re.search(rf"(?<![A-Za-z0-9]){re.escape(f)}(?![A-Za-z])", text, re.I)
    ]


def near_miss_bundle() -> dict[str, Any]:
    bundle = note_bundle(NOTES[0])
    patient = bundle["entry"][0]["resource"]
    patient.update(
        name=[{"given": ["Zebulon"], "family": "Quartermaine"}],
        gender="male",
        birthDate="1948-04-09",
        identifier=[
            {
                "type": {"coding": [{"code": "MR"}]},
                "system": "urn:mrn",
                "value": "QZ77341902",
            }
        ],
        telecom=[{"system": "phone", "value": "508-555-0187"}],
        address=[{"line": ["41 Ambergate Road"], "city": "Pocasset", "postalCode": "02559"}],
    )
    second = {
        "fullUrl": "urn:uuid:6f1f2c70-0000-4000-8000-000000000013",
        "resource": {
            **bundle["entry"][2]["resource"],
            "id": "d2",
            "content": [
                {
                    "attachment": {
                        "contentType": "text/plain",
                        "data": _b64(NOTES[1]),
                    }
                }
            ],
        },
    }
    bundle["entry"].append(second)
    bundle["entry"] += [
        _entry(
            "10",
            {
                "resourceType": "RelatedPerson",
                "id": "rp1",
                "patient": {"reference": PATIENT_URL},
                "name": [{"given": ["Mathilda"], "family": "Quartermaine"}],
                "telecom": [{"system": "phone", "value": "(508) 555-0187"}],
            },
        ),
        _entry(
            "11",
            {
                "resourceType": "RelatedPerson",
                "id": "rp2",
                "patient": {"reference": PATIENT_URL},
                "name": [{"text": "Perpetua Quartermaine"}],
            },
        ),
        _entry(
            "12",
            {
                "resourceType": "Practitioner",
                "id": "pr1",
                "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1457390028"}],
                "name": [
                    {"given": ["Hyacinth"], "family": "Brannigan-Oyelaran", "prefix": ["Dr."]}
                ],
            },
        ),
        _entry(
            "14",
            {
                "resourceType": "PractitionerRole",
                "id": "prr1",
                "practitioner": {"reference": "urn:uuid:6f1f2c70-0000-4000-8000-000000000012"},
                "organization": {"reference": "urn:uuid:6f1f2c70-0000-4000-8000-000000000015"},
                "telecom": [{"system": "phone", "value": "508-555-0100"}],
            },
        ),
        _entry(
            "15",
            {
                "resourceType": "Organization",
                "id": "o1",
                "name": "Wendlebury Memorial Hospital",
                "address": [{"line": ["1 Hospital Way"], "city": "Falmouth"}],
            },
        ),
        _entry(
            "16",
            {
                "resourceType": "Location",
                "id": "l1",
                "name": "Wendlebury Memorial Ward 4",
                "managingOrganization": {
                    "reference": "urn:uuid:6f1f2c70-0000-4000-8000-000000000015"
                },
            },
        ),
        _entry(
            "17",
            {
                "resourceType": "Device",
                "id": "dev1",
                "serialNumber": "A7C99310KQ",
                "patient": {"reference": PATIENT_URL},
            },
        ),
        _entry(
            "18",
            {
                "resourceType": "Coverage",
                "id": "cov1",
                "status": "active",
                "subscriberId": "WXQ888124471",
                "beneficiary": {"reference": PATIENT_URL},
                "payor": [{"display": "Acme Health Plan"}],
            },
        ),
    ]
    return bundle


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def _entry(suffix: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"urn:uuid:6f1f2c70-0000-4000-8000-0000000000{suffix}", "resource": resource}
