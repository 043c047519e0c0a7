"""Forms of inpatient notes (session 6, room codeinpt): severe sepsis from the organ dysfunction the
note ties to sepsis, the organism of a sepsis written as an abbreviation, and a billed code the
documented one denies. In other words than the development encounters that taught them."""

from __future__ import annotations

import pytest

from services.analyzer.coding.code_detail import denies
from services.analyzer.coding.coder import NoteText, code_encounter
from services.analyzer.coding.severe_sepsis import linked, severe_sepsis_code
from services.analyzer.coding.specificity import further_complications
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


# --- diverticular disease by its words (K57) ---


def test_diverticulitis_of_the_colon_defaults_to_no_bleeding() -> None:
    found = codes("Final diagnosis: acute colonic diverticulitis, uncomplicated.")
    assert "K57.32" in found
    assert "K57.33" not in found


def test_diverticulitis_with_a_sized_perforation_and_abscess_is_of_the_large_intestine() -> None:
    note = "Dx: Sigmoid diverticulitis with a small walled-off perforation and pericolic abscess."
    found = codes(note)
    assert "K57.20" in found
    assert "K57.00" not in found


def test_diverticulosis_with_hemorrhage_is_the_bleeding_code_alone() -> None:
    found = codes("Discharge diagnosis: Diverticulosis of the descending colon with hemorrhage.")
    assert "K57.31" in found
    assert "R58" not in found


# --- hypoglycemia of a diabetic, weakness of a stroke ---


def test_hypoglycemia_of_a_diabetic_on_insulin_is_the_diabetes_code_alone() -> None:
    found = codes("Impression: Hypoglycemia in type 1 diabetes from a missed meal after insulin.")
    assert "E10.649" in found
    assert "E16.2" not in found


def test_weakness_beside_a_stroke_is_its_deficit_not_a_symptom() -> None:
    note = (
        "Diagnoses: Acute ischemic stroke, left MCA, with right hemiparesis.\n"
        "Course: right-sided weakness improved with therapy."
    )
    assert "R53.1" not in codes(note)


# --- a stroke dated to a past year with the deficit it left ---


def test_a_stroke_of_a_past_year_with_its_deficit_is_a_sequela() -> None:
    note = (
        "History: 79M, right-handed, with an ischemic stroke 2019 leaving left hemiparesis.\n"
        "Assessment: Left hemiparesis, late effect of stroke - PT at home."
    )
    found = codes(note)
    assert "I69.354" in found
    assert not any(c.startswith(("I63", "G81")) for c in found)
    assert "Z86.73" not in found


def test_a_stroke_of_a_past_year_without_a_deficit_is_history() -> None:
    note = "PMH: CVA 2015. Assessment: Community-acquired pneumonia."
    found = codes(note)
    assert "Z86.73" in found
    assert not any(c.startswith("I63") for c in found)


# --- names a note uses for conditions and organisms ---


def test_names_of_bladder_syncope_dysphagia_and_organism() -> None:
    note = (
        "Diagnoses:\n- Neurogenic bladder, self-catheterizes.\n- Orthostatic syncope.\n"
        "- Oropharyngeal dysphagia.\n- Gastric ulcer, H. pylori positive."
    )
    found = codes(note)
    assert {"N31.9", "I95.1", "R13.12", "B96.81"} <= found
    assert "R55" not in found


# --- the reaction of a known allergy; insulin only in hospital ---


def test_the_reaction_of_a_known_allergy_is_no_current_rash() -> None:
    note = "Assessment: Cellulitis of the left foot - cefazolin (her cephalexin allergy was hives)."
    found = codes(note)
    assert "Z88.1" in found
    assert not any(c.startswith(("L50", "R21")) for c in found)


def test_a_reaction_happening_now_is_coded() -> None:
    assert "R21" in codes("Assessment: Rash on the chest that started today; no known allergies.")


def test_insulin_added_in_hospital_is_no_long_term_use() -> None:
    note = (
        "Discharge diagnoses: Type 2 diabetes with hyperglycemia.\n"
        "Course: glargine was added while inpatient; home glipizide continued."
    )
    found = codes(note)
    assert "Z79.4" not in found
    assert "E11.65" in found


