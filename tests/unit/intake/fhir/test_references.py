"""Reference resolution inside a Bundle: urn:uuid, Type/id, absolute URLs, request.url."""

from __future__ import annotations

import pytest

from shared.intake.fhir import NoteLink, parse_bundle
from shared.intake.fhir.references import IndexedResource, ReferenceIndex
from tests.unit.intake.fhir.builders import (
    attachment,
    bundle,
    document_reference,
    encounter,
    patient,
    ref,
)


@pytest.fixture
def index() -> ReferenceIndex:
    return ReferenceIndex(
        [
            IndexedResource(0, "Patient", "p1", "urn:uuid:aaaa", None),
            IndexedResource(1, "Encounter", None, "urn:uuid:bbbb", "Encounter/e9"),
            IndexedResource(2, "Encounter", "e2", "https://ehr.example/fhir/Encounter/e2", None),
        ]
    )


@pytest.mark.parametrize(
    ("reference", "entry"),
    [
        ("urn:uuid:aaaa", 0),
        ("Patient/p1", 0),
        ("Patient/p1/_history/3", 0),
        ("https://other.example/fhir/Patient/p1", 0),
        ("Encounter/e9", 1),  # known only through the transaction's request.url
        ("https://ehr.example/fhir/Encounter/e2", 2),
        ("Encounter/e2", 2),
    ],
)
def test_references_resolve_to_their_entry(
    index: ReferenceIndex, reference: str, entry: int
) -> None:
    resolution = index.resolve(reference)
    assert resolution.entry == entry
    assert resolution.unresolved_reason is None


@pytest.mark.parametrize(
    ("reference", "target_type", "reason"),
    [
        (
            "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999",
            "Practitioner",
            "conditional",
        ),
        ("Patient/p2", "Patient", "not in the Bundle"),
        ("urn:uuid:cccc", None, "not in the Bundle"),
        ("#contained-1", None, "contained"),
        ("", None, "no reference"),
        ("not a reference at all", None, "not in the Bundle"),
    ],
)
def test_unresolvable_references_say_why_and_never_raise(
    index: ReferenceIndex, reference: str, target_type: str | None, reason: str
) -> None:
    resolution = index.resolve(reference)
    assert resolution.entry is None
    assert resolution.target_type == target_type
    assert resolution.unresolved_reason is not None
    assert reason in resolution.unresolved_reason


@pytest.mark.parametrize(
    ("urls", "style", "bundle_type"),
    [
        ("uuid", "uuid", "collection"),
        ("none", "type-id", "collection"),
        ("absolute", "type-id", "searchset"),
        ("absolute", "absolute", "searchset"),
        ("request", "type-id", "transaction"),
    ],
)
def test_note_links_to_its_encounter_whatever_the_reference_style(
    urls: str, style: str, bundle_type: str
) -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            encounter("e2", start="2024-04-01"),
            document_reference("d1", attachment("note one"), encounter_ref=ref("e2", style)),
            bundle_type=bundle_type,
            urls=urls,
        )
    )
    second = parsed.encounters[1]
    assert second.source.resource_id == "e2"
    assert [n.text for n in second.notes] == ["note one"]
    assert second.notes[0].link is NoteLink.REFERENCE
    assert not parsed.unresolved_references


def test_conditional_and_dangling_references_are_kept_as_unresolved() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            encounter("e2", start="2024-04-01"),
            document_reference(
                "d1",
                attachment("conditional"),
                encounter_ref={"reference": "Encounter?identifier=urn:visit|V-1"},
            ),
            document_reference("d2", attachment("dangling"), encounter_ref=ref("e7", "type-id")),
        )
    )
    assert [n.text for n in parsed.unlinked_notes] == ["conditional", "dangling"]
    assert [(u.location, u.reason) for u in parsed.unresolved_references] == [
        (
            "entry[3] DocumentReference/d1.context.encounter[0]",
            "conditional reference (not resolved)",
        ),
        ("entry[4] DocumentReference/d2.context.encounter[0]", "not in the Bundle"),
    ]
    # The reference text (which may carry identifiers) is not kept.
    assert "V-1" not in repr(parsed.unresolved_references)


def test_reference_to_a_resource_of_the_wrong_type_is_not_followed() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            encounter("e2", start="2024-04-01"),
            document_reference(
                "d1", attachment("text"), encounter_ref=ref("p1", "type-id", "Patient")
            ),
        )
    )
    assert [n.text for n in parsed.unlinked_notes] == ["text"]
    assert parsed.unresolved_references[0].reason == "points at a Patient, expected an Encounter"
