"""Bad input: clear problems naming where and what, never the submitted values."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from shared.intake.fhir import BundleError, BundleErrorKind, parse_bundle
from shared.intake.fhir.errors import MAX_PROBLEMS
from tests.unit.intake.fhir.builders import encounter, note_text_bundle

PHI = ("Johanna", "Vandermeer", "617-555-0142", "884213")


def rejected(raw: bytes | dict[str, Any], **kwargs: Any) -> BundleError:
    with pytest.raises(BundleError) as caught:
        parse_bundle(raw, **kwargs)
    error = caught.value
    body = orjson.dumps(error.to_dict()).decode() + str(error)
    for value in PHI:
        assert value not in body
    return error


def test_invalid_json_is_a_400_naming_the_position_only() -> None:
    error = rejected(b'{"resourceType": "Bundle", "entry": [{"name": "Johanna" ')
    assert error.kind is BundleErrorKind.INVALID_JSON
    assert error.status_code == 400
    assert error.problems[0].location == "line 1 column 57"
    assert str(error).startswith("The request body is not valid JSON: line 1 column 57:")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'["Johanna"]', "The request body is a JSON array, not a FHIR Bundle."),
        (b'"Johanna"', "The request body is a JSON string, not a FHIR Bundle."),
        (b'{"resourceType": "Patient", "name": "Johanna"}', "is not a FHIR Bundle (resourceType)"),
        (b'{"name": "Johanna"}', "has no resourceType"),
        (b'{"resourceType": "Bundle", "type": "Johanna"}', "Bundle.type is not supported"),
        (b'{"resourceType": "Bundle", "type": "history"}', "Bundle.type is not supported"),
        (b'{"resourceType": "Bundle"}', "Bundle.type: Value for the field 'type' is required"),
        (b'{"resourceType": "Bundle", "type": "batch", "entry": {"x": 1}}', "must be an array"),
    ],
)
def test_a_body_that_is_not_a_bundle_says_so(raw: bytes, message: str) -> None:
    error = rejected(raw)
    assert error.status_code == 422
    assert message in str(error)


def test_invalid_read_resources_are_named_with_their_field_and_no_value() -> None:
    document = note_text_bundle()
    patient_resource = document["entry"][0]["resource"]
    patient_resource["birthDate"] = "Johanna"
    patient_resource["identifier"] = [{"system": "urn:mrn", "value": "884213"}]
    patient_resource["telecom"] = [{"system": "phone", "value": ["617-555-0142"]}]
    encounter_resource = document["entry"][1]["resource"]
    encounter_resource["class"] = "Vandermeer"
    encounter_resource["period"]["start"] = "March 14th, 617-555-0142"
    encounter_resource["reasonCode"] = [{"text": "Johanna"}]
    encounter_resource["Johanna"] = True  # an unknown element

    error = rejected(document)

    assert error.kind is BundleErrorKind.INVALID_RESOURCES
    assert error.message == "2 resources in the Bundle are not valid FHIR R4."
    assert [p.to_dict() for p in error.problems] == [
        {
            "location": "entry[0] Patient.birthDate",
            "message": "Date value string does not match spec regex.",
        },
        {
            "location": "entry[0] Patient.telecom[0].value",
            "message": "Input should be a valid string",
        },
        {
            "location": "entry[1] Encounter/e1.class",
            "message": "expected a JSON object, got a string",
        },
        {
            "location": "entry[1] Encounter/e1.period.start",
            "message": "DateTime value string does not match spec regex.",
        },
        {
            "location": "entry[1] Encounter/e1.(element name not shown)",
            "message": "unknown element (not part of this FHIR R4 resource)",
        },
    ]
    assert str(error) == (
        "2 resources in the Bundle are not valid FHIR R4: entry[0] Patient.birthDate: "
        "Date value string does not match spec regex (and 4 more)."
    )


def test_null_is_refused_even_where_the_models_let_it_pass() -> None:
    document = note_text_bundle()
    document["entry"][1]["resource"]["class"] = None  # required; the R4B model reads it as absent
    document["entry"][0]["resource"]["name"][0]["given"] = ["Johanna", None]  # extension slot
    error = rejected(document)
    assert [p.to_dict() for p in error.problems] == [
        {"location": "entry[1] Encounter/e1.class", "message": "null is not allowed in FHIR JSON"}
    ]


def test_misspelt_element_is_named() -> None:
    document = note_text_bundle()
    document["entry"][1]["resource"]["period"] = {"start": "2024-03-14", "stop": "2024-03-15"}
    error = rejected(document)
    assert [p.location for p in error.problems] == ["entry[1] Encounter/e1.period.stop"]


def test_ids_that_may_identify_someone_are_left_out_of_locations() -> None:
    document = note_text_bundle()
    # A Patient's id is often its MRN; an id equal to an identifier value is one.
    document["entry"][0]["resource"]["id"] = "884213"
    document["entry"][0]["resource"]["gender"] = ["female"]
    document["entry"][1]["resource"]["id"] = "884213"
    document["entry"][1]["resource"]["identifier"] = [{"value": "884213"}]
    document["entry"][1]["resource"]["status"] = 7
    error = rejected(document)
    assert [p.location for p in error.problems] == [
        "entry[0] Patient.gender",
        "entry[1] Encounter.status",
    ]


def test_unknown_resource_type_is_rejected_without_repeating_it() -> None:
    document = note_text_bundle()
    document["entry"].append({"resource": {"resourceType": "Johanna", "id": "x"}})
    document["entry"].append({"resource": {"resourceType": "HumanName", "given": ["x"]}})
    document["entry"].append({"resource": {"id": "no-type"}})
    error = rejected(document)
    assert [p.to_dict() for p in error.problems] == [
        {
            "location": f"entry[{i}].resource.resourceType",
            "message": "missing, or not a FHIR R4 resource type",
        }
        for i in (3, 4, 5)
    ]


def test_malformed_entries_are_named() -> None:
    document = note_text_bundle()
    document["entry"].append("Johanna")
    document["entry"].append({"resource": ["Johanna"]})
    document["entry"].append({"request": {"url": "Patient/1"}})  # request.method missing
    error = rejected(document)
    assert [p.to_dict() for p in error.problems] == [
        {"location": "Bundle.entry[3]", "message": "expected an object, got a JSON string"},
        {"location": "Bundle.entry[4].resource", "message": "expected an object, got a JSON array"},
    ]
    del document["entry"][3:5]
    error = rejected(document)
    assert [p.location for p in error.problems] == ["Bundle.entry[3].request.method"]


def test_problems_in_resources_clinrelay_does_not_read_are_warnings() -> None:
    document = note_text_bundle()
    document["entry"].append(
        {
            "resource": {
                "resourceType": "Observation",
                "id": "o1",
                "status": "final",
                "code": {"text": "BP"},
                "effectivePeriod": {"start": "2024-03-14", "stop": "2024-03-14"},
                "performer": [{"reference": "Practitioner/x", "display": "Dr. Ann Quill"}],
            }
        }
    )
    parsed = parse_bundle(document)
    assert [(w.location, w.message) for w in parsed.warnings] == [
        (
            "entry[3] Observation/o1.effectivePeriod.stop",
            "unknown element (not part of this FHIR R4 resource); "
            "resource ignored (clinrelay does not read Observation)",
        )
    ]
    # Still harvested for the de-identifier's dictionary.
    assert "Dr. Ann Quill" in {n.text for n in parsed.known_phi.names}

    error = rejected(document, strict=True)
    assert [p.location for p in error.problems] == ["entry[3] Observation/o1.effectivePeriod.stop"]


def test_the_list_of_problems_is_bounded() -> None:
    entries = [{"resource": encounter(f"e{i}", status=None)} for i in range(50)]
    error = rejected({"resourceType": "Bundle", "type": "collection", "entry": entries})
    assert len(error.problems) == MAX_PROBLEMS
    assert error.problems_omitted == 50 - MAX_PROBLEMS
    assert error.to_dict()["problems_omitted"] == 30
    assert str(error).endswith("(and 49 more).")


def test_to_dict_is_what_the_gateway_sends() -> None:
    document = note_text_bundle()
    document["entry"][0]["resource"]["birthDate"] = "2024-13-45"
    error = rejected(document)
    assert error.to_dict() == {
        "message": "1 resource in the Bundle is not valid FHIR R4: entry[0] Patient.birthDate: "
        "Date value string does not match spec regex.",
        "kind": "invalid_resources",
        "problems": [
            {
                "location": "entry[0] Patient.birthDate",
                "message": "Date value string does not match spec regex.",
            }
        ],
        "problems_omitted": 0,
    }


def test_a_message_that_would_echo_the_value_is_replaced() -> None:
    from pydantic import BaseModel, ValidationError, field_validator

    from shared.intake.fhir.errors import problems_from_validation_error

    class Strict(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def no_digits(cls, value: str) -> str:
            raise ValueError(f"{value} is not allowed")

    with pytest.raises(ValidationError) as caught:
        Strict(name="Johanna")
    (problem,) = problems_from_validation_error(caught.value, "entry[0] Patient")
    assert problem.to_dict() == {
        "location": "entry[0] Patient.name",
        "message": "invalid value (value_error)",
    }


def test_bytes_text_and_decoded_json_give_the_same_result() -> None:
    document = note_text_bundle()
    from_bytes = parse_bundle(orjson.dumps(document))
    assert parse_bundle(orjson.dumps(document).decode()) == from_bytes
    assert parse_bundle(document) == from_bytes
