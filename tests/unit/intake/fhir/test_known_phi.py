"""The structured PHI collected for the de-identifier."""

from __future__ import annotations

import functools

from shared.intake.fhir import parse_bundle
from shared.intake.known_phi import KnownPhi, PersonName, PostalAddress
from tests.unit.intake.fhir.builders import bundle, encounter, fixture_bytes, patient, ref


@functools.cache
def inferno(name: str) -> KnownPhi:
    return parse_bundle(fixture_bytes(f"inferno-uscore/{name}")).known_phi


def texts(known: KnownPhi) -> set[str]:
    """Every name as one string, however it was given."""
    return {n.text or " ".join((*n.prefix, *n.given, n.family or "")).strip() for n in known.names}


def test_inferno_85_patient_relative_clinicians_and_places() -> None:
    known = inferno("uscore_bundle_patient_85.json")

    patient_name = PersonName(
        given=("Lucien408",), family="Bosco882", prefix=("Mr.",), suffix=("PharmD",), role="patient"
    )
    assert patient_name in known.names
    roommate = next(n for n in known.names if n.family == "Jefferson174")
    assert (roommate.given, roommate.role) == (("Ronald408", "MacGyver246"), "relative")
    assert (
        PersonName(given=("Melvin857",), family="Torp761", prefix=("Dr.",), role="clinician")
        in known.names
    )
    # Display strings of references to people are names too.
    assert PersonName(text="Dr. Melvin857 Torp761", role="clinician") in known.names
    assert PersonName(text="Mr. Lucien408 Bosco882", role="patient") in known.names

    assert {"999-47-5768", "S99921496", "d831ec91-c7a3-4a61-9312-7ff0c4a32134"} <= set(
        known.identifiers
    )
    assert "888009335" in known.identifiers  # Coverage.subscriberId
    assert (known.birth_date, known.deceased_date) == ("1940-03-29", "1977-07-14T04:17:45-04:00")
    assert {"555-510-6254", "555-164-3435"} <= set(known.phones)
    assert "Melvin857.Torp761@example.com" in known.emails  # telecom and contained Endpoint
    assert {"PCP87052", "LOWELL GENERAL HOSPITAL", "XYZ Medical Clinic"} <= set(known.organizations)
    roommate_home = next(a for a in known.addresses if a.lines == ("445 Braun Mews",))
    assert (roommate_home.city, roommate_home.postal_code) == ("Boston", "02110")
    hospital_or_clinic = {a.lines for a in known.addresses}
    assert ("1540 BRIDGE ST",) in hospital_or_clinic  # Location address


def test_inferno_client_test_mothers_maiden_name_birth_place_and_contact() -> None:
    known = inferno("uscore_bundle_patient_client_test.json")
    assert PersonName(text="Arnetta705 Walker122", role="relative") in known.names
    assert PostalAddress(city="Brookline", state="Massachusetts", country="US") in known.addresses
    assert "Dr. Patricia625 Kilback373" in texts(known)
    assert "HOLYOKE MEDICAL CENTER" in known.organizations


