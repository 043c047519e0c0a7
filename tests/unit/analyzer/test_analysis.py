"""analyze_case end to end on a de-identified case: suggestions, comparison, risk, notices."""

from __future__ import annotations

import pickle

import pytest

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
    RevenueReview,
    ReviewBasis,
    Sex,
    Verdict,
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


def test_revenue_counts_the_corrected_claim_not_billed_plus_suggested() -> None:
    # J45.909 is billed and not documented: it must leave the corrected claim, not stay in it.
    case = make_case(claim((ICD10CM_SYSTEM, "E11.9"), (ICD10CM_SYSTEM, "J44.9")))
    analysis = analyze_case(case, CodingConfig())
    risk = analysis.risk_adjustment
    assert risk is not None
    assert risk.review is RevenueReview.CLAIM
    assert risk.before.diagnosis_codes == ("E11.9", "J44.9")
    assert risk.supported.diagnosis_codes == ("E11.9",)
    assert "J44.9" not in risk.after.diagnosis_codes
    assert {"E11.65", "I50.22"} <= set(risk.after.diagnosis_codes)
    assert risk.at_risk_hccs == ("HCC280",)
    assert "HCC226" in risk.added_hccs
    assert risk.revenue_at_risk > 0
    assert risk.revenue_gained > 0
    assert risk.annual_revenue_delta == pytest.approx(
        risk.revenue_gained - risk.revenue_at_risk, abs=0.011
    )
    comparison = analysis.encounters[0].comparison
    assert set(comparison.corrected_claim) == set(risk.after.diagnosis_codes)


def test_without_a_claim_it_is_a_documentation_review() -> None:
    analysis = analyze_case(make_case(()), CodingConfig())
    (encounter,) = analysis.encounters
    assert encounter.comparison.has_claim is False
    assert encounter.comparison.documented_not_billed == ()
    assert {"E11.65", "I50.22"} <= {s.code for s in encounter.suggestions}
    risk = analysis.risk_adjustment
    assert risk is not None
    assert risk.review is RevenueReview.DOCUMENTATION
    assert risk.revenue_at_risk == 0.0
    assert "HCC226" in risk.added_hccs
    assert any(n.startswith("Nothing was billed to compare") for n in analysis.notices)


def test_without_notes_the_claim_is_compared_with_the_problem_list() -> None:
    base = make_case(claim((ICD10CM_SYSTEM, "E11.9"), (ICD10CM_SYSTEM, "J44.9")))
    encounter = base.encounters[0].model_copy(
        update={
            "notes": (),
            "recorded_diagnoses": (
                RecordedDiagnosis(
                    concepts=(CodedConcept(system=ICD10CM_SYSTEM, code="E11.9"),),
                    source=DiagnosisSource.CONDITION,
                    clinical_status="active",
                ),
            ),
        }
    )
    analysis = analyze_case(base.model_copy(update={"encounters": (encounter,)}), CodingConfig())
    comparison = analysis.encounters[0].comparison
    assert comparison.basis is ReviewBasis.PROBLEM_LIST
    assert [(v.code, v.verdict) for v in comparison.verdicts] == [
        ("E11.9", Verdict.SUPPORTED),
        ("J44.9", Verdict.NOT_SUPPORTED),
    ]
    assert "recorded diagnoses" in comparison.verdicts[1].reason
    assert [s.code for s in analysis.encounters[0].suggestions] == ["E11.9"]


def test_encounters_outside_the_data_collection_year_are_flagged_and_not_counted() -> None:
    base = make_case(claim((ICD10CM_SYSTEM, "E11.9")))
    in_year = base.encounters[0].model_copy(update={"service_year": 2025})
    old = base.encounters[0].model_copy(update={"encounter_id": "E2", "service_year": 2019})
    case = base.model_copy(update={"encounters": (in_year, old)})
    analysis = analyze_case(case, CodingConfig(payment_year=2026))
    window = analysis.data_collection
    assert window is not None
    assert (window.data_collection_year, window.counted) == (2025, ("E1",))
    assert [(e.encounter_id, e.service_year) for e in window.outside] == [("E2", 2019)]
    assert any("Outside the data-collection year: E2 (2019)" in n for n in analysis.notices)
    only_old = analyze_case(
        base.model_copy(update={"encounters": (old,)}), CodingConfig(payment_year=2026)
    )
    risk = only_old.risk_adjustment
    assert risk is not None
    assert risk.before.diagnosis_codes == ()
    assert risk.after.diagnosis_codes == ()
    assert risk.annual_revenue_delta == 0.0


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


def test_revenue_of_upgrades_a_shared_combination_and_a_family_history_billed_as_current() -> None:
    # Billed: diabetes and hyperglycemia (both owed the one documented E11.65), heart failure
    # (documented as chronic systolic: an upgrade in the same HCC) and the mother's breast cancer
    # billed as the patient's own (not supported: its HCC is at risk).
    case = make_case(
        claim(
            (ICD10CM_SYSTEM, "E11.9"),
            (ICD10CM_SYSTEM, "R73.9"),
            (ICD10CM_SYSTEM, "I50.9"),
            (ICD10CM_SYSTEM, "C50.912"),
        ),
        Demographics(age_years=72, sex=Sex.FEMALE),
    )
    analysis = analyze_case(case, CodingConfig())
    comparison = analysis.encounters[0].comparison
    assert {(u.billed_code, u.suggested.code) for u in comparison.specificity_upgrades} == {
        ("E11.9", "E11.65"),
        ("R73.9", "E11.65"),
        ("I50.9", "I50.22"),
    }
    assert [f.code for f in comparison.billed_not_documented] == ["C50.912"]
    assert comparison.corrected_claim[:2] == ("E11.65", "I50.22")
    risk = analysis.risk_adjustment
    assert risk is not None
    assert set(risk.supported.diagnosis_codes) == {"E11.9", "R73.9", "I50.9"}
    assert set(risk.after.diagnosis_codes) == set(comparison.corrected_claim)
    assert risk.at_risk_hccs == ("HCC23",)
    assert risk.added_hccs == ()
    assert risk.revenue_gained == 0.0  # the upgrades stay in their HCCs
    assert risk.revenue_at_risk > 0
    assert risk.annual_revenue_delta == pytest.approx(-risk.revenue_at_risk, abs=0.011)
