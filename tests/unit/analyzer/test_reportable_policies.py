"""What makes a code reportable at all, by policy rather than by a note's form (issue 17,
session 7, room codegate): symptoms routinely part of a diagnosis (I.B.5), a condition named as
what a test looks for. Each case is written from the guideline, not copied from a note.
"""

from __future__ import annotations

import pytest

from services.analyzer.coding.coder import NoteText, code_encounter
from services.analyzer.coding.integral import explaining_diagnosis
from shared.events.coding import CareSetting

OUT, IN = CareSetting.OUTPATIENT, CareSetting.INPATIENT


def coded(text: str, setting: CareSetting = OUT) -> tuple[set[str], dict[str, str]]:
    result = code_encounter([NoteText("N1", text)], setting)
    reasons = {x.code: x.rationale or "" for x in result.excluded}
    return {s.code for s in result.suggestions}, reasons


# --- I.B.5: symptoms routinely part of the diagnosis ---


@pytest.mark.parametrize(
    ("symptom", "diagnoses", "explained_by"),
    [
        ("I95.9", ["A41.9", "R65.20"], "A41.9"),  # hypotension of sepsis with organ dysfunction
        ("I95.9", ["R65.21"], "R65.21"),  # of septic shock
        ("R11.0", ["N13.2"], "N13.2"),  # nausea of an obstructing ureteral stone
        ("R11.2", ["N23"], "N23"),  # vomiting of renal colic
        ("R10.9", ["E10.10"], "E10.10"),  # abdominal pain of diabetic ketoacidosis
        ("R53.83", ["J18.9"], "J18.9"),  # fatigue of pneumonia
        ("R19.7", ["K57.32"], "K57.32"),  # diarrhea of diverticulitis
    ],
)
def test_a_symptom_routinely_part_of_the_diagnosis_is_explained_by_it(
    symptom: str, diagnoses: list[str], explained_by: str
) -> None:
    assert explaining_diagnosis(symptom, diagnoses) == explained_by


@pytest.mark.parametrize(
    ("symptom", "diagnoses"),
    [
        ("I95.9", ["J18.9"]),  # hypotension is no part of pneumonia itself
        ("R53.83", ["E78.5"]),  # fatigue is no part of hyperlipidemia
        ("R19.7", ["N13.2"]),  # diarrhea is no part of a ureteral stone
    ],
)
def test_a_symptom_the_diagnosis_does_not_explain_stays(symptom: str, diagnoses: list[str]) -> None:
    assert explaining_diagnosis(symptom, diagnoses) is None


def test_the_hypotension_of_a_septic_patient_is_not_coded_beside_the_sepsis() -> None:
    note = (
        "Hospital course: admitted with hypotension and fever; blood cultures grew E. coli.\n"
        "Discharge diagnoses: Sepsis due to E. coli with acute kidney failure."
    )
    found, reasons = coded(note, IN)
    assert "A41.51" in found
    assert "I95.9" not in found
    assert "I.B.5" in reasons["I95.9"]


# --- a condition named as what a test looks for ---


@pytest.mark.parametrize(
    "sentence",
    [
        "Plan: home sleep apnea test ordered.",
        "COVID-19 test sent.",
        "Influenza test sent.",
        "Celiac disease tests pending.",
    ],
)
def test_a_condition_named_as_the_object_of_a_test_is_no_diagnosis(sentence: str) -> None:
    found, _ = coded(f"Assessment: Essential hypertension. {sentence}")
    assert found == {"I10"}


def test_a_test_written_with_its_positive_result_still_names_the_condition() -> None:
    found, _ = coded("Assessment: Essential hypertension. COVID-19 test positive today.")
    assert "U07.1" in found


# --- a condition dated to a past year is history (I.C.21.c.4) ---


@pytest.mark.parametrize(
    ("line", "history", "not_current"),
    [
        ("Problem list: DVT 2019 (provoked), anticoagulation completed.", "Z86.718", "I82"),
        ("Problem list: TIA 2021 without residual deficit.", "Z86.73", "G45"),
        ("Problem list: kidney stones 2018, passed spontaneously.", "Z87.442", "N20"),
        ("Problem list: pneumonia (2022).", "Z87.01", "J18"),
    ],
)
def test_a_condition_dated_to_a_year_is_its_history(
    line: str, history: str, not_current: str
) -> None:
    found, _ = coded(f"Assessment: Essential hypertension.\n{line}")
    assert history in found
    assert not any(c.startswith(not_current) for c in found)


@pytest.mark.parametrize(
    ("line", "current"),
    [
        ("Problem list: GERD since 2019, on omeprazole.", "K21.9"),  # when it began: ongoing
        ("Problem list: GERD dx 2019.", "K21.9"),
        ("Problem list: atrial fibrillation 2019.", "I48.91"),  # chronic: dated, still current
    ],
)
def test_a_year_of_onset_or_a_chronic_condition_stays_current(line: str, current: str) -> None:
    found, _ = coded(f"Assessment: Essential hypertension.\n{line}")
    assert current in found
