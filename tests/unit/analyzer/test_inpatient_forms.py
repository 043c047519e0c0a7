"""Forms of inpatient notes (session 6, room codeinpt): severe sepsis from the organ dysfunction the
note ties to sepsis, the organism of a sepsis written as an abbreviation, and a billed code the
documented one denies. In other words than the development encounters that taught them."""

from __future__ import annotations

from services.analyzer.coding.code_detail import denies
from services.analyzer.coding.coder import NoteText, code_encounter
from services.analyzer.coding.severe_sepsis import linked, severe_sepsis_code
from shared.events.coding import CareSetting

IN = CareSetting.INPATIENT


def codes(text: str) -> set[str]:
    return {s.code for s in code_encounter([NoteText("N1", text)], IN).suggestions}


# --- severe sepsis (I.C.1.d.1.a) ---


def test_sepsis_with_a_linked_organ_dysfunction_is_severe_sepsis() -> None:
    note = (
        "Discharge diagnoses:\n"
        "1. Sepsis due to pneumococcal pneumonia with acute hypoxic respiratory failure.\n"
        "2. Hypertension."
    )
    found = codes(note)
    assert "R65.20" in found
    assert "R65.21" not in found


def test_an_organ_dysfunction_called_sepsis_associated_is_linked() -> None:
    note = (
        "Principal diagnosis: Sepsis from a right foot abscess.\n"
        "Secondary: Metabolic encephalopathy, septic, resolved with antibiotics."
    )
    assert "R65.20" in codes(note)


def test_an_organ_dysfunction_put_down_to_another_cause_is_no_severe_sepsis() -> None:
    note = (
        "Diagnoses:\n"
        "- Sepsis due to cellulitis of the left arm.\n"
        "- Acute kidney injury from contrast, not related to the sepsis."
    )
    found = codes(note)
    assert "R65.20" not in found
    assert "N17.9" in found


def test_an_organ_dysfunction_beside_an_unlinked_sepsis_is_no_severe_sepsis() -> None:
    note = (
        "Diagnoses:\n- Sepsis due to cholangitis.\n- Acute kidney injury, prerenal from vomiting."
    )
    assert "R65.20" not in codes(note)


def test_a_note_that_denies_organ_dysfunction_codes_no_severe_sepsis() -> None:
    coded = {
        "A41.9": [("sepsis", "Sepsis with acute kidney injury.")],
        "N17.9": [("acute kidney injury", "Sepsis with acute kidney injury.")],
    }
    assert severe_sepsis_code(coded) == "R65.20"
    assert severe_sepsis_code(coded, ["Course: no organ dysfunction from the infection."]) is None
    assert severe_sepsis_code({**coded, "R65.21": [("septic shock", "septic shock")]}) is None


def test_the_link_by_a_sepsis_sentence_that_names_the_dysfunction() -> None:
    assert linked(["AKI improving."], ["AKI"], ["Septicemia with AKI and hypotension."])
    assert not linked(["AKI improving."], ["AKI"], ["Sepsis, source unclear."])


# --- the organism written short ---


def test_sepsis_due_to_e_coli_is_its_organism_code() -> None:
    assert "A41.51" in codes("Assessment: Sepsis due to E. coli, improving on ceftriaxone.")
    assert "A41.51" in codes("Impression: E coli sepsis from a urinary source.")


# --- a billed code the documented one denies ---


def test_a_documented_without_denies_the_billed_with() -> None:
    assert denies("R65.20", "R65.21")
    assert denies("K57.32", "K57.20")
    assert not denies("E11.9", "E11.65")
