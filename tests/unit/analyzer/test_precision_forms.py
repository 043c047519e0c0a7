"""Forms that made the coder report what a certified coder would reject (issue 17, session 5):
a differential in the decision-making, a fragility fracture the note denies, a BMI class label,
a heading's words joined to its content, a costovertebral-angle finding, teaching about a
condition. Each is a form a note takes, not a particular note (pure domain code).
"""

from __future__ import annotations

import pytest

from services.analyzer.coding.bmi import bmi_values
from services.analyzer.coding.coder import NoteText, code_encounter
from services.analyzer.coding.encounter_reasons import encounter_reasons
from services.analyzer.coding.osteoporotic_fracture import said_osteoporotic
from shared.events.coding import CareSetting

OUT, IN, ED = CareSetting.OUTPATIENT, CareSetting.INPATIENT, CareSetting.EMERGENCY


def codes(text: str, setting: CareSetting = OUT) -> set[str]:
    return {s.code for s in code_encounter([NoteText("N1", text)], setting).suggestions}


@pytest.mark.parametrize(
    "text",
    [
        "MDM: Differential included appendicitis, pyelonephritis, ectopic pregnancy.",
        "Differential: appendicitis, ovarian torsion.",
        "Appendicitis excluded by CT.",
    ],
)
def test_a_differential_or_an_excluded_diagnosis_is_not_coded(text: str) -> None:
    assert not codes(text, ED) & {"K37", "K35.80", "N12", "O00.90", "N83.519"}


@pytest.mark.parametrize(
    ("text", "osteoporotic"),
    [
        ("Orthopedics does not consider this a fragility fracture given the mechanism.", False),
        ("Not a pathologic fracture.", False),
        ("Osteoporotic fracture of the left hip.", True),
        ("No trauma. Fragility fracture of L1.", True),
    ],
)
def test_a_denied_fragility_fracture_is_no_osteoporotic_fracture(
    text: str, osteoporotic: bool
) -> None:
    assert said_osteoporotic(text) is osteoporotic


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("Body mass index 30+ - obesity (finding)", []),
        ("BMI 30-39.9, obese class", []),
        ("BMI 32.4", [32.4]),
        ("BMI: 41.2. Morbid obesity.", [41.2]),
    ],
)
def test_a_bmi_class_label_is_no_measurement(text: str, values: list[float]) -> None:
    assert [v.value for v in bmi_values(text)] == values


def test_a_heading_never_lends_its_words_to_a_term() -> None:
    found = codes("Family history: brother with colon cancer at 62.")
    assert "Z80.0" in found
    assert "Z80.9" not in found


@pytest.mark.parametrize(
    "text", ["Exam: R CVA tenderness, abdomen soft.", "Tenderness over the left CVA."]
)
def test_cva_tenderness_is_the_costovertebral_angle_not_a_stroke(text: str) -> None:
    assert not {c for c in codes(text) if c.startswith(("I63", "I69", "Z86.73"))}


def test_stress_urinary_incontinence_is_no_psychosocial_stress() -> None:
    assert "Z73.3" not in codes("He reports mild stress urinary incontinence when lifting.")


def test_teaching_about_a_condition_is_no_diagnosis() -> None:
    assert "E16.2" not in codes("PLAN: INCREASE GLARGINE. HYPOGLYCEMIA TEACHING.")


def test_a_synthea_general_examination_is_the_encounter_reason() -> None:
    text = "# Assessment and Plan\nPatient is presenting with general examination of patient."
    assert [r.code for r in encounter_reasons([text], [])] == ["Z00.00"]
    assert [r.code for r in encounter_reasons([text], ["I10"])] == ["Z00.01"]


@pytest.mark.parametrize("text", ["Smoking: former, quit 2000.", "Smoking: quit 2000."])
def test_a_label_answered_former_or_quit_is_the_history(text: str) -> None:
    found = codes(text)
    assert "Z87.891" in found
    assert not {c for c in found if c.startswith("F17")}


def test_a_current_smoker_label_stays_current() -> None:
    assert "F17.210" in codes("Smoking: current, 1 ppd.")


def test_tetanus_up_to_date_is_the_vaccine() -> None:
    assert "A35" not in codes("Tetanus UTD (2022).")


@pytest.mark.parametrize(
    ("text", "code", "not_code"),
    [
        ("COPD, AF on apixaban.", "I48.91", "I48.20"),
        ("Chronic kidney disease and atrial fibrillation.", "I48.91", "I48.20"),
        ("Type 2 diabetes, uncontrolled.", "E11.65", "E11.9"),
        ("Asthma, moderate persistent.", "J45.40", "J45.909"),
    ],
)
def test_a_neighbouring_condition_in_another_list_item_lends_no_detail(
    text: str, code: str, not_code: str
) -> None:
    found = codes(text)
    assert code in found
    assert not_code not in found


def test_a_condition_that_was_a_concern_is_uncertain() -> None:
    note = (
        "Hospital course: Colon cancer was a concern on the CT read; colonoscopy in 6 weeks.\n"
        "Discharge diagnoses: Acute sigmoid diverticulitis."
    )
    assert not {c for c in codes(note, IN) if c.startswith("C18")}
