"""Forms of weak evidence that must not yield a code, and forms of redundancy between codes.

Each case is a form a note takes — a return instruction, a screening score, an immunization list,
an ECG finding that borrows a diagnosis's word — not a particular note (pure domain code).
"""

from __future__ import annotations

import pytest

from services.analyzer.coding.coder import NoteText, code_encounter
from services.analyzer.coding.combinations import narrower_siblings, superseded_defaults
from services.analyzer.coding.integral import explaining_diagnosis
from services.analyzer.coding.long_term_drugs import drug_uses
from services.analyzer.coding.rewrites import rewritten
from shared.events.coding import CareSetting

OUT, IN = CareSetting.OUTPATIENT, CareSetting.INPATIENT


def codes(text: str, setting: CareSetting = OUT) -> set[str]:
    return {s.code for s in code_encounter([NoteText("N1", text)], setting).suggestions}


# --- instructions and plans: conditions named as what to watch for ---


@pytest.mark.parametrize(
    "text",
    [
        "RTC 3 months. Return sooner for chest pain, fever or any foot wounds.",
        "Return if fever or worsening cough.",
        "Call if shortness of breath or leg swelling.",
        "Go to the ED if chest pain.",
        "Reviewed signs of stroke with the family.",
    ],
)
def test_a_return_or_call_instruction_codes_nothing(text: str) -> None:
    assert codes(text) == set()


def test_consider_is_an_uncertain_diagnosis_outpatient() -> None:
    assert codes("Plan: consider obstructive sleep apnea, sleep study.") == set()


def test_low_suspicion_is_a_negation() -> None:
    assert not codes("Low suspicion for aortic dissection given exam.", IN) & {"I71.00"}


@pytest.mark.parametrize(
    "text",
    [
        "Discussed weight loss and exercise.",
        "Counseled on weight loss of 5-10%.",
        "Weight loss goal of 10 lb by summer.",
    ],
)
def test_weight_loss_as_a_goal_is_not_the_symptom(text: str) -> None:
    assert "R63.4" not in codes(text)


def test_unintended_weight_loss_is_still_the_symptom() -> None:
    assert "R63.4" in codes("Reports 10 lb weight loss over 3 months, poor appetite.")


# --- lists that name conditions in another sense ---


@pytest.mark.parametrize(
    "text",
    [
        "Patient was given the following immunizations: influenza, seasonal, injectable.\n",
        "## Plan\nThe patient was given the following immunizations:\n- varicella\n- MMR\n",
        "Immunizations:\n- influenza\n- hepatitis B\n",
    ],
)
def test_an_immunization_list_names_vaccines_not_infections(text: str) -> None:
    assert codes(text) <= {"Z23"}  # the encounter for immunization, never the infection


def test_procedure_and_care_plan_lists_name_no_diagnosis() -> None:
    note = (
        "The following procedures were conducted:\n"
        "- assessment using alcohol use disorders identification test (procedure)\n"
        "The following care plans were initiated:\n"
        "- Asthma self management\n"
    )
    assert codes(note) == set()


@pytest.mark.parametrize(
    ("text", "not_code"),
    [
        ("EKG: ST elevation II, III, aVF with reciprocal depression I, aVL.", "F32.A"),
        ("ECG shows ST depression in leads V4-V6.", "F32.A"),
        ("Diffuse wheezes. Accessory muscle use.", "Q79.8"),
    ],
)
def test_a_finding_that_borrows_a_diagnosis_word_is_not_it(text: str, not_code: str) -> None:
    assert not_code not in codes(text)


def test_depression_as_a_mood_is_still_coded() -> None:
    assert codes("A: Depression, stable on sertraline.") & {"F32.A", "F32.9"}


def test_an_abbreviated_allergy_heading_is_an_allergy_list() -> None:
    assert "R21" not in codes("All: PCN (rash)\nA: Essential hypertension.")


# --- generic words ---


