"""The coder's guideline rules, one form at a time (pure domain code: no broker, no database).

Each case is a form a note takes — a markdown heading, a history list, a drug list, a BMI — not a
particular note; the expected codes are what the FY2026 ICD-10-CM Official Guidelines give.
"""

from __future__ import annotations

import pytest

from services.analyzer.coding.coder import NoteText, code_encounter
from services.analyzer.coding.integral import explaining_diagnosis
from services.analyzer.coding.long_term_drugs import drug_uses
from services.analyzer.coding.pipeline import clinical_pipeline
from services.analyzer.coding.specificity import unspecified_child
from shared.events.coding import CareSetting

OUT, IN = CareSetting.OUTPATIENT, CareSetting.INPATIENT


def codes(text: str, setting: CareSetting = OUT) -> set[str]:
    return {s.code for s in code_encounter([NoteText("N1", text)], setting).suggestions}


def excluded(text: str, setting: CareSetting = OUT) -> dict[str, str]:
    result = code_encounter([NoteText("N1", text)], setting)
    return {s.code: s.rationale or "" for s in result.excluded}


# --- sections ---


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("# Allergies\nAllergy to peanuts.\n", "allergies"),
        ("## Medications\nmetformin 500 mg\n", "medications"),
        ("PAST MEDICAL HISTORY:\nHypothyroidism.\n", "past_medical_history"),
        ("S: feels well.\n", "history_of_present_illness"),
        ("A: Essential hypertension.\n", "observation_and_plan"),
        ("CT ABDOMEN/PELVIS:\nInflamed appendix.\n", "other"),
        ("Precipitant: missed insulin doses.\n", "other"),
    ],
)
def test_headings_of_every_form_are_sections(text: str, category: str) -> None:
    (section,) = clinical_pipeline().read(text).sections
    assert section.category == category


def test_a_lone_letter_without_its_colon_is_no_heading() -> None:
    assert clinical_pipeline().read("A\nfollow-up.\n").sections == []


def test_heading_words_are_never_coded() -> None:
    note = "# History of Present Illness\nFeels well.\n\n# Allergies\nNo Known Allergies.\n"
    assert codes(note) == set()  # no R69 "illness", no T78.40XA "allergies"


def test_a_problem_named_as_a_heading_is_still_coded() -> None:
    assert "I10" in codes("Assessment:\n# Hypertension, controlled: continue amlodipine.\n")


def test_labels_under_a_family_history_heading_stay_in_it() -> None:
    note = "# Family History\nFather: myocardial infarction at 58.\nMother: breast cancer.\n"
    assert codes(note) == {"Z82.49", "Z80.3"}


def test_medications_and_review_of_systems_give_no_diagnoses() -> None:
    note = "Medications: aspirin for coronary artery disease.\nROS: positive for fatigue.\n"
    assert codes(note) == set()


# --- assertion scope ---


def test_a_history_cue_introducing_a_list_covers_the_whole_list() -> None:
    note = (
        "Patient has a history of essential hypertension (disorder), prediabetes (finding), "
        "sprain of wrist (disorder), polyp of colon, malignant neoplasm of colon (disorder)."
    )
    found = codes(note)
    assert "Z85.038" in found
    assert not any(c.startswith("C18") for c in found)


def test_a_negation_inside_one_item_does_not_reach_the_next() -> None:
    note = "Diagnoses: concussion with no loss of consciousness, laceration of left hand."
    found = codes(note, CareSetting.EMERGENCY)
    assert "S06.0X0A" in found
    assert "S61.412A" in found


def test_a_negation_introducing_a_list_covers_it() -> None:
    assert codes("Denies fever, chills, nausea, vomiting, diarrhea, dysuria.") == set()


def test_a_backward_cue_stays_in_its_item() -> None:
    assert "J45.909" not in codes("Assessment: asthma resolved in adolescence, hypertension.")
    assert "I10" in codes("Assessment: asthma resolved in adolescence, hypertension.")


