"""Forms where the coder must pick the right code of a condition, not only the condition: a
cancer current or history (I.C.2.d/m), a relative's cancer by site, and more (one form a test,
FY2026 Official Guidelines; pure domain code)."""

from __future__ import annotations

import pytest

from services.analyzer.coding import cancer_status
from services.analyzer.coding.coder import NoteText, code_encounter
from shared.events.coding import CareSetting, Sex

OUT = CareSetting.OUTPATIENT


def codes(text: str, setting: CareSetting = OUT) -> set[str]:
    return {s.code for s in code_encounter([NoteText("N1", text)], setting).suggestions}


# --- current malignancy or personal history (I.C.2.d, I.C.2.m) ---


def test_melanoma_is_a_condition_and_its_history_is_z85_820() -> None:
    assert "C43.9" in codes("Assessment: melanoma, wide excision scheduled.")
    found = codes("Impression:\n1. Personal history of melanoma, NED on exam today.")
    assert "Z85.820" in found
    assert not any(c.startswith("C43") for c in found)


def test_a_cancer_written_both_ways_with_no_disease_left_is_history() -> None:
    note = (
        "Melanoma surveillance visit.\n"
        "Hx: melanoma of the back, wide local excision 2019, no recurrence.\n"
        "Impression: history of melanoma, NED."
    )
    found = codes(note)
    assert "Z85.820" in found
    assert not any(c.startswith("C43") for c in found)


def test_a_cancer_written_both_ways_under_treatment_now_is_current() -> None:
    note = (
        "PMH: history of breast cancer.\n"
        "Assessment: breast cancer, ER positive, on adjuvant anastrozole."
    )
    found = codes(note)
    assert any(c.startswith("C50") for c in found)
    assert "Z85.3" not in found
    assert "Z79.811" in found


def test_a_cancer_written_as_history_but_treated_now_is_current() -> None:
    found = codes("Assessment: history of breast cancer, on tamoxifen.")
    assert any(c.startswith("C50") for c in found)
    assert "Z85.3" not in found


@pytest.mark.parametrize(
    "sentence",
    [
        "History of colon cancer s/p resection, completed adjuvant chemotherapy in 2016.",
        "History of breast cancer, no adjuvant therapy.",
        "History of prostate cancer, previously on leuprolide, stopped 2020.",
    ],
)
def test_treatment_that_is_over_or_denied_leaves_the_history_code(sentence: str) -> None:
    found = codes(f"Assessment: {sentence}")
    assert any(c.startswith("Z85") for c in found)
    assert not any(c.startswith("C") for c in found)


@pytest.mark.parametrize(
    ("text", "treated"),
    [
        ("on adjuvant letrozole", True),
        ("receiving cycle 3 of FOLFOX chemotherapy", True),
        ("currently undergoing radiation", True),
        ("no adjuvant therapy", False),
        ("completed adjuvant chemotherapy", False),
        ("s/p chemotherapy", False),
    ],
)
def test_treatment_now_is_read_from_the_words(text: str, treated: bool) -> None:
    assert cancer_status.treated_now(text) is treated


# --- a relative's cancer, by site (category Z80) ---


@pytest.mark.parametrize(
    ("relative", "code"),
    [
        ("Father had melanoma.", "Z80.8"),
        ("Mother had ovarian cancer.", "Z80.41"),
        ("Sister had leukemia.", "Z80.6"),
    ],
)
def test_a_relatives_cancer_takes_the_family_history_code_of_its_site(
    relative: str, code: str
) -> None:
    assert code in codes(f"Family history: {relative}")


# --- the patient's sex (Patient.gender) where the code asks for it ---


def test_breast_cancer_takes_its_side_and_the_patients_sex_from_the_record() -> None:
    note = [NoteText("N1", "Assessment: malignant neoplasm of right breast, on anastrozole.")]
    woman = code_encounter(note, OUT, sex=Sex.FEMALE).suggestions
    man = code_encounter(note, OUT, sex=Sex.MALE).suggestions
    unknown = code_encounter(note, OUT).suggestions
    assert "C50.911" in {s.code for s in woman}
    assert "C50.921" in {s.code for s in man}
    # Without the sex the code stays the unspecified one, never a guessed sex.
    assert not {s.code for s in unknown} & {"C50.911", "C50.921"}


# --- pressure injuries on labelled lines: site, side and stage, never a measurement ---


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("R heel -- Stage 4 pressure injury: 2.5 x 2.0 x 0.8 cm, eschar at edges.", "L89.614"),
        ("L buttock -- Unstageable pressure injury (obscured by slough): 4 x 3.5 cm.", "L89.320"),
        ("Sacrum/coccyx -- Deep tissue pressure injury: 5 x 4 cm, skin intact.", "L89.156"),
        ("Sacrum: stage 2 pressure ulcer 3 x 2 cm.", "L89.152"),
    ],
)
def test_a_pressure_injury_line_gives_its_site_side_and_stage(line: str, code: str) -> None:
    assert code in codes(f"Assessment:\na. {line}\n", CareSetting.INPATIENT)


