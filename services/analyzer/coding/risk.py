"""What the coding gap is worth: CMS-HCC risk scores of the claim as billed, as supported by the
documentation and as corrected.

hccinfhir (the maintained engine) maps diagnoses to HCCs, applies the model's hierarchies and
interactions and sums the coefficients. It applies no normalization or MA coding-intensity
adjustment unless told, so both are always passed from :class:`CodingConfig`. The result is an
*estimate*: the plan's real payment also depends on enrollment facts the Bundle does not carry
(original entitlement, institutional status, frailty), so every assumption is written into
:class:`RiskInputs`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version

with warnings.catch_warnings():
    # hccinfhir 0.4 loads its CSV tables with importlib.resources' deprecated legacy API.
    warnings.simplefilter("ignore", DeprecationWarning)
    from hccinfhir import RAFResult, calculate_raf
    from hccinfhir.defaults import dx_to_cc_default

from services.analyzer.coding import codeset
from services.analyzer.coding.config import CodingConfig
from shared.events.coding import (
    Demographics,
    HccContribution,
    RafScore,
    RevenueReview,
    RiskAdjustmentEstimate,
    RiskInputs,
    Sex,
)

FULL_BENEFIT_DUAL = "02"  # CMS dual status "QMB plus full Medicaid": the usual full-dual case
NOT_DUAL = "NA"


class RiskNotComputable(Exception):
    """The case lacks what the model needs (age, a male/female sex); the message says which."""


def payment_hcc(code: str, config: CodingConfig) -> str | None:
    """The payment HCC an ICD-10-CM code maps to in the configured model, if any."""
    ccs = dx_to_cc_default.get((codeset.undotted(code), config.hcc_model.engine_name))
    return f"HCC{min(ccs, key=int)}" if ccs else None


def risk_inputs(demographics: Demographics, config: CodingConfig) -> RiskInputs:
    """The model inputs; the age is the one on February 1 of the payment year (CMS rule)."""
    age = demographics.payment_year_age(config.payment_year)
    basis = f"as of February 1 of payment year {config.payment_year}"
    if age is None and demographics.age_years is not None:
        age = demographics.age_years
        basis = "at the latest encounter (the birth-date reference for the payment year is missing)"
    if age is None:
        raise RiskNotComputable("the patient's age is not known")
    if demographics.sex not in (Sex.FEMALE, Sex.MALE):
        raise RiskNotComputable("the CMS-HCC model needs the patient's sex as male or female")
    return RiskInputs(
        model=config.hcc_model.engine_name,
        payment_year=config.payment_year,
        age_years=age,
        age_basis=basis,
        sex="F" if demographics.sex is Sex.FEMALE else "M",
        dual_eligibility_code=FULL_BENEFIT_DUAL if demographics.medicaid else NOT_DUAL,
        original_entitlement_code=config.original_entitlement_code,
        normalization_factor=config.effective_normalization_factor,
        normalization_source=config.normalization_source,
        coding_intensity_adjustment=config.coding_intensity_adjustment,
        monthly_base_rate=config.monthly_base_rate,
        currency=config.currency,
        engine=f"hccinfhir {version('hccinfhir')}",
    )


def raf_score(codes: Iterable[str], inputs: RiskInputs) -> RafScore:
    """One model run over ``codes`` (dotted ICD-10-CM) with the given inputs, unrounded."""
    dotted = sorted({c for c in codes if codeset.is_billable(c)})
    result = _run(tuple(codeset.undotted(c) for c in dotted), inputs)
    hccs = set(result.hcc_list)
    interaction_names = {k for k in result.interactions if k in result.coefficients}
    contributions = tuple(
        HccContribution(
            hcc=f"HCC{detail.hcc}",
            label=detail.label,
            coefficient=detail.coefficient or 0.0,
            diagnosis_codes=tuple(
                sorted(_dotted(dx) for dx in result.cc_to_dx.get(detail.hcc, ()))
            ),
        )
        for detail in sorted(result.hcc_details, key=lambda d: int(d.hcc))
    )
    return RafScore(
        diagnosis_codes=tuple(dotted),
        raw_score=result.risk_score,
        demographic_score=result.risk_score_demographics,
        disease_score=result.risk_score_hcc,
        payment_score=result.risk_score_payment,
        hccs=contributions,
        interactions={k: v for k, v in result.coefficients.items() if k in interaction_names and v},
        demographic_factors={
            k: v
            for k, v in result.coefficients.items()
            if k not in hccs and k not in interaction_names
        },
    )


@dataclass(frozen=True)
class ClaimCodes:
    """The patient's diagnosis codes for the payment year, three ways (dotted ICD-10-CM)."""

    billed: frozenset[str]
    supported: frozenset[str]
    """Billed minus the codes the documentation does not support."""
    corrected: frozenset[str]
    """Supported, upgrades applied, plus the documented codes not billed."""


