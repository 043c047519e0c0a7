"""analyze_case end to end on a de-identified case: suggestions, comparison, risk, notices."""

from __future__ import annotations

import pickle

from services.analyzer.coding import CodingConfig, analyze_case
from services.analyzer.coding.snomed import NOT_CONFIGURED
from shared.events.coding import (
    ICD10CM_SYSTEM,
    SNOMED_SYSTEM,
    CareSetting,
    CodedConcept,
    CodingAnalysis,
    CodingCase,
    Demographics,
    DiagnosisSource,
    EncounterCase,
    Note,
    PhiSummary,
    RecordedDiagnosis,
    Sex,
)

NOTE = (
    "Patient [NAME] seen [DATE].\n"
    "Assessment: Type 2 diabetes with hyperglycemia. Chronic systolic heart failure.\n"
    "Denies chest pain.\n"
    "Family History: mother with breast cancer."
)


def claim(*codes: tuple[str, str]) -> tuple[RecordedDiagnosis, ...]:
    return tuple(
        RecordedDiagnosis(concepts=(CodedConcept(system=s, code=c),), source=DiagnosisSource.CLAIM)
        for s, c in codes
    )


def make_case(
    billed: tuple[RecordedDiagnosis, ...], demographics: Demographics | None = None
) -> CodingCase:
    return CodingCase(
        bundle_type="collection",
        resource_counts={"Encounter": 1},
        demographics=demographics or Demographics(age_years=72, sex=Sex.FEMALE),
        encounters=(
            EncounterCase(
                encounter_id="E1",
                setting=CareSetting.OUTPATIENT,
                notes=(Note(note_id="N1", source="DocumentReference", text=NOTE),),
                billed_diagnoses=billed,
                recorded_diagnoses=claim((SNOMED_SYSTEM, "44054006")),
            ),
        ),
        phi=PhiSummary(method="test", policy="tag"),
    )


def test_billed_versus_documented() -> None:
    case = make_case(
        claim(
            (ICD10CM_SYSTEM, "E11.9"),
            (ICD10CM_SYSTEM, "R07.9"),
            (ICD10CM_SYSTEM, "J45.909"),
            (SNOMED_SYSTEM, "38341003"),
        )
    )
    analysis = analyze_case(case, CodingConfig())
    encounter = analysis.encounters[0]
    comparison = encounter.comparison
    assert [(u.billed_code, u.suggested.code) for u in comparison.specificity_upgrades] == [
        ("E11.9", "E11.65")
    ]
    assert "I50.22" in {s.code for s in comparison.documented_not_billed}
    unsupported = {f.code: f for f in comparison.billed_not_documented}
    assert "negated" in unsupported["R07.9"].reason
    assert unsupported["R07.9"].evidence[0].text == "chest pain"
    assert unsupported["J45.909"].reason == "no mention in the encounter's notes"
    assert [f.code for f in comparison.not_comparable] == ["38341003"]
    assert encounter.recorded_diagnoses == case.encounters[0].recorded_diagnoses
    assert {s.code: s.hcc for s in encounter.suggestions}["I50.22"] == "HCC226"
    assert "Z80.3" in {s.code for s in encounter.suggestions}


def test_risk_estimate_uses_billed_then_billed_plus_suggested() -> None:
    analysis = analyze_case(make_case(claim((ICD10CM_SYSTEM, "E11.9"))), CodingConfig())
    risk = analysis.risk_adjustment
    assert risk is not None
    assert risk.before.diagnosis_codes == ("E11.9",)
    assert {"E11.65", "I50.22"} <= set(risk.after.diagnosis_codes)
    assert risk.delta_payment_score > 0
    assert risk.annual_revenue_delta == round(risk.delta_payment_score * 1000 * 12, 2)


def test_notices_say_what_is_missing() -> None:
    analysis = analyze_case(make_case((), Demographics()), CodingConfig())
    assert analysis.risk_adjustment is None
    assert any("age" in n for n in analysis.notices)
    assert any(NOT_CONFIGURED in n for n in analysis.notices)
    assert analysis.snomed.notice == NOT_CONFIGURED


def test_inputs_and_outputs_pickle_for_worker_processes() -> None:
    case = make_case(())
    config = CodingConfig()
    analysis = analyze_case(pickle.loads(pickle.dumps(case)), pickle.loads(pickle.dumps(config)))
    assert (
        CodingAnalysis.model_validate_json(pickle.loads(pickle.dumps(analysis)).model_dump_json())
        == analysis
    )


def test_coding_needs_no_third_party_nlp_library() -> None:
    # clinrelay's own ConText and segmentation replaced medspaCy/spaCy (medspaCy pulled in
    # QuickUMLS and Unidecode, GPL); nothing on the coding path may bring them back.
    import sys

    analyze_case(make_case(()), CodingConfig())
    nlp = ("spacy", "medspacy", "quickumls", "unidecode", "nltk", "thinc", "numpy")
    assert not [m for m in sys.modules if m.split(".")[0] in nlp]