def test_a_measurement_is_not_a_stage_but_a_named_number_is() -> None:
    assert "N18.4" in codes("Assessment: CKD stage 4, creatinine 2.5 x baseline.")
    assert "E11.9" in codes("Assessment: type 2 diabetes, 3 x 2 cm callus.")


# --- a delivery encounter (Chapter 15: outcome, complications, O80 only when uncomplicated) ---

_DELIVERY = (
    "G1 P1001 admitted at 39w2d in spontaneous labor.\n"
    "Delivery: spontaneous vaginal delivery, single liveborn female, Apgars 8/9.\n"
)


def test_an_uncomplicated_delivery_is_o80_with_its_outcome_and_weeks() -> None:
    assert codes(_DELIVERY, CareSetting.INPATIENT) == {"O80", "Z37.0", "Z3A.39"}


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("Second-degree perineal laceration, repaired.", "O70.1"),
        ("3rd degree perineal laceration (3b), repaired in OR.", "O70.22"),
        ("Postpartum hemorrhage due to uterine atony, QBL 1,150 mL.", "O72.1"),
        ("PPH from retained placenta, manual removal.", "O72.0"),
        ("GBS positive, penicillin intrapartum x 3 doses.", "O99.824"),
        ("Postpartum acute blood loss anemia, IV iron.", "O90.81"),
    ],
)
def test_a_delivery_complication_replaces_o80(line: str, code: str) -> None:
    found = codes(_DELIVERY + line + "\n", CareSetting.INPATIENT)
    assert code in found
    assert {"Z37.0", "Z3A.39"} <= found
    assert "O80" not in found
    assert "O62.2" not in found  # atony with hemorrhage is not the labour's inertia


def test_twins_and_stillbirth_take_their_outcome_codes() -> None:
    twins = "Twin gestation at 36 weeks, vaginal delivery, both liveborn, Apgars 8/9 and 7/9."
    assert "Z37.2" in codes(twins, CareSetting.INPATIENT)
    still = "IUFD at 38 weeks; delivered vaginally, stillborn male."
    assert "Z37.1" in codes(still, CareSetting.INPATIENT)


def test_a_planned_delivery_gives_no_delivery_codes() -> None:
    note = (
        "Prenatal visit at 36 weeks, G2P1.\n"
        "Plan: vaginal delivery, GBS positive - penicillin in labor."
    )
    found = codes(note)
    assert not found & {"O80", "Z37.0", "O99.824"}


# --- laterality when a sentence names more than one side ---


@pytest.mark.parametrize(
    ("sentence", "code"),
    [
        ("Primary OA of the right knee (left knee mild, asymptomatic).", "M17.11"),
        ("Primary osteoarthritis, both knees.", "M17.0"),
        ("Primary osteoarthritis of right and left knees.", "M17.0"),
        ("Cellulitis of the right lower leg; left leg normal.", "L03.115"),
        ("Cellulitis of the left foot.", "L03.116"),
        ("R heel pressure ulcer stage 2; L heel intact.", "L89.612"),
    ],
)
def test_the_side_is_the_mentions_own_or_the_nearest_or_both(sentence: str, code: str) -> None:
    assert code in codes(f"Assessment: {sentence}")


@pytest.mark.parametrize(
    ("sentence", "code"),
    [
        ("Chronic low back pain with left-sided sciatica.", "M54.42"),
        ("Low back pain radiating down the right leg, right sciatica.", "M54.41"),
    ],
)
def test_low_back_pain_with_sciatica_is_lumbago_with_sciatica_of_its_side(
    sentence: str, code: str
) -> None:
    found = codes(f"Assessment: {sentence}")
    assert code in found
    assert not any(c.startswith(("M54.5", "M54.3")) for c in found)


# --- refinement by the index's own words and by the encounter's other sentences ---


@pytest.mark.parametrize(
    ("text", "code", "setting"),
    [
        ("A: Acute otitis media of the right ear.", "H66.91", OUT),  # not suppurative H66.001
        ("A: Acute suppurative otitis media, left ear.", "H66.002", OUT),
        ("Impression: symptomatic premature ventricular contractions (PVCs).", "I49.3", OUT),
        ("A: BPH with nocturia, stable on tamsulosin.", "N40.1", OUT),
        ("HPI: smokes 1 ppd x 30 yr.\nPlan: smoking cessation counseled.", "F17.210", OUT),
        (
            "Dx: community-acquired pneumonia in a patient with COPD.",
            "J44.0",
            CareSetting.INPATIENT,
        ),
    ],
)
def test_the_code_the_index_gives_for_the_notes_words(
    text: str, code: str, setting: CareSetting
) -> None:
    assert code in codes(text, setting)


