"""Uncertain diagnoses of an inpatient stay are coded only as the final statement has them
(Guidelines II.H, III.C): not when ruled out, not outside the final statement, not as a
differential or a running work-up of an admission note. Each case is a form, in other words than
the development encounters that taught it (pure domain code)."""

from __future__ import annotations

from services.analyzer.coding.coder import NoteText, code_encounter
from services.analyzer.coding.uncertain_at_discharge import (
    Place,
    documents_discharge,
    is_work_up,
    ruled_out_by,
    why_not_coded,
)
from shared.events.coding import CareSetting

IN, OUT = CareSetting.INPATIENT, CareSetting.OUTPATIENT


def codes(text: str, setting: CareSetting = IN) -> set[str]:
    return {s.code for s in code_encounter([NoteText("N1", text)], setting).suggestions}


def excluded_reasons(text: str, code: str) -> list[str]:
    found = code_encounter([NoteText("N1", text)], IN).excluded
    return [s.rationale or "" for s in found if s.code == code]


# --- ruled out later in the stay ---


def test_a_suspicion_the_course_excludes_is_not_coded() -> None:
    note = (
        "Discharge summary\n"
        "History: admitted with a hot swollen knee; septic arthritis was suspected.\n"
        "Hospital course: aspirate showed crystals and no septic arthritis; cultures sterile.\n"
        "Discharge diagnoses: Acute gout flare of the right knee."
    )
    found = codes(note)
    assert not any(c.startswith("M00") for c in found)
    assert any(c.startswith("M10") for c in found)


def test_a_possible_diagnosis_the_assessment_itself_rules_out_is_not_coded() -> None:
    note = (
        "Progress note, hospital day 2\n"
        "Assessment and plan:\n"
        "1. Possible urinary tract infection on admission - culture no growth; UTI ruled out, "
        "stop cefazolin.\n"
        "2. Congestive heart failure exacerbation - diuresing well."
    )
    found = codes(note)
    assert "N39.0" not in found
    assert any(c.startswith("I50") for c in found)
    assert any("ruled out" in r for r in excluded_reasons(note, "N39.0"))


def test_a_suspicion_still_open_at_discharge_is_coded() -> None:
    note = (
        "Discharge summary\n"
        "Hospital course: treated with antibiotics, afebrile by day 3.\n"
        "Discharge diagnoses:\n- Suspected aspiration pneumonia, improving."
    )
    assert "J69.0" in codes(note)


def test_a_negation_in_the_review_of_systems_rules_nothing_out() -> None:
    assert ruled_out_by(["review_of_systems"], has_statement=True) is False
    assert (
        ruled_out_by(["history_of_present_illness", "physical_exam"], has_statement=True) is False
    )
    assert ruled_out_by(["labs_and_studies"], has_statement=True) is True
    # an unheaded line only counts in a note without any statement section
    assert ruled_out_by([None], has_statement=True) is False
    assert ruled_out_by([None], has_statement=False) is True


# --- only the final statement ---


def test_a_suspicion_told_in_the_course_is_not_the_discharge_diagnosis() -> None:
    note = (
        "Discharge Summary\n"
        "Course: an ileus was considered possible on day 1 and she was kept NPO; diet advanced "
        "on day 2.\n"
        "Final diagnoses: Acute cholecystitis with cholelithiasis, status post laparoscopic "
        "cholecystectomy."
    )
    found = codes(note)
    assert "K56.7" not in found
    assert "K56.0" not in found
    assert "K80.00" in found


def test_outpatient_uncertain_diagnoses_are_still_never_coded() -> None:
    assert "J69.0" not in codes("Assessment: Suspected aspiration pneumonia.", OUT)


# --- differentials and work-ups ---


def test_a_differential_in_an_admission_note_codes_the_symptom() -> None:
    note = (
        "Admission H&P\n"
        "HPI: 3 days of left lower quadrant pain.\n"
        "Assessment and plan:\n"
        "1. Left lower quadrant abdominal pain. Differential includes diverticulitis, "
        "colitis and ovarian torsion; CT in the morning."
    )
    found = codes(note)
    assert "R10.32" in found
    assert not any(c.startswith(("K57", "K52", "N83")) for c in found)


def test_rule_out_in_an_admission_note_is_a_work_up_not_a_diagnosis() -> None:
    note = (
        "History and physical\n"
        "Assessment/Plan:\n"
        "Syncope - rule out pulmonary embolism: CT angiogram, telemetry."
    )
    found = codes(note)
    assert "R55" in found
    assert not any(c.startswith("I26") for c in found)


def test_a_probable_working_diagnosis_of_an_admission_note_is_coded() -> None:
    note = (
        "Admission H&P\n"
        "Assessment: Probable acute pyelonephritis - ceftriaxone, urine culture pending."
    )
    assert "N10" in codes(note)


def test_rule_out_still_written_in_the_final_diagnoses_is_coded() -> None:
    place = Place("diagnoses", "Rule out pulmonary embolism.", "pulmonary embolism")
    assert is_work_up(place, discharged=True) is False
    assert is_work_up(place, discharged=False) is True
    differential = Place("diagnoses", "Differential: gastritis vs ulcer", "ulcer")
    assert is_work_up(differential, discharged=True) is True


def test_what_documents_a_discharge() -> None:
    assert documents_discharge(["DISCHARGE DIAGNOSES: 1. CHF"])
    assert documents_discharge(["She was discharged home on day 4."])
    assert documents_discharge(["Creatinine 1.1 at discharge."])
    assert not documents_discharge(
        ["Admission H&P. Plan: discharge planning with case management."]
    )


def test_the_reasons_say_why() -> None:
    story = [Place("hospital_course", "possible ileus on day 1", "ileus")]
    reason = why_not_coded(story, ruled_out=False, has_statement=True, discharged=True)
    assert reason is not None
    assert "final diagnostic statement" in reason
    dictated = [Place(None, "probable ileus, resolved with bowel rest", "ileus")]
    assert why_not_coded(dictated, ruled_out=False, has_statement=False, discharged=True) is None