def estimate_claim_review(
    demographics: Demographics, claim: ClaimCodes, config: CodingConfig
) -> RiskAdjustmentEstimate:
    """RAF of the claim as billed, as supported and as corrected, and what each gap is worth.

    Raises :class:`RiskNotComputable` when the demographics do not allow a model run.
    """
    inputs = risk_inputs(demographics, config)
    before = raf_score(claim.billed, inputs)
    supported = raf_score(claim.supported, inputs)
    after = raf_score(claim.corrected, inputs)
    return RiskAdjustmentEstimate(
        review=RevenueReview.CLAIM,
        inputs=inputs,
        before=before,
        supported=supported,
        after=after,
        delta_payment_score=after.payment_score - before.payment_score,
        revenue_gained=annual_amount(after.payment_score - supported.payment_score, inputs),
        revenue_at_risk=annual_amount(before.payment_score - supported.payment_score, inputs),
        annual_revenue_delta=annual_amount(after.payment_score - before.payment_score, inputs),
        added_hccs=_hccs_missing(after, before),
        at_risk_hccs=_hccs_missing(before, supported),
        caveats=_caveats(inputs),
    )


def estimate_documentation_review(
    demographics: Demographics, documented: Iterable[str], config: CodingConfig
) -> RiskAdjustmentEstimate:
    """Nothing was billed: the HCCs the documented codes capture and what they are worth (the
    claim review of an empty claim corrected to the documented codes)."""
    nothing: frozenset[str] = frozenset()
    estimate = estimate_claim_review(
        demographics, ClaimCodes(nothing, nothing, frozenset(documented)), config
    )
    return estimate.model_copy(
        update={
            "review": RevenueReview.DOCUMENTATION,
            "formula": (
                "payment RAF = raw RAF × (1 − coding-intensity adjustment) ÷ normalization "
                "factor; value of the documented HCCs = (payment RAF with the documented codes − "
                "payment RAF of the demographics alone) × monthly base rate × 12 (nothing is "
                "rounded before the last step)"
            ),
            "caveats": (
                "Nothing was billed to compare: this is what the documented codes would be worth "
                "if they were submitted, not a gain or loss against a claim.",
                *estimate.caveats,
            ),
        }
    )


def annual_amount(payment_score_difference: float, inputs: RiskInputs) -> float:
    """A payment-RAF difference in money per year, rounded to cents only at the end."""
    return round(payment_score_difference * inputs.monthly_base_rate * inputs.months, 2)


def _hccs_missing(having: RafScore, lacking: RafScore) -> tuple[str, ...]:
    missing = {h.hcc for h in having.hccs} - {h.hcc for h in lacking.hccs}
    return tuple(sorted(missing, key=lambda h: int(h[3:])))


def _caveats(inputs: RiskInputs) -> tuple[str, ...]:
    return (
        "Estimate only: assumes the patient is enrolled in Medicare Advantage for the whole "
        "payment year under the community segment shown.",
        f"Original reason for entitlement assumed {inputs.original_entitlement_code} "
        "(0 = old age); the Bundle does not state it.",
        "Only codes from face-to-face encounters with an acceptable provider type count "
        "for risk adjustment; that is not checked here.",
    )


def _dotted(code: str) -> str:
    return codeset.normalize_code(code) or code


@lru_cache(maxsize=512)
def _run(codes: tuple[str, ...], inputs: RiskInputs) -> RAFResult:
    return calculate_raf(
        list(codes),
        model_name=inputs.model,
        age=inputs.age_years,
        sex=inputs.sex,
        dual_elgbl_cd=inputs.dual_eligibility_code,
        orec=inputs.original_entitlement_code,
        crec=inputs.original_entitlement_code,
        norm_factor=inputs.normalization_factor,
        maci=inputs.coding_intensity_adjustment,
    )