# --- one diabetes phrase, several complications (I.C.4.a) ---


def test_one_diabetes_phrase_with_two_complications_gives_both_codes() -> None:
    found = codes("Assessment: Type 1 diabetes with hypoglycemia and diabetic nephropathy.")
    assert {"E10.649", "E10.21"} <= found


def test_further_complications_need_their_own_words() -> None:
    assert further_complications("E11.65", {"type", "2", "diabetes", "hyperglycemia"}) == ()
    assert further_complications("I10", {"chronic", "kidney", "disease"}) == ()


def test_a_diabetic_ckd_phrase_gives_its_stage_and_its_other_complication() -> None:
    found = codes("Assessment: DM type 2 with hyperglycemia and diabetic CKD stage 3b, on insulin.")
    assert {"E11.22", "E11.65", "N18.32"} <= found
    assert "N18.2" not in codes("Impression: Type 2 diabetes with diabetic CKD stage 4.")


# --- the ulcer of venous insufficiency; the stroke scale ---


def test_a_stasis_ulcer_is_venous_insufficiency_with_the_ulcer() -> None:
    found = codes("Discharge diagnosis: stasis ulcer of the right calf, fat layer exposed.")
    assert {"I87.2", "L97.212"} <= found


def test_an_ulcer_of_varicose_veins_is_no_venous_insufficiency() -> None:
    found = codes("Diagnoses: Varicose veins of the left leg with ulcer; venous ulcer of the calf.")
    assert "I87.2" not in found


def test_the_initial_stroke_scale_goes_with_an_acute_stroke() -> None:
    note = (
        "Discharge diagnoses: Acute ischemic stroke, right MCA.\n"
        "Course: NIH stroke scale score at presentation 14, improved to 4 by discharge."
    )
    assert "R29.714" in codes(note)
    assert not any(c.startswith("R29.7") for c in codes("PMH: CVA 2018 (NIHSS 6). Dx: COPD."))
    assert not any(
        c.startswith("R29.7") for c in codes("Dx: acute ischemic stroke. Target NIHSS 0-2.")
    )


# --- "with" presumes a link unless the note breaks it (I.A.15) ---


def test_kidney_disease_the_note_puts_to_another_cause_is_no_diabetic_ckd() -> None:
    note = (
        "Assessment:\n1. Type 2 diabetes, on metformin.\n"
        "2. CKD stage 3b secondary to polycystic kidney disease, followed by nephrology."
    )
    found = codes(note)
    assert "E11.22" not in found
    assert {"E11.9", "N18.32"} <= found


def test_diabetes_and_ckd_are_linked_when_the_note_says_nothing_else() -> None:
    assert "E11.22" in codes("Assessment: Type 2 diabetes. CKD stage 3a.")


# --- do-not-resuscitate status ---


def test_a_standing_dnr_order_is_its_status() -> None:
    assert "Z66" in codes("Dx: sepsis due to pneumonia. She is DNR per her health care proxy.")


def test_a_dnr_discussed_or_declined_is_no_status() -> None:
    assert "Z66" not in codes(
        "Dx: COPD exacerbation. DNR was discussed; he wishes to stay full code."
    )
    assert "Z66" not in codes("Dx: COPD exacerbation. The family declined DNR.")


# --- names of inpatient diagnoses; both respiratory failures; COVID-19 pneumonia ---


def test_inpatient_diagnoses_by_the_names_clinicians_use() -> None:
    note = (
        "Final diagnoses:\n- Demand ischemia.\n- Pneumococcal pneumonia.\n"
        "- Recurrent C. diff colitis.\n- DKA, type 1 diabetes."
    )
    found = codes(note)
    assert {"I24.89", "J13", "A04.71", "E10.10"} <= found
    assert "A04.72" not in found


def test_respiratory_failure_with_both_gases_is_both_codes() -> None:
    found = codes("Impression: acute hypercapnic and hypoxic respiratory failure, on BiPAP.")
    assert {"J96.01", "J96.02"} <= found
    assert "J96.01" not in codes("Impression: acute on chronic hypoxic respiratory failure.")


