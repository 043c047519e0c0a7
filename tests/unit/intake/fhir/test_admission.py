"""The gateway's admission check: is there anything to code?"""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.intake.fhir import BundleError, BundleErrorKind, check_coding_bundle, parse_bundle
from tests.unit.intake.fhir.builders import (
    attachment,
    bundle,
    document_reference,
    encounter,
    fixture_bytes,
    note_text_bundle,
    patient,
    ref,
)


def refusal(document: dict[str, Any] | bytes) -> BundleError:
    with pytest.raises(BundleError) as caught:
        check_coding_bundle(parse_bundle(document))
    assert caught.value.kind is BundleErrorKind.NOT_CODABLE
    assert caught.value.status_code == 422
    return caught.value


def test_a_bundle_with_an_encounter_and_a_note_is_accepted() -> None:
    for document in (
        note_text_bundle(),
        fixture_bytes("inferno-uscore/uscore_bundle_patient_85.json"),
    ):
        parsed = parse_bundle(document)
        check_coding_bundle(parsed)  # accepted: no BundleError
        # ...and accepted for what it holds: an encounter and a note with text to code
        assert parsed.encounters
        assert any(note.text.strip() for note in parsed.notes)


def test_no_encounter_is_named() -> None:
    error = refusal(bundle(patient(), document_reference("d1", attachment("note"))))
    assert error.message == "The Bundle cannot be coded: the Bundle has no Encounter resource."
    assert [p.to_dict() for p in error.problems] == [
        {"location": "Bundle", "message": "the Bundle has no Encounter resource"}
    ]


def test_no_note_says_what_was_skipped() -> None:
    error = refusal(
        bundle(
            patient(),
            encounter("e1"),
            document_reference(
                "d1", attachment(b"%PDF-1.4", "application/pdf"), encounter_ref=ref("e1")
            ),
            document_reference(
                "d2", attachment(b"%PDF-1.4", "application/pdf"), encounter_ref=ref("e1")
            ),
            document_reference(
                "d3", {"contentType": "text/plain", "url": "https://x.example/Binary/1"}
            ),
        )
    )
    assert str(error) == (
        "The Bundle cannot be coded: no DocumentReference or DiagnosticReport carries a text note "
        "(3 attachments skipped: binary content (application/pdf) is not read ×2, "
        "text/plain: content is only a URL (not fetched)), and no claim diagnosis can be "
        "compared with a recorded Condition instead."
    )


def test_inferno_bundle_without_notes_is_refused() -> None:
    error = refusal(fixture_bytes("inferno-uscore/uscore_bundle_patient_907.json"))
    assert "no DocumentReference or DiagnosticReport carries a text note" in str(error)


def test_nothing_at_all_lists_both_problems() -> None:
    error = refusal(bundle(patient()))
    assert [p.message for p in error.problems] == [
        "the Bundle has no Encounter resource",
        "no DocumentReference or DiagnosticReport carries a text note, and no claim diagnosis "
        "can be compared with a recorded Condition instead",
    ]


def test_several_patients_are_refused() -> None:
    document = note_text_bundle()
    document["entry"].append({"resource": patient("p2")})
    error = refusal(document)
    assert "the Bundle holds 2 Patient resources; a coding report covers one patient" in str(error)


def test_conditions_and_claims_without_notes_are_accepted_for_a_problem_list_review() -> None:
    check_coding_bundle(
        parse_bundle(fixture_bytes("synthea-covid/covid_batch_bundle_bibi254.json"))
    )


def test_claims_without_conditions_or_notes_are_refused() -> None:
    document = json.loads(fixture_bytes("synthea-covid/covid_batch_bundle_bibi254.json"))
    document["entry"] = [
        e for e in document["entry"] if e["resource"]["resourceType"] != "Condition"
    ]
    for entry in document["entry"]:  # claims then list codes, not Conditions
        resource = entry["resource"]
        if resource["resourceType"] in ("Claim", "ExplanationOfBenefit"):
            resource.pop("diagnosis", None)
    error = refusal(document)
    assert "no claim diagnosis can be compared with a recorded Condition" in str(error)
