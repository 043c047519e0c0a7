"""parse_bundle on real exports: Inferno US Core transaction Bundles and a Synthea batch Bundle."""

from __future__ import annotations

import functools

from shared.events.coding import CareSetting, DiagnosisSource, Sex
from shared.intake.fhir import NoteLink, ParsedBundle, parse_bundle
from tests.unit.intake.fhir.builders import (
    attachment,
    bundle,
    document_reference,
    encounter,
    fixture_bytes,
    patient,
    ref,
)


@functools.cache
def parsed(name: str) -> ParsedBundle:
    return parse_bundle(fixture_bytes(name))


def test_inferno_patient_85_notes_are_read_once_and_linked_to_their_encounters() -> None:
    bundle = parsed("inferno-uscore/uscore_bundle_patient_85.json")

    assert bundle.bundle_type == "transaction"
    assert bundle.resource_counts["Encounter"] == 60
    assert len(bundle.encounters) == 60
    # 25 DocumentReferences + 20 DiagnosticReports: 44 text attachments carrying 23 distinct
    # notes (Synthea writes each note into both resources), plus one inline PDF.
    assert len(bundle.notes) == 23
    assert bundle.duplicate_notes == 21
    assert [(s.content_type, s.reason) for s in bundle.skipped_attachments] == [
        ("application/pdf", "binary content (application/pdf) is not read")
    ]
    assert all(note.link is NoteLink.REFERENCE for note in bundle.notes)
    assert not bundle.unlinked_notes
    first = bundle.notes[0]
    assert first.text.startswith("\n1940-09-06\n\n# Chief Complaint\nNo complaints.")
    assert first.title is not None
    assert (first.title.text, first.title.coded) == ("Progress note", True)
    linked = next(e for e in bundle.encounters if first in e.notes)
    assert linked.source.resource_id == "0bb40726-2ce8-c94f-7123-aeaa7b25387a"


def test_inferno_patient_85_encounters_diagnoses_and_demographics() -> None:
    bundle = parsed("inferno-uscore/uscore_bundle_patient_85.json")

    first = bundle.encounters[0]
    assert first.period_start == "1940-03-29T00:11:45-05:00"  # chronological order
    assert (first.class_code, first.setting) == ("AMB", CareSetting.OUTPATIENT)
    assert first.type is not None
    assert first.type.text == "Well child visit (procedure)"
    assert first.service_provider == "PCP87052"
    otitis = [d for e in bundle.encounters for d in e.diagnoses if d.concepts[0].code == "65363002"]
    assert otitis
    assert otitis[0].source is DiagnosisSource.CONDITION
    assert (otitis[0].clinical_status, otitis[0].verification_status) == ("resolved", "confirmed")
    assert otitis[0].categories == ("encounter-diagnosis",)
    assert bundle.patient is not None
    assert (bundle.patient.birth_date, bundle.patient.sex) == ("1940-03-29", Sex.MALE)
    assert bundle.patient.deceased_date == "1977-07-14T04:17:45-04:00"
    assert bundle.medicaid is False  # its Coverage is a PPO
    assert not bundle.unresolved_references
    assert not bundle.warnings


def test_inferno_patient_355_invalid_observation_is_ignored_with_a_warning() -> None:
    bundle = parsed("inferno-uscore/uscore_bundle_patient_355.json")

    assert len(bundle.encounters) == 129
    assert len(bundle.notes) == 20
    assert [w.location for w in bundle.warnings] == [
        "entry[266] Observation/3c766796-d8a0-480f-8215-f1e7e3afab21.effectivePeriod.stop"
    ]
    assert "resource ignored" in bundle.warnings[0].message
    reasons = sorted(s.reason for s in bundle.skipped_attachments)
    assert reasons == [
        "DocumentReference status is entered-in-error",
        "content is only a URL (not fetched)",
        "content is only a URL (not fetched)",
    ]


def test_inferno_client_test_bundle_uses_type_id_references() -> None:
    bundle = parsed("inferno-uscore/uscore_bundle_patient_client_test.json")

    (encounter,) = bundle.encounters
    assert encounter.source.resource_id == "us-core-client-tests-encounter"
    assert {n.source.resource_type for n in encounter.notes} == {
        "DocumentReference",
        "DiagnosticReport",
    }
    assert all(n.link is NoteLink.REFERENCE for n in encounter.notes)
    # The problem-list Condition names no encounter: with one encounter it belongs to it.
    codes = {d.concepts[0].code for d in encounter.diagnoses}
    assert codes == {"233678006", "445281000124101"}