# --- history, status, resolved ---


def test_a_chronic_condition_stated_resolved_elsewhere_is_not_current() -> None:
    note = (
        "Patient has a history of childhood asthma (disorder), essential hypertension.\n"
        "Assessment: Asthma resolved in adolescence, no inhaler use in decades."
    )
    assert "J45.909" not in codes(note)


def test_quitting_smoking_is_personal_history_of_nicotine_dependence() -> None:
    found = codes("Social history: patient quit smoking 20 years ago.")
    assert "Z87.891" in found
    assert not any(c.startswith("F17") for c in found)


def test_status_post_amputation_is_an_acquired_absence_with_its_side() -> None:
    assert "Z89.512" in codes("Status post left below-knee amputation, stump healed.")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("History of fracture of forearm.", "Z87.81"),
        ("History of concussion with no loss of consciousness.", "Z87.820"),
        ("History of dislocation of right shoulder joint.", "Z87.828"),
    ],
)
def test_a_past_injury_is_the_history_code_of_its_kind(text: str, code: str) -> None:
    found = codes(text)
    assert code in found
    assert not any(c.startswith("S") for c in found)  # never an A 7th character


@pytest.mark.parametrize(
    "text",
    ["History of sprain of ankle.", "Patient has a history of laceration of thigh, asthma."],
)
def test_a_healed_minor_injury_gives_no_history_code(text: str) -> None:
    found = codes(text)
    assert not any(c.startswith(("S", "Z87.8")) for c in found)


def test_an_injury_at_a_follow_up_takes_the_subsequent_encounter_character() -> None:
    note = "A: Nondisplaced fracture of lateral malleolus of right fibula, subsequent encounter."
    assert "S82.64XD" in codes(note)


def test_aftercare_of_an_injury_is_its_subsequent_encounter_not_an_initial_one() -> None:
    """I.C.19.a: aftercare of an injury is coded with the injury's 7th character D."""
    note = "Reason for visit: aftercare of displaced fracture of right patella, s/p ORIF."
    found = codes(note)
    assert "S82.001D" in found
    assert not any(c.endswith("A") and c.startswith("S82") for c in found)


# --- integral symptoms, refinement, combinations ---


def test_a_symptom_integral_to_the_diagnosis_is_not_coded() -> None:
    note = "S: productive cough and fever for 6 days.\nA: Acute bronchitis."
    assert codes(note) == {"J20.9"}
    assert "Section I.B.5" in excluded(note)["R05.9"]


def test_a_symptom_no_diagnosis_explains_is_coded() -> None:
    assert explaining_diagnosis("R05.9", ["I10"]) is None
    assert explaining_diagnosis("R06.02", ["I50.22"]) == "I50.22"


@pytest.mark.parametrize(
    ("category", "child"),
    [("I46", "I46.9"), ("J45.90", "J45.909"), ("K25", "K25.9"), ("C50", "C50.919")],
)
def test_a_category_falls_back_to_its_unspecified_billable_child(category: str, child: str) -> None:
    assert unspecified_child(category) == child


def test_without_complications_is_the_uncomplicated_code() -> None:
    assert codes("A: Type 2 diabetes mellitus without complications.") == {"E11.9"}


def test_diabetes_with_ckd_is_the_combination_plus_the_stage() -> None:
    found = codes("A: Type 2 diabetes. Chronic kidney disease stage 4. Hypertension.")
    assert {"E11.22", "N18.4", "I12.9"} <= found
    assert not {"E11.9", "I10"} & found


def test_diabetes_with_peripheral_arterial_disease_is_diabetic_angiopathy() -> None:
    found = codes("A: Type 2 diabetes mellitus. Peripheral arterial disease.")
    assert "E11.51" in found
    assert not {"I73.9", "E11.9"} & found


def test_obesity_takes_the_bmi_code_and_a_bmi_alone_does_not() -> None:
    assert {"E66.01", "Z68.41"} <= codes("A: Morbid obesity due to excess calories, BMI 41.2.")
    assert not any(c.startswith("Z68") for c in codes("Vitals: BMI 41.2. A: hypertension."))


