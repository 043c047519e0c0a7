"""The whole Bundle is known PHI, found again in notes that spell it otherwise."""

from __future__ import annotations

from services.ingestor.phi.deidentify import PhiDeidentifier, deidentify_note
from shared.intake.fhir import parse_bundle
from shared.intake.known_phi import KnownPhi, PersonName, PostalAddress
from tests.near_miss import NOTES, near_miss_bundle, survivors


def test_no_near_miss_form_of_anything_the_bundle_states_survives() -> None:
    parsed = parse_bundle(near_miss_bundle())
    assert len(parsed.notes) == 2
    out = PhiDeidentifier().deidentify_notes(NOTES, parsed.known_phi)
    for text in out.texts:
        assert survivors(text) == []
    # the clinical content stays for the analysis
    assert "type 2 diabetes mellitus with hyperglycemia" in out.texts[0]
    assert "metformin" in out.texts[0]


PATIENT = KnownPhi(
    names=(
        PersonName(given=("Robert", "Zebulon"), family="Quartermaine"),
        PersonName(given=("Patricia",), family="Lindqvist", role="relative"),
        PersonName(given=("Donald",), family="Achterberg", role="clinician"),
    )
)


def deid(text: str, known: KnownPhi = PATIENT) -> str:
    return deidentify_note(text, known).text


def test_nicknames_prefixes_and_misspellings_of_every_person() -> None:
    assert deid("Bob seen. Robbie called. Zeb ate.") == "[NAME] seen. [NAME] called. [NAME] ate."
    assert deid("Spoke with Patty and Trish.") == "Spoke with [NAME] and [NAME]."
    assert "Lindquist" not in deid("Spoke with Ms Lindquist")  # one edit, 9 letters
    assert "Acterburg" not in deid("per dr acterburg")  # two edits, 10 letters
    assert "Quartermain" not in deid("QUARTERMAIN ZEB, seen")


def test_synthea_digits_after_a_variant_belong_to_it() -> None:
    assert "Zeb" not in deid("Zeb12 Quartermain34 is a 72 year-old man.")


def test_a_variant_that_is_an_ordinary_word_is_a_name_only_where_it_reads_as_one() -> None:
    note = "will don gloves, pat dry and rob the wound of slough. DOB 1/2/1950."
    assert deid(note).startswith("will don gloves, pat dry and rob the wound")
    assert "Will follow up" in deid(
        "Will follow up in 2 weeks.", KnownPhi(names=(PersonName(given=("William",)),))
    )
    # next to a name from the record, or capitalised in a mixed-case note, it is the person
    assert "pat" not in deid("called pat lindqvist back").lower()
    assert "Pat" not in deid("Called Pat back today.")


def test_short_names_get_no_fuzzy_neighbours() -> None:
    known = KnownPhi(names=(PersonName(given=("Ann",), family="Bell"),))
    # "Anny" is no prefix of Ann (too short to cut), "Belli" one edit from a 4-letter name
    assert deid("Seen by Anny and Belli.", known) == "Seen by Anny and Belli."


def test_addresses_in_other_forms() -> None:
    known = KnownPhi(
        addresses=(
            PostalAddress(lines=("41 Ambergate Road",), city="Pocasset", postal_code="SW1A 1AA"),
            PostalAddress(text="7 Orchard Cl, Little Snoring, Norfolk"),
        )
    )
    out = deid(
        "At 41 Ambergate Rd. (Ambergate Road), sw1a1aa; 7 Orchard Close, Little Snoring.", known
    )
    assert "Ambergate" not in out
    assert "sw1a1aa" not in out
    assert "Orchard" not in out
    assert "Snoring" not in out


def test_organisations_in_other_forms() -> None:
    known = KnownPhi(organizations=("Saint Brendan Memorial Hospital", "General Hospital"))
    out = deid("From St. Brendan Memorial to SBMH, then Brendan's; general surgery ward", known)
    assert "Brendan" not in out
    assert "SBMH" not in out
    assert "general surgery ward" in out  # General Hospital: ordinary words, no variant