def test_every_kind_of_structured_phi_is_collected() -> None:
    document = bundle(
        patient(
            "p1",
            name=[
                {
                    "use": "official",
                    "given": ["Johanna", "Q"],
                    "family": "Vandermeer",
                    "prefix": ["Mrs."],
                },
                {"use": "maiden", "family": "Lindqvist"},
                {"text": "Jo Vandermeer"},
            ],
            identifier=[
                {"type": {"text": "MRN"}, "value": "884213"},
                {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "536-22-8741"},
            ],
            telecom=[
                {"system": "phone", "value": "617-555-0142"},
                {"system": "fax", "value": "617-555-0199"},
                {"system": "email", "value": "johanna@example.org"},
                {"system": "url", "value": "https://johanna.example.org"},
                {"system": "sms", "value": "617-555-0143"},
                {"system": "other", "value": "@johanna_v"},
            ],
            address=[
                {
                    "line": ["12 Larch Lane", "Apt 3"],
                    "city": "Dedham",
                    "district": "Norfolk",
                    "state": "MA",
                    "postalCode": "02026",
                    "country": "US",
                }
            ],
            deceasedDateTime="2024-12-01",
            contact=[
                {
                    "relationship": [{"coding": [{"code": "N"}]}],
                    "name": {"given": ["Pieter"], "family": "Vandermeer"},
                    "telecom": [{"system": "phone", "value": "617-555-0177"}],
                    "address": {"text": "4 Elm St, Dedham"},
                }
            ],
            extension=[
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName",
                    "valueString": "Greta Lindqvist",
                }
            ],
            generalPractitioner=[{"display": "Dr. Ann Quill"}],
        ),
        {
            "resourceType": "RelatedPerson",
            "id": "rp1",
            "patient": ref("p1"),
            "name": [{"given": ["Marta"], "family": "Vandermeer"}],
            "birthDate": "1979-02-11",
        },
        {
            "resourceType": "Practitioner",
            "id": "pr1",
            "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}],
            "name": [{"given": ["Ann"], "family": "Quill", "prefix": ["Dr."]}],
        },
        {
            "resourceType": "Organization",
            "id": "o1",
            "name": "Larch Lane Clinic",
            "alias": ["LLC Dedham"],
            "telecom": [{"system": "phone", "value": "781-555-0100"}],
        },
        {
            "resourceType": "Device",
            "id": "dev1",
            "serialNumber": "SN-77812",
            "udiCarrier": [
                {"deviceIdentifier": "00844588003288", "carrierHRF": "(01)00844588003288"}
            ],
        },
        encounter(
            "e1",
            participant=[
                {
                    "individual": {
                        "reference": "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999999999"
                    }
                }
            ],
            reasonReference=[{"reference": "Observation/o9", "display": "Blood pressure 150/95"}],
        ),
    )
    known = parse_bundle(document).known_phi

    assert PersonName(given=("Johanna", "Q"), family="Vandermeer", prefix=("Mrs.",)) in known.names
    assert PersonName(family="Lindqvist") in known.names
    assert PersonName(text="Jo Vandermeer") in known.names
    assert PersonName(given=("Pieter",), family="Vandermeer", role="relative") in known.names
    assert PersonName(text="Greta Lindqvist", role="relative") in known.names
    assert PersonName(given=("Marta",), family="Vandermeer", role="relative") in known.names
    assert (
        PersonName(given=("Ann",), family="Quill", prefix=("Dr.",), role="clinician") in known.names
    )
    # A display-only reference that may name a practitioner or an organisation.
    assert PersonName(text="Dr. Ann Quill", role="other") in known.names
    assert "Blood pressure 150/95" not in texts(known)  # an Observation's display is not PHI

    assert {
        "884213",
        "536-22-8741",
        "1234567893",
        "9999999999",
        "SN-77812",
        "00844588003288",
        "(01)00844588003288",
    } <= set(known.identifiers)
    assert "@johanna_v" in known.identifiers
    assert set(known.phones) == {"617-555-0142", "617-555-0143", "617-555-0177", "781-555-0100"}
    assert known.faxes == ("617-555-0199",)
    assert known.emails == ("johanna@example.org",)
    assert known.urls == ("https://johanna.example.org",)
    assert (
        PostalAddress(
            lines=("12 Larch Lane", "Apt 3"),
            city="Dedham",
            district="Norfolk",
            state="MA",
            postal_code="02026",
            country="US",
        )
        in known.addresses
    )
    assert PostalAddress(text="4 Elm St, Dedham") in known.addresses
    assert known.birth_date == "1951-06-02"
    assert known.deceased_date == "2024-12-01"
    assert known.other_dates == ("1979-02-11",)
    assert set(known.organizations) == {"Larch Lane Clinic", "LLC Dedham"}
    assert known.subject_key == "Patient/p1"  # no identifier typed MR


def test_subject_key_is_the_medical_record_number_when_there_is_one() -> None:
    known = inferno("uscore_bundle_patient_85.json")
    assert known.subject_key == (
        "MR|http://hospital.smarthealthit.org|d831ec91-c7a3-4a61-9312-7ff0c4a32134"
    )
    assert parse_bundle(bundle(patient("p1"), patient("p2"))).known_phi.subject_key is None