def test_covid_pneumonia_is_the_virus_code_with_the_pneumonia() -> None:
    assert {"U07.1", "J12.82"} <= codes("Discharge diagnosis: pneumonia due to COVID-19.")


def test_a_past_ketoacidosis_is_over_though_the_diabetes_is_not() -> None:
    found = codes(
        "HPI: type 1 diabetes since childhood; one episode of DKA in 2017.\nA: Gastroenteritis."
    )
    assert "E10.10" not in found
    assert "E10.9" in found


# --- discharge summaries (session 7, room codeinpt2) ---


def test_a_combination_the_statement_also_names_keeps_the_statement() -> None:
    # The findings report builds the same combination from its parts (ulcer + melena); the
    # diagnosis stated at discharge must not be lost with the findings' evidence.
    note = (
        "Diagnoses at discharge:\n"
        "1. Bleeding chronic gastric ulcer\n"
        "2. Hypertension\n\n"
        "Endoscopy: EGD day 1 - 2 cm gastric antral ulcer, clipped. Melena stopped day 2."
    )
    assert "K25.4" in codes(note)


def test_the_story_after_the_discharge_diagnoses_is_not_one_of_them() -> None:
    # A blank line and a narrative label end a numbered diagnosis list: what the story and the
    # imaging say in passing (a symptom, a finding read as "possibly") is not a diagnosis.
    note = (
        "Discharge diagnoses:\n"
        "1. Cellulitis of the right lower leg\n"
        "2. Essential hypertension\n\n"
        "Story: three days of redness and lethargy at home.\n"
        "Imaging: leg film with possible osteopenia.\n\n"
        "Course: cefazolin then cephalexin; redness receding."
    )
    found = codes(note)
    assert {"L03.115", "I10"} <= found
    assert not found & {"R53.83", "M85.80", "M81.0"}


def test_shock_told_as_septic_shock_is_severe_sepsis_with_septic_shock() -> None:
    # Dictated: the organism's sepsis phrase takes the words around "shock"; the shock left over
    # is still the septic shock of that sentence (index: Shock, septic R65.21), never R57.9.
    note = (
        "She was hypotensive despite fluids and needed vasopressors. In the end this was septic "
        "shock due to Staphylococcus aureus bacteremia from a liver abscess."
    )
    found = codes(note)
    assert "R65.21" in found
    assert not found & {"R57.9", "R57.8", "R65.20"}


def test_staphylococcus_aureus_is_susceptible_unless_the_note_says_resistant() -> None:
    # Index: Sepsis, Staphylococcus aureus (methicillin susceptible) A41.01; MRSA and MSSA are
    # how inpatient notes write the organism.
    assert "A41.01" in codes("Sepsis due to Staphylococcus aureus, line removed.")
    assert "A41.02" in codes("Discharge diagnosis: sepsis due to MRSA.")
    assert "J15.211" in codes("Assessment: pneumonia due to MSSA.")


def test_coronary_atherosclerosis_with_angina_is_one_combination_code() -> None:
    # I.C.9.b: the link is assumed; the angina's kind chooses the I25.11- code, no I20 beside it.
    found = codes("Principal diagnosis: unstable angina.\nSecondary: CAD of native vessels.")
    assert "I25.110" in found
    assert not found & {"I25.10", "I20.0"}
    found = codes(
        "Assessment: ASCVD - coronary artery disease, exertional angina stable on nitrate."
    )
    assert "I25.118" in found or "I25.119" in found
    assert not found & {"I25.10", "I20.89", "I20.9"}


# --- home health and nursing visits (session 7, room codeinpt2) ---


def test_aftercare_of_a_fracture_is_its_subsequent_encounter() -> None:
    # I.C.19.a: care in the healing or recovery phase after active treatment takes D, not A.
    note = (
        "SN visit. Homebound.\n"
        "Reason for services: aftercare for a right distal radius fracture, ORIF 3 weeks ago."
    )
    found = codes(note)
    assert "S52.501D" in found
    assert "S52.501A" not in found
    found = codes("Wound/ortho: left ankle fracture healing per ortho, boot on.")
    assert any(c.startswith("S82") and c.endswith("D") for c in found)
    assert not any(c.startswith("S82") and c.endswith("A") for c in found)


