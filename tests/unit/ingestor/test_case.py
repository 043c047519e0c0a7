"""build_coding_case: the de-identified case the analyzer receives."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from services.ingestor.coding.case import build_coding_case
from services.ingestor.phi.port import DeidentificationError
from shared.events.coding import AgeOnFebruary1, CareSetting, DiagnosisSource, Sex
from shared.intake.fhir import ParsedBundle, parse_bundle
from shared.intake.fhir.demographics import age_on_february_1
from tests.unit.ingestor.doubles import KnownPhiMasker
from tests.unit.intake.fhir.builders import (
    ICD10,
    attachment,
    bundle,
    claim,
    condition,
    document_reference,
    encounter,
    fixture_bytes,
    patient,
    ref,
)


@functools.cache
def parsed(name: str) -> ParsedBundle:
    return parse_bundle(fixture_bytes(name))


def test_inferno_case_keeps_encounters_with_notes_and_masks_the_patient() -> None:
    source = parsed("inferno-uscore/uscore_bundle_patient_85.json")
    masker = KnownPhiMasker()

    case = build_coding_case(source, masker)

    assert len(masker.calls) == 1  # every note of the patient in one call
    assert len(case.encounters) == 22
    assert case.resource_counts["Encounter"] == 60
    assert case.resource_counts["dropped_encounters"] == 38
    assert case.resource_counts["duplicate_notes"] == 21
    assert case.resource_counts["skipped_attachments"] == 1
    assert [e.encounter_id for e in case.encounters[:3]] == ["E1", "E2", "E3"]
    notes = [n for e in case.encounters for n in e.notes]
    assert [n.note_id for n in notes] == [f"N{i}" for i in range(1, 24)]
    first = notes[0]
    assert first.source == "DiagnosticReport"
    assert first.title == "Progress note"
    assert first.date == "1940-05-29"  # 1940-09-06 shifted by -100 days
    assert first.text.startswith("\n1940-09-06\n\n# Chief Complaint\nNo complaints.\n\n")
    assert "[NAME] is a 5 month-old non-hispanic white male." in first.text
    assert case.encounters[0].period_start == "1940-05-29"
    assert case.encounters[0].setting is CareSetting.OUTPATIENT
    assert case.phi.notes_processed == 23
    assert case.phi.spans_by_type["NAME"] > 0
    assert case.phi.method == "known-PHI masker (tests)"
    # Born 1940-03-29; the last encounter with a note is on 1975-10-05.
    assert case.demographics.sex is Sex.MALE
    assert case.demographics.age_years == 35
    # CMS-HCC needs the age on February 1 of the payment year: 85 in 2026, not 35.
    assert case.demographics.age_on_february_1 == AgeOnFebruary1(year=1976, age_years=35)
    assert case.demographics.payment_year_age(2026) == 85
    # The real year of service leaves (Safe Harbor keeps years), the dates are shifted.
    assert case.encounters[-1].service_year == 1975


def test_nothing_in_the_case_repeats_the_known_phi() -> None:
    source = parsed("inferno-uscore/uscore_bundle_patient_85.json")
    case_json = build_coding_case(source, KnownPhiMasker()).model_dump_json()
    known = source.known_phi
    for name in known.names:
        for token in (*name.given, name.family or ""):
            if len(token) > 2:
                assert token not in case_json
    for value in (*known.identifiers, *known.phones, *known.emails, *known.organizations):
        assert value not in case_json
    assert known.birth_date is not None
    assert known.birth_date not in case_json


def test_synthea_case_carries_billing_with_claim_surrogates() -> None:
    case = build_coding_case(
        parsed("synthea-covid/covid_batch_bundle_bibi254.json"), KnownPhiMasker()
    )

    assert len(case.encounters) == 13  # all billed, none has a note
    assert case.phi.notes_processed == 0
    covid = next(e for e in case.encounters if len(e.billed_diagnoses) == 9)
    claim_id = covid.billed_diagnoses[0].claim_id
    assert claim_id is not None
    assert claim_id.startswith("C")
    assert {d.claim_id for d in covid.billed_diagnoses} == {claim_id}
    assert covid.billed_diagnoses[0].source is DiagnosisSource.CLAIM
    assert covid.billed_diagnoses[0].concepts[0].display == "Cough (finding)"
    assert [i.diagnosis_sequences for i in covid.billed_items[:3]] == [(), (1,), (2,)]
    assert all(i.claim_id == claim_id for i in covid.billed_items)
    assert covid.type == "Encounter for symptom (procedure)"
    assert case.demographics.age_years == 11  # born 2009-04-29, seen 2020-2021
    assert case.demographics.medicaid is False


def small_case_bundle(**encounter_fields: Any) -> dict[str, Any]:
    uncoded = condition("c2", "x", "x", encounter_ref=ref("e1"))
    uncoded["code"] = {"text": "Johanna's migraine"}
    return bundle(
        patient(),
        encounter("e1", type=[{"text": "Visit with Johanna Vandermeer"}], **encounter_fields),
        encounter("e2", start="2024-04-02T10:00:00Z"),
        encounter("e3", start="2024-05-02T10:00:00Z"),
        condition(
            "c1", "E11.9", "Type 2 diabetes mellitus without complications", encounter_ref=ref("e1")
        ),
        uncoded,
        document_reference(
            "d1",
            attachment("Johanna Vandermeer, MRN 884213, seen today."),
            encounter_ref=ref("e1"),
            type={"text": "Note about Vandermeer"},
            date="2024-03-14T09:30:00Z",
        ),
        document_reference("d2", attachment("Orphan note for Johanna.")),
        claim(
            "cl1",
            diagnoses=[{"sequence": 1, "diagnosisReference": ref("c1")}],
            items=[
                {
                    "sequence": 1,
                    "productOrService": {"coding": [{"code": "99213"}]},
                    "encounter": [ref("e3")],
                }
            ],
        ),
    )


def test_free_text_is_deidentified_uncoded_diagnoses_dropped_unlinked_notes_kept() -> None:
    document = small_case_bundle()
    document["entry"][0]["resource"]["identifier"] = [{"value": "884213"}]
    case = build_coding_case(parse_bundle(document), KnownPhiMasker())

    first, billed = case.encounters  # e2 has neither notes nor claims
    assert case.resource_counts["dropped_encounters"] == 1
    assert first.type == "Visit with [NAME] [NAME]"
    (note,) = first.notes
    assert (note.note_id, note.title, note.text) == (
        "N1",
        "Note about [NAME]",
        "[NAME] [NAME], MRN [ID], seen today.",
    )
    assert note.date == "2023-12-05"
    assert [d.concepts[0].code for d in first.recorded_diagnoses] == ["E11.9"]
    assert case.resource_counts["uncoded_diagnoses"] == 1
    assert [n.note_id for n in case.unlinked_notes] == ["N2"]
    assert case.unlinked_notes[0].text == "Orphan note for [NAME]."
    assert billed.encounter_id == "E2"
    assert [(d.concepts[0].code, d.claim_id, d.sequence) for d in billed.billed_diagnoses] == [
        ("E11.9", "C1", 1)
    ]
    assert "Johanna" not in case.model_dump_json()


def test_free_text_labels_and_notes_go_in_the_same_single_call() -> None:
    masker = KnownPhiMasker()
    build_coding_case(parse_bundle(small_case_bundle()), masker)
    ((texts, known),) = masker.calls
    assert texts == (
        "Johanna Vandermeer, MRN 884213, seen today.",
        "Orphan note for Johanna.",
        "Visit with Johanna Vandermeer",
        "Note about Vandermeer",
    )
    assert known.birth_date == "1951-06-02"


def test_deidentification_failure_fails_closed() -> None:
    with pytest.raises(DeidentificationError, match="timed out"):
        build_coding_case(parse_bundle(small_case_bundle()), KnownPhiMasker(fail=True))


def test_a_deidentifier_that_loses_a_text_is_refused() -> None:
    with pytest.raises(DeidentificationError, match="returned 3 texts for 4 inputs"):
        build_coding_case(parse_bundle(small_case_bundle()), KnownPhiMasker(drop_one=True))


def test_coded_titles_and_types_pass_unchanged() -> None:
    document = bundle(
        patient(),
        encounter(
            "e1",
            type=[
                {
                    "coding": [
                        {
                            "system": "http://snomed.info/sct",
                            "code": "185349003",
                            "display": "Encounter for check up",
                        }
                    ],
                    "text": "Johanna's check",
                }
            ],
        ),
        document_reference("d1", attachment("text"), encounter_ref=ref("e1")),
    )
    masker = KnownPhiMasker()
    case = build_coding_case(parse_bundle(document), masker)
    assert case.encounters[0].type == "Encounter for check up"
    assert case.encounters[0].notes[0].title == "Progress note"
    assert masker.calls[0][0] == ("text",)
    assert ICD10  # the builders' code system constant stays in use


def test_with_the_real_deidentifier_no_known_phi_reaches_the_case() -> None:
    from services.ingestor.phi.deidentify import PhiDeidentifier
    from services.ingestor.phi.policy import DeidPolicy, ReplacementMode

    source = parsed("inferno-uscore/uscore_bundle_patient_85.json")
    policy = DeidPolicy(mode=ReplacementMode.SURROGATE, date_shift_secret="test-secret")
    case = build_coding_case(source, PhiDeidentifier(policy))

    case_json = case.model_dump_json()
    known = source.known_phi
    tokens = {
        token
        for name in known.names
        for token in (*name.given, name.family or "", *(name.text or "").split())
        if len(token) > 2 and not token.endswith(".")
    }
    assert "Lucien408" in tokens
    for value in (*tokens, *known.identifiers, *known.phones, *known.emails):
        assert value not in case_json
    assert known.birth_date is not None
    assert known.birth_date not in case_json
    # Structured dates are shifted, not passed through.
    first = case.encounters[0]
    assert first.period_start is not None
    assert first.period_start != source.encounters[0].period_start
    assert case.phi.spans_by_type["NAME"] > 0


@pytest.mark.parametrize(
    ("birth_date", "age"),
    [
        ("1951-01-31", 75),
        ("1951-02-01", 75),  # the birthday itself counts
        ("1951-02-02", 74),
        ("1952-02-29", 73),  # a leap-day birthday is not reached by February 1
        ("1951", 75),  # a year alone is taken as January 1
        ("1930-06-01", 90),  # capped (Safe Harbor)
    ],
)
def test_age_on_february_1_around_the_birthday(birth_date: str, age: int) -> None:
    assert age_on_february_1(birth_date, 2026) == age


def test_without_kept_years_no_service_year_leaves() -> None:
    source = parsed("inferno-uscore/uscore_bundle_patient_85.json")
    case = build_coding_case(source, KnownPhiMasker(keep_years=False))
    assert {e.service_year for e in case.encounters} == {None}


def test_conditions_naming_no_encounter_are_the_problem_list() -> None:
    document = bundle(
        patient(),
        encounter("e1"),
        encounter("e2"),  # with one encounter, an unlinked Condition would be that encounter's
        condition("k1", "I10", "Essential (primary) hypertension"),
        claim(
            "cl1",
            diagnoses=[
                {
                    "sequence": 1,
                    "diagnosisCodeableConcept": {"coding": [{"system": ICD10, "code": "E11.9"}]},
                }
            ],
            items=[
                {"sequence": 1, "productOrService": {"text": "visit"}, "encounter": [ref("e1")]}
            ],
        ),
    )
    case = build_coding_case(parse_bundle(document), KnownPhiMasker())
    assert [d.concepts[0].code for d in case.problem_list] == ["I10"]
    assert [d.concepts[0].code for d in case.encounters[0].billed_diagnoses] == ["E11.9"]
