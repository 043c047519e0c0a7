"""Forms of emergency-department notes that made the coder report what a certified coder would
reject, or miss what they would report (issue 17, session 7, room codetmpl): a final diagnosis
that names the symptom and the condition it ruled out in one line, the index's names of chest
pain, the manifestations of a post-COVID condition (telehealth). Each test uses wording of its
own, not a note's (pure domain code).
"""

from __future__ import annotations

import pytest

from services.analyzer.coding.coder import NoteText, code_encounter
from shared.events.coding import CareSetting

ED = CareSetting.EMERGENCY


def codes(text: str, setting: CareSetting = ED) -> set[str]:
    return {s.code for s in code_encounter([NoteText("N1", text)], setting).suggestions}


@pytest.mark.parametrize(
    ("text", "kept", "ruled_out"),
    [
        ("Final dx: Headache - meningitis ruled out by LP.", "R51.9", "G03.9"),
        ("Impression: Syncope - pulmonary embolism excluded by CTA.", "R55", "I26.99"),
        ("Dx: chest wall pain - myocardial infarction ruled out.", "R07.89", "I21.9"),
    ],
)
def test_a_symptom_stays_beside_what_its_work_up_ruled_out(
    text: str, kept: str, ruled_out: str
) -> None:
    got = codes(text)
    assert kept in got
    assert ruled_out not in got


def test_a_condition_ruled_out_right_after_its_dash_is_still_ruled_out() -> None:
    assert "J18.9" not in codes("Dx: Pneumonia - ruled out. Viral syndrome.")


def test_a_hyphenated_word_or_a_terse_minus_is_no_clause_break() -> None:
    # "x-ray" and "-SOB" keep their reading: the minus still denies its word.
    got = codes("CP. -SOB -diaphoresis. x-ray neg.\nDx: chest pain, PE ruled out.")
    assert "R07.9" in got
    assert "R06.02" not in got


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Dx: atypical chest pain, low HEART score.", "R07.89"),
        ("Impression: pleuritic chest pain after a viral illness.", "R07.81"),
        ("Dx: chest wall pain, reproducible on palpation.", "R07.89"),
    ],
)
def test_the_index_names_of_chest_pain(text: str, code: str) -> None:
    got = codes(text)
    assert code in got
    assert "R07.9" not in got


def test_decision_making_is_reasoning_beside_a_final_impression() -> None:
    # The differential hedges nothing the impression concludes; signs the decision making
    # explains are not coded beside the diagnosis.
    got = codes(
        "HPI: 2 days of right flank pain and vomiting.\n"
        "MDM: Differential: pyelonephritis, renal colic, biliary colic. Tachycardia from"
        " dehydration, improved with fluids. Mild hypokalemia from vomiting, repleted.\n"
        "Final impression: Acute pyelonephritis, right.\n"
    )
    assert "N10" in got
    assert not got & {"R00.0", "N23", "K80.50", "R11.10"}


def test_decision_making_without_a_final_statement_is_the_statement() -> None:
    got = codes(
        "HPI: fall from standing, wrist pain.\n"
        "MDM: Distal radius fracture, closed, displaced; splinted. Dehydration, given fluids.\n"
        "Dispo: home, ortho follow-up.\n"
    )
    assert "E86.0" in got
    assert any(c.startswith("S52.5") for c in got)


def test_severe_sepsis_in_the_impression_keeps_the_sepsis_of_the_reasoning() -> None:
    got = codes(
        "MDM: sepsis from a urinary source with acute kidney injury; fluids and cefepime.\n"
        "Impression: Severe sepsis due to urinary tract infection with AKI.\n"
    )
    assert {"A41.9", "R65.20", "N39.0", "N17.9"} <= got


@pytest.mark.parametrize(
    ("text", "combined", "gone"),
    [
        (
            "Dx:\n1. Alcohol withdrawal, CIWA 14\n2. Alcohol use disorder, severe",
            "F10.230",
            {"F10.20", "F10.930"},
        ),
        (
            "Impression: acute alcohol intoxication; chronic alcohol dependence.",
            "F10.220",
            {"F10.20", "F10.120", "F10.920"},
        ),
        (
            "Dx: Opioid withdrawal. Opioid use disorder, severe, on buprenorphine.",
            "F11.23",
            {"F11.20", "F11.93"},
        ),
    ],
)
def test_a_state_written_apart_from_the_dependence_is_its_combination(
    text: str, combined: str, gone: set[str]
) -> None:
    got = codes(text)
    assert combined in got
    assert not got & gone


def test_abuse_beside_dependence_is_the_dependence() -> None:
    got = codes("Dx: Alcohol abuse. Alcohol dependence.")
    assert "F10.20" in got
    assert "F10.10" not in got


def test_a_state_without_dependence_keeps_its_own_code() -> None:
    got = codes("Dx: Alcohol withdrawal, mild, CIWA 9.")
    assert "F10.930" in got
    assert not {c for c in got if c.startswith("F10.2")}


@pytest.mark.parametrize(
    "text",
    [
        "Dx: forehead lac 2.5 cm, repaired with Dermabond.",
        "Final dx: Laceration of the forehead, simple repair.",
    ],
)
def test_a_forehead_laceration_is_of_another_part_of_the_head(text: str) -> None:
    got = codes(text)
    assert "S01.81XA" in got
    assert "S01.91XA" not in got


def test_the_manifestations_of_a_post_covid_condition_are_coded_with_it() -> None:
    # A telehealth follow-up: the fatigue belongs to the sequela, not to the treated thyroid.
    got = codes(
        "Phone visit. Hypothyroidism on levothyroxine, TSH normal.\n"
        "A/P: Post COVID-19 condition with fatigue and difficulty concentrating since the"
        " illness in spring. Hypothyroidism stable.",
        CareSetting.OUTPATIENT,
    )
    assert {"U09.9", "R53.83", "R41.840", "E03.9"} <= got


def test_fatigue_beside_hypothyroidism_alone_is_still_integral() -> None:
    got = codes("A/P: Hypothyroidism with fatigue, dose increased.", CareSetting.OUTPATIENT)
    assert "E03.9" in got
    assert "R53.83" not in got


def test_a_threatened_miscarriage_is_no_miscarriage() -> None:
    got = codes("Impression: threatened miscarriage, closed os, live intrauterine pregnancy.")
    assert "O20.0" in got
    assert not {c for c in got if c.startswith("O03")}