# --- uncertain diagnoses by setting ---


def test_an_uncertain_diagnosis_is_coded_inpatient_only() -> None:
    note = "Assessment: probable urinary tract infection. Dysuria."
    assert codes(note, OUT) == {"R30.0"}
    assert "N39.0" in codes(note, IN)


# --- long-term drug therapy ---


def test_insulin_with_type_2_diabetes_is_long_term_use() -> None:
    note = "Medications: insulin glargine 20 units, metformin 1000 mg.\nA: Type 2 diabetes."
    assert {"Z79.4", "Z79.84"} <= codes(note)


def test_insulin_is_never_long_term_use_in_type_1_diabetes() -> None:
    note = "Medications: insulin glargine 20 units.\nA: Type 1 diabetes mellitus."
    assert "Z79.4" not in codes(note)


@pytest.mark.parametrize(
    "text",
    [
        "Hold metformin.",
        "Metformin stopped last year.",
        "Start semaglutide.",
        "Sliding-scale insulin while NPO.",
        "He is not taking warfarin.",
        "Not a candidate for insulin at this time.",
    ],
)
def test_a_drug_not_being_taken_is_no_long_term_use(text: str) -> None:
    assert drug_uses(text) == []


def test_an_anticoagulant_is_long_term_use_whatever_the_diagnosis() -> None:
    assert "Z79.01" in codes("Atrial fibrillation on apixaban.")


# --- words in another sense ---


@pytest.mark.parametrize(
    "text",
    [
        "Tetanus booster given.",
        "Tetanus >10y.",
        "X-ray: healing fracture with callus.",
        "Right foot pulses faint.",
    ],
)
def test_words_in_another_sense_are_no_conditions(text: str) -> None:
    assert not {"A35", "L84", "R55"} & codes(text)


# --- dates, types, generic words, procedures, pregnancy ---


def test_an_acute_condition_dated_in_a_past_year_is_history() -> None:
    found = codes("Coronary artery disease, NSTEMI in 2021 treated with a stent.")
    assert "I25.2" in found
    assert not any(c.startswith("I21") for c in found)


def test_a_chronic_condition_dated_in_a_past_year_is_still_current() -> None:
    assert "I10" in codes("Hypertension diagnosed in 2010, on lisinopril.")


def test_diabetic_complications_take_the_documented_type() -> None:
    found = codes("Diabetic ketoacidosis without coma. Type 1 diabetes mellitus.", IN)
    assert "E10.10" in found
    assert not any(c.startswith("E11") for c in found)


def test_a_lone_generic_word_is_not_coded() -> None:
    assert codes("Illness resolved.\nS: feels well, no new illness.") == set()
    assert "R69" not in codes("Chronic illness, stable.")


def test_a_synthea_procedure_item_is_no_condition() -> None:
    note = "The following procedures were conducted:\n- assessment of alcohol use (procedure)\n"
    assert codes(note) == set()


def test_an_uncomplicated_code_gives_way_to_the_specific_one_of_its_subcategory() -> None:
    note = "Dx: Acute alcohol intoxication in a patient with alcohol dependence, uncomplicated."
    found = codes(note, CareSetting.EMERGENCY)
    assert "F10.220" in found
    assert "F10.20" not in found


def test_weeks_of_gestation_go_with_a_pregnancy_code_only() -> None:
    note = "G2P1 at 28 weeks 2 days. A: Gestational diabetes mellitus, diet controlled."
    assert "Z3A.28" in codes(note)
    assert not any(
        c.startswith("Z3A") for c in codes("Cough for 2 weeks. Pregnancy test negative.")
    )


def test_siadh_is_the_syndrome_of_inappropriate_antidiuretic_hormone() -> None:
    assert "E22.2" in codes("A/P: SIADH - fluid restriction 1 L, recheck sodium.", IN)
