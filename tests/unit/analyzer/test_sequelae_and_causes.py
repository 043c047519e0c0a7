"""Stroke sequelae, paralysis dominance, external causes and refinement within a category — one
guideline form per case (pure domain code)."""

from __future__ import annotations

import pytest

from services.analyzer.coding.coder import NoteText, code_encounter
from services.analyzer.coding.external_causes import external_cause, initial_injury
from services.analyzer.coding.stroke_sequelae import (
    paralysis_side_digit,
    sequela_code,
    tied_to_a_stroke,
)
from shared.events.coding import CareSetting

OUT, IN = CareSetting.OUTPATIENT, CareSetting.INPATIENT


def codes(text: str, setting: CareSetting = OUT) -> set[str]:
    return {s.code for s in code_encounter([NoteText("N1", text)], setting).suggestions}


# --- I.C.6.a: side and dominance of a paralysis ---


@pytest.mark.parametrize(
    ("sentence", "note", "digit"),
    [
        ("Right hemiplegia.", "", "1"),  # right: dominant by default
        ("Left-sided hemiparesis.", "", "4"),  # left: non-dominant by default
        ("Left hemiparesis.", "She is left-handed.", "2"),
        ("Right hemiparesis.", "Left-handed.", "3"),
        ("Hemiparesis affecting the right side.", "", "1"),
        ("Left hemiparesis (right-handed).", "", "4"),  # handedness is not the side
        ("Hemiparesis.", "", None),
    ],
)
def test_the_side_and_dominance_of_a_paralysis(sentence: str, note: str, digit: str) -> None:
    assert paralysis_side_digit(sentence, note or sentence) == digit


def test_a_current_paralysis_takes_its_side() -> None:
    assert "G81.94" in codes("A: Left-sided hemiparesis.")


# --- I.C.9.d: deficits after a past stroke ---


@pytest.mark.parametrize(
    ("stroke", "deficit", "code"),
    [
        ("I63.9", "G81.94", "I69.354"),
        ("I63.9", "G81.90", "I69.359"),
        ("I61.9", "G81.91", "I69.151"),
        ("I63.9", "R47.01", "I69.320"),
        ("I63.9", "R13.10", "I69.391"),
        ("I63.9", "R29.810", "I69.392"),
        ("I63.9", "E11.9", None),  # not a deficit
    ],
)
def test_the_sequela_code_of_a_deficit(stroke: str, deficit: str, code: str | None) -> None:
    assert sequela_code(stroke, deficit) == code


@pytest.mark.parametrize(
    ("text", "expected", "not_expected"),
    [
        (
            "Left-sided hemiparesis from an ischemic stroke in 2022 (right-handed).",
            {"I69.354"},
            {"Z86.73", "G81.94", "I63.9"},
        ),
        ("Residual dysphagia from prior CVA.", {"I69.391", "R13.10"}, {"Z86.73"}),
        ("History of stroke, no residual deficits.", {"Z86.73"}, {"I69.398"}),
        ("Acute ischemic stroke with right hemiparesis.", {"I63.9", "G81.91"}, {"I69.351"}),
    ],
)
def test_a_deficit_of_a_past_stroke_is_its_sequela(
    text: str, expected: set[str], not_expected: set[str]
) -> None:
    found = codes(text, IN)
    assert expected <= found
    assert not found & not_expected


def test_a_deficit_is_tied_to_a_stroke_by_a_sequela_cue() -> None:
    assert tied_to_a_stroke("Aphasia since her stroke last year.", set())
    assert not tied_to_a_stroke("Aphasia.", set())


# --- I.C.20: external causes, for the initial encounter of an injury ---


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Missed a step going down the stairs at home.", "W10.9XXA"),
        ("Tripped over the dog at home, FOOSH.", "W01.0XXA"),
        ("Slipped on ice in the driveway.", "W00.0XXA"),
        ("Cut palm with a kitchen knife.", "W26.0XXA"),
        ("Bitten by the neighbour's dog.", "W54.0XXA"),
        ("Restrained driver in an MVC, rear-ended at a light.", "V43.52XA"),
        ("Back-seat passenger in a collision on the highway.", "V43.62XA"),
        ("Neck pain after an MVC yesterday.", "V89.2XXA"),
        ("Fell off a ladder cleaning gutters.", "W11.XXXA"),
    ],
)
def test_the_external_cause_a_note_tells(text: str, code: str) -> None:
    found = external_cause([text], "S52.501A")
    assert found is not None
    assert found[1].code == code


def test_no_external_cause_without_a_mechanism() -> None:
    assert external_cause(["High fall risk, bed alarm on."], "S52.501A") is None


def test_only_an_initial_encounter_injury_takes_an_external_cause() -> None:
    assert initial_injury({"S52.501A", "I10"}) == "S52.501A"
    assert initial_injury({"S52.501D", "I10"}) is None
    note = "HPI: cut L palm with kitchen knife. Dx: Laceration of left hand, initial encounter."
    assert "W26.0XXA" in codes(note)


# --- refinement within a category, and negated words lending no detail ---


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Stage 3 pressure ulcer of sacrum.", "L89.153"),
        ("A: Migraine without aura, not intractable, without status migrainosus.", "G43.009"),
        ("A: Migraine with aura, intractable.", "G43.119"),
    ],
)
def test_an_unspecified_code_is_refined_within_its_category(text: str, code: str) -> None:
    assert code in codes(text)