@pytest.mark.parametrize(
    ("text", "not_code"),
    [
        ("Tobacco use disorder: nicotine patch, cessation counseling.", "Z71.9"),
        ("Three days of sore throat and painful swallowing.", "R52"),
    ],
)
def test_a_lone_generic_word_is_not_coded(text: str, not_code: str) -> None:
    assert not_code not in codes(text)


# --- redundancy between codes ---


def test_a_sibling_saying_less_is_dropped() -> None:
    assert narrower_siblings({"I50.32", "I50.33"}) == {"I50.32"}
    assert narrower_siblings({"S52.531A", "S52.532A"}) == set()  # right and left: both stand


def test_tobacco_use_is_not_coded_beside_nicotine_dependence() -> None:
    assert "Z72.0" in superseded_defaults({"Z72.0", "F17.210"})


@pytest.mark.parametrize(
    ("symptom", "diagnosis"),
    [
        ("R11.0", "I21.19"),  # nausea with a myocardial infarction
        ("R61", "I21.4"),  # diaphoresis
        ("R59.0", "J02.0"),  # cervical lymphadenopathy with streptococcal pharyngitis
        ("J90", "I50.33"),  # pleural effusion in heart failure
    ],
)
def test_symptoms_integral_to_the_diagnosis(symptom: str, diagnosis: str) -> None:
    assert explaining_diagnosis(symptom, [diagnosis, symptom]) == diagnosis


@pytest.mark.parametrize(
    "text", ["Heparin bolus, ticagrelor load 180 mg.", "Clopidogrel loading dose given in ED."]
)
def test_a_loading_dose_is_not_long_term_drug_therapy(text: str) -> None:
    assert drug_uses(text) == []


def test_a_maintenance_antiplatelet_is_long_term_drug_therapy() -> None:
    assert [u.code for u in drug_uses("Meds: clopidogrel 75 mg daily.")] == ["Z79.02"]


# --- second round of forms ---


@pytest.mark.parametrize(
    "text",
    [
        "Exposed to classmates with flu.",
        "Sick contacts with strep throat at daycare.",
        "Ibuprofen 400 mg for pain and fever.",
        "Pain control with acetaminophen.",
        "Pt seen for wound care.",
        "A/P:\n# ?UTI - UA pending.\n",
    ],
)
def test_exposures_treatment_targets_services_and_queries_code_nothing(text: str) -> None:
    assert codes(text) == set()


def test_bacteremia_is_not_coded_beside_sepsis() -> None:
    assert "R78.81" in superseded_defaults({"R78.81", "A40.3", "J13"})


def test_an_unspecified_injury_beside_the_sided_one_is_dropped() -> None:
    assert narrower_siblings({"S72.009A", "S72.002A"}) == {"S72.009A"}
    assert narrower_siblings({"S72.009A", "S72.002D"}) == set()  # different encounter stage


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("History of basal cell carcinoma of the nose, excised 2020.", "Z85.828"),
        ("Flu vaccine given today.", "Z23"),
        ("Tobacco use disorder, smokes 1 ppd.", "F17.210"),
        ("Nicotine dependence, cigarettes.", "F17.210"),
        ("Stage 2 pressure injury of coccyx.", "L89.152"),
        ("Displaced Colles' fracture of right radius, routine healing.", "S52.531D"),
        ("Displaced Colles' fracture of right radius, nonunion.", "S52.531K"),
    ],
)
def test_the_code_a_coder_gives_the_form(text: str, code: str) -> None:
    assert code in codes(text)


@pytest.mark.parametrize(
    "text",
    ["Flu vaccine declined.", "Tdap up to date.", "Shingrix due next visit."],
)
def test_a_vaccine_not_given_today_is_no_immunization_encounter(text: str) -> None:
    assert "Z23" not in codes(text)


def test_an_uncertain_diagnosis_in_the_hospital_course_is_not_coded_inpatient() -> None:
    note = (
        "Hospital course: Possible pneumonia was considered on admission but procalcitonin was "
        "low.\n\nDischarge diagnoses:\n1. Acute on chronic diastolic heart failure\n"
        "2. Probable viral bronchitis\n"
    )
    found = codes(note, IN)
    assert "J18.9" not in found
    assert "J40" in found  # the final diagnostic statement still counts (Section II.H)