def test_a_bare_year_after_an_acute_condition_dates_a_past_episode() -> None:
    # Problem lists and discharge summaries date past episodes by a bare year: history codes,
    # not the acute condition; an onset ("since") leaves a condition current.
    found = codes("Other problems: pulmonary embolism 2017 - finished rivaroxaban; nodule stable.")
    assert "Z86.711" in found
    assert not any(c.startswith("I26") for c in found)
    found = codes("Comorbidities: NSTEMI (2020), atrial fibrillation since 2022.")
    assert "I25.2" in found
    assert not any(c.startswith("I21") for c in found)
    assert "I48.91" in found


# --- words of inpatient diagnoses (session 7, room codeinpt2) ---


@pytest.mark.parametrize(
    ("text", "code", "not_codes"),
    [
        # the cirrhosis phrase takes "hepatic"; the encephalopathy left is still hepatic (K76.82)
        (
            "Discharge diagnoses: portosystemic encephalopathy from NASH cirrhosis, on lactulose.",
            "K76.82",
            {"G93.40", "G93.49"},
        ),
        # hyponatremia of SIADH is the syndrome's code (E87.1 Excludes1)
        ("Final diagnoses: hyponatremia secondary to SIADH (small cell).", "E22.2", {"E87.1"}),
        # a stroke's deficits are coded beside it; dysarthria is R47.1
        ("Diagnoses: acute ischemic stroke. Deficits: dysarthria, mild.", "R47.1", {"R47.81"}),
        # an embolic infarct of a named artery is the embolism code of that artery and side
        (
            "Principal diagnosis: embolic stroke of the left MCA from atrial fibrillation.",
            "I63.412",
            {"I63.9"},
        ),
        # self-terminating atrial fibrillation is paroxysmal
        ("Assessment: self-limited atrial fibrillation on telemetry.", "I48.0", {"I48.91"}),
        # thrombocytopenia put down to another disease is secondary
        (
            "Problem 4. Thrombocytopenia due to hypersplenism - no transfusion.",
            "D69.59",
            {"D69.6"},
        ),
        # opioid use disorder follows alcohol use disorder's convention (dependence), and its
        # remission is the remission code
        ("Discharge diagnoses: opioid use disorder in sustained remission.", "F11.21", {"F11.91"}),
    ],
)
def test_words_of_inpatient_diagnoses(text: str, code: str, not_codes: set[str]) -> None:
    found = codes(text)
    assert code in found
    assert not found & not_codes


def test_an_underdosed_drug_is_its_underdosing_code_not_an_adverse_effect() -> None:
    # I.C.19.e.5.c: the drug did too little; 6th character 6, and no adverse effect (5) of it.
    note = (
        "DISCHARGE DIAGNOSES:\n"
        "1. HYPERGLYCEMIC CRISIS IN TYPE 2 DIABETES\n"
        "2. UNDERDOSING OF INSULIN DUE TO A BLOCKED PUMP LINE"
    )
    found = codes(note)
    assert "T38.3X6A" in found
    assert "T38.3X5A" not in found


def test_thrombolysis_at_the_sending_hospital_is_its_status() -> None:
    # Z92.82: tPA given at another facility before this admission; never for tPA given here.
    sent = (
        "Acute ischemic stroke. Received tenecteplase at the referring hospital, then flown to us."
    )
    assert "Z92.82" in codes(sent)
    here = "Acute ischemic stroke. Alteplase given in our emergency department at 09:10."
    assert "Z92.82" not in codes(here)


def test_aortic_stenosis_is_the_valve_by_the_index() -> None:
    # Index: Stenosis, aortic (valve) I35.0 (rheumatic I06.0, congenital Q23.0), never the
    # coarctation of the aorta.
    found = codes("Problem list:\n1. Aortic stenosis, moderate, on echo surveillance")
    assert "I35.0" in found
    assert "Q25.1" not in found
