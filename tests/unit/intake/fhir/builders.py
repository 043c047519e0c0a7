"""Small hand-made FHIR R4 resources and Bundles for edge cases (synthetic people only)."""

from __future__ import annotations

import base64
import functools
from pathlib import Path
from typing import Any

import orjson

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "fhir"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"

Resource = dict[str, Any]


@functools.cache
def fixture_bytes(relative: str) -> bytes:
    return (FIXTURES / relative).read_bytes()


def fixture_json(relative: str) -> dict[str, Any]:
    document: dict[str, Any] = orjson.loads(fixture_bytes(relative))
    return document


def uuid_url(resource_id: str) -> str:
    """A stable urn:uuid for a test id ("e1" → urn:uuid:00000000-0000-4000-8000-0000000000e1)."""
    return f"urn:uuid:00000000-0000-4000-8000-{resource_id.encode().hex()[-12:].rjust(12, '0')}"


def bundle(*resources: Resource, bundle_type: str = "collection", urls: str = "uuid") -> Resource:
    """A Bundle of ``resources``; ``urls`` = "uuid" (urn:uuid fullUrls), "absolute"
    (https://example.org/fhir/Type/id), "request" (transaction PUT Type/id, no fullUrl)
    or "none"."""
    entries = []
    for resource in resources:
        entry: Resource = {"resource": resource}
        kind, rid = resource["resourceType"], resource.get("id", "")
        if urls == "uuid":
            entry["fullUrl"] = uuid_url(rid)
        elif urls == "absolute":
            entry["fullUrl"] = f"https://example.org/fhir/{kind}/{rid}"
        elif urls == "request":
            entry["request"] = {"method": "PUT", "url": f"{kind}/{rid}"}
        if bundle_type in {"transaction", "batch"} and "request" not in entry:
            entry["request"] = {"method": "POST", "url": kind}
        entries.append(entry)
    return {"resourceType": "Bundle", "type": bundle_type, "entry": entries}


def ref(resource_id: str, style: str = "uuid", kind: str = "Encounter") -> dict[str, str]:
    if style == "uuid":
        return {"reference": uuid_url(resource_id)}
    if style == "absolute":
        return {"reference": f"https://example.org/fhir/{kind}/{resource_id}"}
    return {"reference": f"{kind}/{resource_id}"}


def patient(resource_id: str = "p1", **fields: Any) -> Resource:
    resource: Resource = {
        "resourceType": "Patient",
        "id": resource_id,
        "name": [{"given": ["Johanna"], "family": "Vandermeer"}],
        "gender": "female",
        "birthDate": "1951-06-02",
    }
    resource.update(fields)
    return resource


def encounter(
    resource_id: str = "e1",
    class_code: str = "AMB",
    start: str = "2024-03-14T09:00:00Z",
    **fields: Any,
) -> Resource:
    resource: Resource = {
        "resourceType": "Encounter",
        "id": resource_id,
        "status": "finished",
        "class": {"system": ACT_CODE, "code": class_code},
        "period": {"start": start},
    }
    resource.update(fields)
    return resource


def b64(text: str | bytes, encoding: str = "utf-8") -> str:
    raw = text if isinstance(text, bytes) else text.encode(encoding)
    return base64.b64encode(raw).decode()


def attachment(text: str | bytes, content_type: str | None = "text/plain") -> Resource:
    result: Resource = {"data": b64(text)}
    if content_type is not None:
        result["contentType"] = content_type
    return result


def document_reference(
    resource_id: str,
    *attachments: Resource,
    encounter_ref: dict[str, str] | None = None,
    **fields: Any,
) -> Resource:
    resource: Resource = {
        "resourceType": "DocumentReference",
        "id": resource_id,
        "status": "current",
        "type": {
            "coding": [
                {"system": "http://loinc.org", "code": "11506-3", "display": "Progress note"}
            ]
        },
        "content": [{"attachment": a} for a in attachments],
    }
    if encounter_ref is not None:
        resource["context"] = {"encounter": [encounter_ref]}
    resource.update(fields)
    return resource


def diagnostic_report(
    resource_id: str, *forms: Resource, encounter_ref: dict[str, str] | None = None, **fields: Any
) -> Resource:
    resource: Resource = {
        "resourceType": "DiagnosticReport",
        "id": resource_id,
        "status": "final",
        "code": {
            "coding": [
                {
                    "system": "http://loinc.org",
                    "code": "18748-4",
                    "display": "Diagnostic imaging study",
                }
            ]
        },
        "presentedForm": list(forms),
    }
    if encounter_ref is not None:
        resource["encounter"] = encounter_ref
    resource.update(fields)
    return resource


def condition(
    resource_id: str,
    code: str,
    display: str,
    *,
    system: str = ICD10,
    encounter_ref: dict[str, str] | None = None,
    **fields: Any,
) -> Resource:
    resource: Resource = {
        "resourceType": "Condition",
        "id": resource_id,
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "verificationStatus": {"coding": [{"code": "confirmed"}]},
        "category": [{"coding": [{"code": "encounter-diagnosis"}]}],
        "code": {"coding": [{"system": system, "code": code, "display": display}]},
        "subject": {"reference": uuid_url("p1")},
    }
    if encounter_ref is not None:
        resource["encounter"] = encounter_ref
    resource.update(fields)
    return resource


def claim(
    resource_id: str, *, diagnoses: list[Resource], items: list[Resource], **fields: Any
) -> Resource:
    resource: Resource = {
        "resourceType": "Claim",
        "id": resource_id,
        "status": "active",
        "type": {"coding": [{"code": "professional"}]},
        "use": "claim",
        "patient": {"reference": uuid_url("p1")},
        "created": "2024-03-14",
        "provider": {"display": "Larch Lane Clinic"},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "Acme Health"}}],
        "diagnosis": diagnoses,
        "item": items,
    }
    resource.update(fields)
    return resource


def note_text_bundle(note: str = "Patient Johanna seen for cough.", **kwargs: Any) -> Resource:
    """Patient + one Encounter + one linked text note: the smallest codable Bundle."""
    return bundle(
        patient(),
        encounter("e1"),
        document_reference("d1", attachment(note), encounter_ref=ref("e1")),
        **kwargs,
    )