# --- third round: terse notes ---


def test_an_attached_minus_denies_its_word_and_no_more() -> None:
    assert codes("pt c/o cough, -fever, -N/V") == {"R05.9"}
    assert codes("c/o chest pain since 0600. -SOB -diaphoresis.") == {"R07.9"}


@pytest.mark.parametrize(
    ("text", "not_codes"),
    [
        ("A)\n#1 DM type 2, poorly controlled\n#2 Gout, no flare\n#3 Obesity", {"E10.65"}),
        ("Outpt stress test ordered.", {"Z73.3"}),
        ("Right knee well-healed scar.", {"L90.5"}),
        ("Reviewed hypoglycemia s/s, foot care.", {"E16.2"}),
        ("CT: right perinephric stranding c/w pyelonephritis.", {"N12"}),
        ("Diffuse crampy abd pain. Dx: viral gastroenteritis.", {"R52", "R10.9", "R10.84"}),
    ],
)
def test_the_form_gives_none_of(text: str, not_codes: set[str]) -> None:
    assert not codes(text) & not_codes


def test_a_numbered_problem_keeps_its_own_words() -> None:
    found = codes("A)\n#1 DM type 2, poorly controlled\n#2 Gout, stable\n#3 Obesity, class I")
    assert {"E11.65", "M10.9"} <= found
    assert any(c.startswith("E66") for c in found)


def test_a_strain_is_the_injury_not_the_pain() -> None:
    found = codes("Imp: Acute cervical strain after MVC. Neck pain.")
    assert "S16.1XXA" in found
    assert "M54.2" not in found


# --- statuses by the sentence (data/status_rewrites.tsv) ---


@pytest.mark.parametrize(
    ("code", "sentence", "expected"),
    [
        ("T78.40XA", "Known peanut allergy (hives at age 2), carries EpiPen.", "Z91.010"),
        ("T78.40XA", "Allergies: penicillin (rash).", "Z88.0"),
        ("T78.40XA", "Allergic to sulfa drugs.", "Z88.2"),
        ("T78.40XA", "Seasonal allergies, uses loratadine.", "J30.2"),
        ("T78.40XA", "Allergic reaction to peanuts with hives after lunch.", "T78.40XA"),
        ("T78.40XA", "Allergy flaring.", None),
        ("B20", "Known HIV infection, virally suppressed, CD4 712.", "Z21"),
        ("B20", "AIDS with Pneumocystis pneumonia.", "B20"),
    ],
)
def test_a_code_rewritten_by_its_sentence(code: str, sentence: str, expected: str | None) -> None:
    assert rewritten(code, sentence) == expected


@pytest.mark.parametrize(
    ("text", "not_codes"),
    [
        ("Ruled out: choledocholithiasis -- MRCP negative.", {"K80.51", "K80.50"}),
        ("Post-op pain controlled on PO.", {"R52"}),
        ("On bictegravir/emtricitabine/tenofovir AF.", {"I48.91"}),
        ("Eczema flaring. A: Atopic dermatitis, moderate flare.", {"L30.9"}),
        ("Dx: adenocarcinoma, stage IVB. A: Lung adenocarcinoma RUL.", {"C80.1"}),
        ("Post COVID-19 condition after COVID-19 in January.", {"U07.1"}),
    ],
)
def test_the_form_gives_none_of_these(text: str, not_codes: set[str]) -> None:
    assert not codes(text) & not_codes


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Lung adenocarcinoma RUL with brain mets.", "C34.11"),
        ("Acute sigmoid diverticulitis with pericolic abscess and perforation.", "K57.20"),
        ("4 days LLQ pain.", "R10.32"),
    ],
)
def test_abbreviations_and_cues_give_the_specific_code(text: str, code: str) -> None:
    assert code in codes(text)