def test_inferno_minimal_bundle_has_an_encounter_and_no_notes() -> None:
    bundle = parsed("inferno-uscore/uscore_bundle_patient_907.json")

    assert len(bundle.encounters) == 1
    assert bundle.notes == ()


def test_synthea_batch_claims_bill_their_encounter_and_eobs_are_not_double_counted() -> None:
    bundle = parsed("synthea-covid/covid_batch_bundle_bibi254.json")

    assert bundle.bundle_type == "batch"
    assert bundle.resource_counts["ExplanationOfBenefit"] == 13
    assert len(bundle.claims) == 13  # the 13 EOBs repeat the 13 Claims
    assert all(c.source.resource_type == "Claim" for c in bundle.claims)
    assert bundle.unlinked_claims == 0
    assert all(e.has_billing for e in bundle.encounters)
    covid = next(e for e in bundle.encounters if len(e.billed_diagnoses) == 9)
    assert [d.sequence for d in covid.billed_diagnoses] == list(range(1, 10))
    assert covid.billed_diagnoses[0].concepts[0].display == "Cough (finding)"
    assert all(d.source is DiagnosisSource.CLAIM for d in covid.billed_diagnoses)
    assert covid.billed_items[0].service[0].display == "Encounter for symptom (procedure)"
    assert covid.billed_items[1].diagnosis_sequences == (1,)
    # The same Conditions are recorded on the encounter through Condition.encounter.
    assert len(covid.diagnoses) == 9
    assert all(d.source is DiagnosisSource.CONDITION for d in covid.diagnoses)


def test_searchset_with_included_resources_and_an_outcome_entry() -> None:
    document = bundle(patient(), encounter("e1"), urls="absolute", bundle_type="searchset")
    document["total"] = 1
    document["entry"][1]["search"] = {"mode": "match"}
    document["entry"][0]["search"] = {"mode": "include"}
    document["entry"].append(
        {
            "resource": {
                "resourceType": "OperationOutcome",
                "issue": [{"severity": "information", "code": "informational"}],
            },
            "search": {"mode": "outcome"},
        }
    )
    document["entry"].append(
        {
            "fullUrl": "https://example.org/fhir/DocumentReference/d1",
            "resource": document_reference(
                "d1", attachment("searched note"), encounter_ref=ref("e1", "type-id")
            ),
            "search": {"mode": "include"},
        }
    )
    parsed = parse_bundle(document)
    assert parsed.bundle_type == "searchset"
    assert [n.text for n in parsed.encounters[0].notes] == ["searched note"]
    assert parsed.resource_counts == {
        "DocumentReference": 1,
        "Encounter": 1,
        "OperationOutcome": 1,
        "Patient": 1,
    }


def test_document_and_message_bundles_are_read() -> None:
    composition = {
        "resourceType": "Composition",
        "id": "comp1",
        "status": "final",
        "type": {"text": "Discharge summary"},
        "date": "2024-03-15",
        "author": [{"display": "Dr. Ann Quill"}],
        "title": "Discharge summary",
    }
    document = bundle(
        composition,
        patient(),
        encounter("e1"),
        document_reference("d1", attachment("discharged home"), encounter_ref=ref("e1")),
        bundle_type="document",
    )
    document["identifier"] = {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:1"}
    document["timestamp"] = "2024-03-15T10:00:00Z"
    assert [n.text for n in parse_bundle(document).notes] == ["discharged home"]
    document["type"] = "message"
    assert parse_bundle(document).bundle_type == "message"


def test_transaction_entries_without_a_resource_are_passed_over() -> None:
    document = bundle(patient(), encounter("e1"), bundle_type="transaction", urls="request")
    document["entry"].append({"request": {"method": "DELETE", "url": "Encounter/old"}})
    parsed = parse_bundle(document)
    assert len(parsed.encounters) == 1
    assert parsed.resource_counts == {"Encounter": 1, "Patient": 1}


def test_a_repeated_full_url_is_a_warning_and_the_first_entry_wins() -> None:
    document = bundle(
        patient(),
        encounter("e1"),
        encounter("e2", start="2025-01-01"),
        document_reference("d1", attachment("x"), encounter_ref=ref("e1")),
    )
    document["entry"][2]["fullUrl"] = document["entry"][1]["fullUrl"]
    parsed = parse_bundle(document)
    assert [(w.location, w.message) for w in parsed.warnings] == [
        (
            "Bundle.entry[2].fullUrl",
            "repeats an earlier entry's fullUrl; references resolve to the first",
        )
    ]
    assert parsed.encounters[0].notes[0].text == "x"