def test_copd_with_pneumonia_keeps_the_pneumonia_and_drops_the_unspecified_copd() -> None:
    found = codes("Dx: pneumonia in a patient with COPD.", CareSetting.INPATIENT)
    assert {"J44.0", "J18.9"} <= found
    assert "J44.9" not in found


# --- receptor status (category Z17): one code per receptor, combined only when only combined ---


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("ER-positive, PR-negative, HER2-negative", {"Z17.0", "Z17.22", "Z17.32"}),
        ("ER/PR+, HER2 3+", {"Z17.0", "Z17.21", "Z17.31"}),
        ("HR+/HER2-", {"Z17.411"}),
        ("HR-negative, HER2-negative", {"Z17.421"}),
        ("ER+, HER2 2+ (equivocal), FISH pending", {"Z17.0"}),
    ],
)
def test_receptor_status_beside_a_breast_cancer(status: str, expected: set[str]) -> None:
    found = codes(f"Assessment: left breast cancer, {status}.")
    assert {c for c in found if c.startswith("Z17")} == expected


def test_no_receptor_status_without_a_malignancy() -> None:
    assert not any(c.startswith("Z17") for c in codes("Labs: ER+ noted on outside report."))


def test_a_past_episode_is_no_detail_of_the_condition_now() -> None:
    note = "A: Asthma, moderate persistent, well controlled; last exacerbation > 1 yr."
    assert "J45.40" in codes(note)
    assert "J45.41" in codes("A: Asthma exacerbation, moderate persistent.")


def test_j44_0_goes_when_its_infection_is_not_coded() -> None:
    note = (
        "HPI: COPD, 3 days of worse dyspnea and wheeze.\n"
        "Labs/Imaging: CXR no infiltrate. COVID/flu neg.\n"
        "Dx: COPD w/ acute exacerbation."
    )
    found = codes(note, CareSetting.EMERGENCY)
    assert "J44.1" in found
    assert not found & {"J44.0", "J44.9"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # The 7th character of E08–E13 retinopathy is the eye, not an encounter stage.
        ("Type 2 diabetes with moderate nonproliferative diabetic retinopathy without macular "
         "edema, bilateral.", "E11.3393"),
        ("Type 1 diabetes with severe nonproliferative diabetic retinopathy, both eyes, no "
         "macular edema.", "E10.3493"),
        ("Type 2 diabetes with mild nonproliferative diabetic retinopathy without macular edema, "
         "left eye.", "E11.3292"),
        ("Type 2 diabetes with mild nonproliferative diabetic retinopathy.", "E11.3299"),
        # A glaucoma's 7th character is its stage.
        ("Primary open-angle glaucoma of the left eye, severe stage.", "H40.1123"),
    ],
)  # fmt: skip
def test_a_7th_character_that_is_no_encounter_stage_is_read_from_the_note(
    text: str, code: str
) -> None:
    assert code in codes(text)


# --- laterality (session 7, room codeinpt2) ---


@pytest.mark.parametrize(
    ("text", "code", "not_codes"),
    [
        # the abbreviations of diabetic eye disease and of both eyes
        ("Assessment: DM2 with mild NPDR OU, no edema.", "E11.3293", {"E11.3291", "E11.9"}),
        (
            "Assessment: type 2 diabetes with proliferative diabetic retinopathy, left eye.",
            "E11.3592",
            {"E11.3591"},
        ),
        # one side named is unilateral, both sides bilateral; osteoarthritis is primary unless
        # the note says otherwise (index: Osteoarthritis, knee M17.1-, bilateral M17.0)
        ("Assessment: left hip osteoarthritis, injection today.", "M16.12", {"M16.9", "M16.10"}),
        ("Assessment: osteoarthritis of the hips bilaterally.", "M16.0", {"M16.9"}),
        ("Assessment: post-traumatic osteoarthritis of the right knee.", "M17.31", {"M17.11"}),
        # a subcategory is a kind of its category: carpal tunnel is of the upper limb
        ("Assessment: carpal tunnel syndrome of the left wrist.", "G56.02", {"G56.00"}),
        ("Assessment: carpal tunnel syndrome in both hands.", "G56.03", {"G56.00"}),
    ],
)
def test_the_side_the_note_names(text: str, code: str, not_codes: set[str]) -> None:
    found = codes(text)
    assert code in found
    assert not found & not_codes