def test_words_after_a_negation_lend_no_detail() -> None:
    found = codes("A: Acute pancreatitis. No alcohol use.")
    assert not any(c.startswith("K85.2") for c in found)


# --- I.C.19.c.1 defaults, osteoporotic fractures (I.C.13.d), terse injury notes ---


def test_a_fracture_not_stated_displaced_is_displaced_and_closed() -> None:
    found = codes("X-ray: right intertrochanteric femur fracture.")
    assert "S72.141A" in found  # displaced, right, closed initial encounter


def test_an_osteoporotic_fracture_is_the_m80_combination() -> None:
    note = (
        "Known osteoporosis. X-ray: right intertrochanteric femur fracture, a fragility "
        "fracture, initial episode of care."
    )
    found = codes(note, IN)
    assert "M80.051A" in found
    assert not found & {"M81.0", "S72.141A"}


def test_osteoporosis_beside_a_traumatic_fracture_stays_apart() -> None:
    found = codes("Osteoporosis. Right intertrochanteric femur fracture after a car crash.", IN)
    assert {"M81.0", "S72.141A"} <= found


def test_a_terse_laceration_is_coded_with_its_knife() -> None:
    note = (
        "R index finger lac, cutting onions, knife slipped.\n"
        "Dx: simple laceration R index finger w/o FB, no tendon/nerve inj."
    )
    found = codes(note)
    assert {"S61.210A", "W26.0XXA"} <= found
    assert "W01.0XXA" not in found  # a knife slipping is not a fall


def test_croup_is_croup() -> None:
    assert codes("Impression: croup (laryngotracheitis), mild.") == {"J05.0"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("A: Gestational diabetes mellitus, diet controlled.", "O24.410"),
        ("Gestational diabetes, A1 (diet) -- good control.", "O24.410"),
        ("CT: 6 mm left ureteral calculus with moderate hydronephrosis.", "N13.2"),
    ],
)
def test_combinations_and_defaults_of_their_form(text: str, code: str) -> None:
    assert code in codes(text)


@pytest.mark.parametrize(
    ("text", "not_codes"),
    [
        ("CT: 6 mm left ureteral calculus with moderate hydronephrosis.", {"N20.1", "N13.30"}),
        ("Heartburn after meals. A: GERD.", {"R12"}),
        ("Itchy welts. Dx: allergic urticaria.", {"L29.9"}),
        ("Manic episode. A: Bipolar I disorder, current episode manic, severe.", {"F30.9"}),
        ("Plan: brief MI for cannabis use.", {"I21.9"}),
        ("Former smoker. Smoker: no.", {"F17.200"}),
    ],
)
def test_redundant_or_other_sense_codes_go(text: str, not_codes: set[str]) -> None:
    assert not codes(text) & not_codes


def test_a_sickle_cell_crisis_is_the_crisis_code_and_its_pain_integral() -> None:
    note = (
        "22 y.o. man with sickle cell anemia (HbSS) presents with severe thigh pain typical of "
        "his vaso-occlusive crises. Icterus."
    )
    found = codes(note, IN)
    assert "D57.00" in found
    assert not found & {"D57.1", "R52", "M79.659"}


# --- I.C.21.c: the reason for the encounter ---


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Annual physical.\nA: Essential hypertension.", "Z00.01"),  # with findings
        ("Annual physical.\nNo concerns. Exam normal.", "Z00.00"),
        ("WCC 2 yr\nGrowing well, no concerns.", "Z00.129"),
        ("Pre-operative medical evaluation before right knee arthroplasty.", "Z01.818"),
        ("PPE (pre-participation physical exam) -- football.", "Z02.5"),
        ("ONCOLOGY TREATMENT VISIT (C3D1)\nCarboplatin and pembrolizumab today.", "Z51.11"),
        ("ONCOLOGY TREATMENT VISIT (C3D1)\nCarboplatin and pembrolizumab today.", "Z51.12"),
    ],
)
def test_the_reason_for_the_encounter(text: str, code: str) -> None:
    assert code in codes(text)


def test_an_exam_named_in_the_history_is_no_reason_for_this_visit() -> None:
    note = "Follow-up of hypertension. " + "x " * 200 + "Annual eye exam 8/2025."
    assert not any(c.startswith("Z00") for c in codes(note))


# --- I.C.19.e.5.a: adverse effects of drugs taken as prescribed ---


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("A: Chemotherapy-induced nausea (adverse effect of carboplatin).", "T45.1X5A"),
        ("Severe hyponatremia due to hydrochlorothiazide (adverse effect).", "T50.2X5A"),
        ("Oxaliplatin-induced peripheral neuropathy, grade 2.", "T45.1X5A"),
    ],
)
def test_the_drug_class_of_an_adverse_effect(text: str, code: str) -> None:
    assert code in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Type 2 diabetes on metformin, no side effects from metformin.",
        "Hypertension on hydrochlorothiazide, tolerating it without side effects.",
    ],
)
def test_a_drug_without_an_effect_gives_no_adverse_effect_code(text: str) -> None:
    assert not any(c.startswith("T") for c in codes(text))
