"""The two validation depths: "read" (structure everywhere, values where clinrelay reads) and
"full" (every value with the R4B models). What either accepts is read the same way."""

from __future__ import annotations

from typing import Any

import pytest

from shared.intake.fhir import BundleError, parse_bundle
from tests.unit.intake.fhir.builders import (
    FIXTURES,
    bundle,
    claim,
    encounter,
    fixture_json,
    note_text_bundle,
    patient,
)

DEPTHS = ("read", "full")


@pytest.mark.parametrize(
    "relative",
    sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/*.json")),
)
def test_both_depths_read_real_exports_the_same(relative: str) -> None:
    document = fixture_json(relative)
    read = parse_bundle(document, depth="read")
    full = parse_bundle(document, depth="full")
    assert read == full  # notes, links, diagnoses, claims, warnings and the PHI dictionary
    assert read.known_phi.names  # not trivially equal: the dictionary is harvested


def problems(document: dict[str, Any], depth: str) -> list[str]:
    with pytest.raises(BundleError) as caught:
        parse_bundle(document, depth=depth)
    return [f"{p.location}: {p.message}" for p in caught.value.problems]


def test_a_value_clinrelay_never_reads_is_checked_only_at_full_depth() -> None:
    document = note_text_bundle()
    document["entry"][0]["resource"]["maritalStatus"] = {"coding": [{"code": "M  S"}]}
    parse_bundle(document, depth="read")
    (problem,) = problems(document, "full")
    assert problem.startswith("entry[0] Patient.maritalStatus.coding[0].code: ")


def test_an_unread_resource_with_a_bad_value_is_kept_at_read_depth_and_dropped_at_full() -> None:
    document = note_text_bundle()
    observation = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"text": "BP"},
        "effectiveDateTime": "yesterday",
        "performer": [{"reference": "Practitioner/x", "display": "Dr. Ann Quill"}],
    }
    document["entry"].append({"resource": observation})
    read = parse_bundle(document, depth="read")
    full = parse_bundle(document, depth="full")
    assert read.warnings == ()
    assert [w.location for w in full.warnings] == ["entry[3] Observation/o1.effectiveDateTime"]
    for parsed in (read, full):  # harvested either way
        assert "Dr. Ann Quill" in {n.text for n in parsed.known_phi.names}


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize(
    ("element", "value", "location"),
    [
        ("contact", [{"nickname": "Jo"}], "contact[0].nickname"),  # unknown element, nested
        ("maritalStatus", [{"text": "married"}], "maritalStatus"),  # an array for an object
        ("communication", {"language": {"text": "x"}}, "communication"),  # an object for an array
        ("communication", [None], "communication"),  # null in an array of objects
        ("photo", [{"contentType": 7}], "photo[0].contentType"),  # a number for a string
    ],
)
def test_structure_is_checked_everywhere_in_a_read_resource(
    depth: str, element: str, value: object, location: str
) -> None:
    document = note_text_bundle()
    document["entry"][0]["resource"][element] = value
    assert [p.split(": ", 1)[0] for p in problems(document, depth)] == [
        f"entry[0] Patient.{location}"
    ]


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_required_value_given_only_as_an_extension_is_accepted(depth: str) -> None:
    document = note_text_bundle()
    resource = document["entry"][1]["resource"]
    del resource["status"]
    resource["_status"] = {
        "extension": [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
                "valueCode": "unknown",
            }
        ]
    }
    parse_bundle(document, depth=depth)
    del resource["_status"]
    assert problems(document, depth) == [
        "entry[1] Encounter/e1.status: Value for the field 'status' is required."
    ]


def test_a_contained_coverage_is_located_like_fhir_paths() -> None:
    contained = {"resourceType": "Coverage", "id": "c1", "status": 5}
    document = bundle(
        patient(),
        encounter("e1"),
        claim("cl1", diagnoses=[], items=[], contained=[contained]),
    )
    for depth in DEPTHS:
        assert "entry[2] Claim/cl1.contained[0].status: Input should be a valid string" in (
            problems(document, depth)
        )


def test_an_unknown_depth_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="depth"):
        parse_bundle(note_text_bundle(), depth="some")
