"""What the coding gap is worth: CMS-HCC risk scores before and after the suggested codes.

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
    if demographics.age_years is None:
        raise RiskNotComputable("the patient's age is not known")
    if demographics.sex not in (Sex.FEMALE, Sex.MALE):
        raise RiskNotComputable("the CMS-HCC model needs the patient's sex as male or female")
    return RiskInputs(
        model=config.hcc_model.engine_name,
        payment_year=config.payment_year,
        age_years=demographics.age_years,
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
    """One model run over ``codes`` (dotted ICD-10-CM) with the given inputs."""
    dotted = sorted({c for c in codes if codeset.is_billable(c)})
    result = _run(tuple(codeset.undotted(c) for c in dotted), inputs)
    hccs = set(result.hcc_list)
    interaction_names = {k for k in result.interactions if k in result.coefficients}
    contributions = tuple(
        HccContribution(
            hcc=f"HCC{detail.hcc}",
            label=detail.label,
            coefficient=round(detail.coefficient or 0.0, 3),
            diagnosis_codes=tuple(
                sorted(_dotted(dx) for dx in result.cc_to_dx.get(detail.hcc, ()))
            ),
        )
        for detail in sorted(result.hcc_details, key=lambda d: int(d.hcc))
    )
    return RafScore(
        diagnosis_codes=tuple(dotted),
        raw_score=round(result.risk_score, 3),
        demographic_score=round(result.risk_score_demographics, 3),
        disease_score=round(result.risk_score_hcc, 3),
        payment_score=round(result.risk_score_payment, 3),
        hccs=contributions,
        interactions={
            k: round(v, 3) for k, v in result.coefficients.items() if k in interaction_names and v
        },
        demographic_factors={
            k: round(v, 3)
            for k, v in result.coefficients.items()
            if k not in hccs and k not in interaction_names
        },
    )


def estimate_risk_adjustment(
    demographics: Demographics,
    billed_codes: Iterable[str],
    suggested_codes: Iterable[str],
    config: CodingConfig,
) -> RiskAdjustmentEstimate:
    """RAF of the billed codes, of billed + suggested, and the annual revenue of the difference.

    Raises :class:`RiskNotComputable` when the demographics do not allow a model run.
    """
    inputs = risk_inputs(demographics, config)
    billed = set(billed_codes)
    before = raf_score(billed, inputs)
    after = raf_score(billed | set(suggested_codes), inputs)
    delta = round(after.payment_score - before.payment_score, 3)
    added = tuple(
        sorted({h.hcc for h in after.hccs} - {h.hcc for h in before.hccs}, key=lambda h: int(h[3:]))
    )
    return RiskAdjustmentEstimate(
        inputs=inputs,
        before=before,
        after=after,
        delta_payment_score=delta,
        annual_revenue_delta=round(delta * inputs.monthly_base_rate * inputs.months, 2),
        added_hccs=added,
        caveats=(
            "Estimate only: assumes the patient is enrolled in Medicare Advantage for the whole "
            "payment year under the community segment shown.",
            f"Original reason for entitlement assumed {inputs.original_entitlement_code} "
            "(0 = old age); the Bundle does not state it.",
            "Only codes from face-to-face encounters with an acceptable provider type count "
            "for risk adjustment; that is not checked here.",
        ),
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
