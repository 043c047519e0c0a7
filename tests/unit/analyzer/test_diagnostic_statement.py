"""What the provider's diagnostic statement leaves out is not coded (Guidelines IV.D, IV.J, III.B).

Each case is a form a note takes — a symptom told in the history beside an assessment that
concludes, a finding on examination or imaging the assessment does not take up, a composite or
qualified heading that opens the assessment — not a particular note (pure domain code).
"""

from __future__ import annotations

import pytest

from services.analyzer.coding.coder import NoteText, code_encounter
from services.analyzer.coding.context_rules import section_headings
from services.analyzer.coding.diagnostic_statement import left_out, needs_the_statement
from services.analyzer.coding.sections import SectionFinder, section_at
from shared.events.coding import CareSetting

OUT, IN = CareSetting.OUTPATIENT, CareSetting.INPATIENT
FINDER = SectionFinder(section_headings())


def codes(text: str, setting: CareSetting = OUT) -> set[str]:
    return {s.code for s in code_encounter([NoteText("N1", text)], setting).suggestions}


def section_of(text: str, phrase: str) -> str | None:
    found = section_at(FINDER.sections(text), text.index(phrase))
    return found.category if found else None


# --- the rule on whole notes ---


def test_a_symptom_only_in_the_history_is_not_coded_beside_the_assessment() -> None:
    note = (
        "HPI: 2 days of burning with urination and mild nausea this morning.\n"
        "Assessment: Acute cystitis without hematuria."
    )
    found = codes(note)
    assert "N30.00" in found
    assert "R11.0" not in found


def test_the_same_symptom_is_coded_when_the_assessment_carries_it() -> None:
    note = "HPI: nausea for a week after starting metformin.\nAssessment: Nausea. Type 2 diabetes."
    assert {"R11.0", "E11.9"} <= codes(note)


def test_without_a_diagnostic_statement_the_story_is_what_is_coded() -> None:
    assert "R11.0" in codes("Pt reports nausea since yesterday, no vomiting. Fluids, recheck.")


def test_an_uncertain_assessment_keeps_the_symptoms_of_the_history() -> None:
    note = "HPI: cough and fever for 3 days.\nAssessment: Probable pneumonia; chest x-ray ordered."
    found = codes(note)
    assert {"R05.9", "R50.9"} <= found
    assert "J18.9" not in found


def test_an_imaging_or_exam_finding_the_assessment_does_not_take_up_is_not_coded() -> None:
    note = (
        "Exam: scleral icterus mild (baseline).\n"
        "Ultrasound: gallstones, no cholecystitis.\n"
        "Assessment: Asthma exacerbation, moderate persistent."
    )
    found = codes(note, IN)
    assert not found & {"R17", "K80.20"}


def test_chronic_conditions_named_anywhere_stay() -> None:
    note = "HPI: hypertension and type 2 diabetes on metformin.\nAssessment: Acute bronchitis."
    assert {"I10", "E11.9", "J20.9"} <= codes(note)


def test_a_hospital_course_is_a_statement_of_what_was_treated() -> None:
    note = (
        "Hospital course: treated for hypokalemia with potassium replacement.\n"
        "Discharge diagnoses: Diabetic ketoacidosis in type 1 diabetes."
    )
    assert "E87.6" in codes(note, IN)


# --- the rule on codes and sections ---


def test_left_out_needs_a_statement_that_names_something() -> None:
    coded = {"R11.0": ["history_of_present_illness"]}
    assert left_out(coded, states_conditions=False, hedges=False) == []
    assert left_out(coded, states_conditions=True, hedges=False) == ["R11.0"]
    assert left_out(coded, states_conditions=True, hedges=True) == []


@pytest.mark.parametrize("code", ["I10", "E11.9", "Z87.891", "W01.0XXA", "R29.712", "R40.2142"])
def test_chronic_statuses_causes_and_scores_are_coded_wherever_documented(code: str) -> None:
    assert not needs_the_statement(code)


@pytest.mark.parametrize("code", ["R11.0", "R17", "K80.20", "S99.911A", "F41.9"])
def test_acute_conditions_and_findings_need_the_statement(code: str) -> None:
    assert needs_the_statement(code)


# --- headings that open the statement ---


@pytest.mark.parametrize(
    ("text", "phrase", "category"),
    [
        ("Assessment/Plan:\n1. Hypertension, stable.", "Hypertension", "observation_and_plan"),
        ("IMPRESSION/PLAN:\nGout.", "Gout", "observation_and_plan"),
        ("Problem list / A&P\n1. Gout.", "Gout", "diagnoses"),
        ("Problem list (this pregnancy):\n* GDM (A1).", "GDM", "diagnoses"),
        ("Assessment & Recommendations:\nGout.", "Gout", "observation_and_plan"),
        ("Imp: Acute cervical strain after MVC.", "strain", "observation_and_plan"),
        ("Other conditions: T2DM on metformin.", "T2DM", "diagnoses"),
        # an unknown problem heading under a block assessment is one of its problems
        (
            "## Assessment and Plan\n\n# HTN\ncontinue lisinopril",
            "lisinopril",
            "observation_and_plan",
        ),
        # ... but after a one-line statement the next label is a section of its own
        ("Dx: chronic diastolic CHF.\nWound: L calf ulcer.", "ulcer", "other"),
        # a line of unknown words is no heading
        ("Diabetes / hypertension follow up\nGout.", "Gout", None),
        ("Teaching: call MD for fever or redness.", "fever", "patient_education"),
        ("Notify MD: fever, hematuria.", "fever", "patient_instructions"),
    ],
)
def test_composite_and_qualified_headings(text: str, phrase: str, category: str | None) -> None:
    assert section_of(text, phrase) == category
