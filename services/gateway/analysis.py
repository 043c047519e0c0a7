"""``GET /v1/reports/{id}/analysis``: a coding report's analysis as JSON a program can act on.

Built from the analysis artifact the renderer stored (the very analysis the PDF was drawn from),
so the JSON and the PDF never disagree. Everything in it is de-identified already: codes,
surrogate note and encounter ids, and evidence snippets with PHI replaced.

- ``codes``: what the report says the encounters document — current and reportable;
- ``excluded``: what was found and set aside (negated, uncertain outpatient, family, past...)
  with the reason;
- ``findings``: the claim differences, as code lists;
- ``verdicts``: one per billed code, supported or not and why;
- ``revenue``: the CMS-HCC estimate (gained, at risk, net), when it could be made.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from shared.events.coding import (
    CodeSuggestion,
    CodingAnalysis,
    EncounterCoding,
    Evidence,
    RiskAdjustmentEstimate,
)


class EvidenceOut(BaseModel):
    note: str = Field(description="Surrogate id of the note (N1, N2…), as in the PDF.")
    start: int = Field(description="Character offset of the mention in the de-identified note.")
    end: int
    text: str = Field(description="The de-identified words the code rests on.")
    section: str | None = None


class AlternativeOut(BaseModel):
    code: str
    description: str
    score: float


class TraitOut(BaseModel):
    name: str
    score: float


class CodeOut(BaseModel):
    encounter: str = Field(description="Surrogate id of the encounter (E1, E2…).")
    code: str = Field(description="ICD-10-CM, with the dot.")
    description: str
    category: str = Field(description="diagnosis, sign, symptom, procedure, medication or status.")
    assertion: str = Field(
        description="present, negated, uncertain, hypothetical, historical or family."
    )
    score: float = Field(description="0–1: how closely the text matches the code's terms.")
    evidence: EvidenceOut | None = Field(
        description="Where the code is documented (null for a code from a problem list)."
    )
    more_evidence: list[EvidenceOut] = Field(description="Further mentions of the same code.")
    alternatives: list[AlternativeOut] = Field(
        description="Other codes the mention could be, best first."
    )
    traits: list[TraitOut]
    hcc: str | None = Field(default=None, description="Payment HCC of the configured model.")


class ExcludedOut(CodeOut):
    reason: str | None = Field(description="Why it is not reported for this encounter.")


class Findings(BaseModel):
    billed_not_documented: list[str]
    documented_not_billed: list[str]
    upgrade: list[list[str]] = Field(description="[billed code, better documented code] pairs.")


class VerdictOut(BaseModel):
    encounter: str
    code: str
    system: str
    verdict: Literal["supported", "not_supported", "not_comparable"]
    match: str | None = Field(description="exact, more_specific, combination or history.")
    documented_code: str | None = Field(
        description="The documented code it rests on, or what is documented instead."
    )
    reason: str


class EncounterOut(BaseModel):
    id: str
    setting: str
    service_year: int | None
    in_data_collection_year: bool | None = Field(
        description="Whether its codes count for the payment year (null: year withheld)."
    )
    has_claim: bool
    basis: Literal["notes", "problem_list", "none"] = Field(
        description="What its claim is compared with."
    )
    billed: list[str]
    corrected_claim: list[str] = Field(
        description="Billed − not supported + documented, not billed, with upgrades applied."
    )


class RevenueOut(BaseModel):
    review: Literal["claim", "documentation"] = Field(
        description="claim: billed against corrected; documentation: nothing was billed."
    )
    label: Literal["Estimate"] = "Estimate"
    model: str
    payment_year: int
    data_collection_year: int | None
    age_years: int
    age_basis: str
    currency: str
    monthly_base_rate: float
    payment_raf_billed: float
    payment_raf_supported: float
    payment_raf_corrected: float
    revenue_gained: float = Field(description="Per year; the documented HCCs' value if no claim.")
    revenue_at_risk: float = Field(description="Per year, from billed codes not supported.")
    net: float = Field(description="revenue_gained − revenue_at_risk, per year.")
    added_hccs: list[str]
    at_risk_hccs: list[str]


class ReportAnalysis(BaseModel):
    report_id: UUID
    code_set: str
    claims_compared: bool = Field(
        description="False when the Bundle billed nothing: a documentation review."
    )
    codes: list[CodeOut]
    excluded: list[ExcludedOut]
    findings: Findings
    verdicts: list[VerdictOut]
    encounters: list[EncounterOut]
    revenue: RevenueOut | None
    notices: list[str]


def report_analysis(report_id: UUID, analysis: CodingAnalysis) -> ReportAnalysis:
    """The API view of a stored coding analysis."""
    encounters = analysis.encounters
    return ReportAnalysis(
        report_id=report_id,
        code_set=analysis.code_set,
        claims_compared=any(e.comparison.has_claim for e in encounters),
        codes=[_code(e.encounter_id, s) for e in encounters for s in e.suggestions],
        excluded=[
            ExcludedOut(**_code(e.encounter_id, s).model_dump(), reason=s.rationale)
            for e in encounters
            for s in e.excluded
        ],
        findings=Findings(
            billed_not_documented=_unique(
                f.code for e in encounters for f in e.comparison.billed_not_documented
            ),
            documented_not_billed=_unique(
                s.code for e in encounters for s in e.comparison.documented_not_billed
            ),
            upgrade=[
                list(pair)
                for pair in dict.fromkeys(
                    (u.billed_code, u.suggested.code)
                    for e in encounters
                    for u in e.comparison.specificity_upgrades
                )
            ],
        ),
        verdicts=[
            VerdictOut(
                encounter=e.encounter_id,
                code=v.code,
                system=v.system,
                verdict=v.verdict.value,
                match=v.match.value if v.match else None,
                documented_code=v.documented_code,
                reason=v.reason,
            )
            for e in encounters
            for v in e.comparison.verdicts
        ],
        encounters=[_encounter(e, analysis) for e in encounters],
        revenue=_revenue(analysis.risk_adjustment, analysis),
        notices=list(analysis.notices),
    )


def _code(encounter: str, suggestion: CodeSuggestion) -> CodeOut:
    evidence = [_evidence(e) for e in suggestion.evidence]
    return CodeOut(
        encounter=encounter,
        code=suggestion.code,
        description=suggestion.description,
        category=suggestion.category.value,
        assertion=suggestion.assertion.value,
        score=suggestion.score,
        evidence=evidence[0] if evidence else None,
        more_evidence=evidence[1:],
        alternatives=[
            AlternativeOut(code=c.code, description=c.description, score=c.score)
            for c in suggestion.alternatives
        ],
        traits=[TraitOut(name=t.name.value, score=t.score) for t in suggestion.traits],
        hcc=suggestion.hcc,
    )


def _evidence(item: Evidence) -> EvidenceOut:
    return EvidenceOut(
        note=item.note_id, start=item.start, end=item.end, text=item.text, section=item.section
    )


def _encounter(encounter: EncounterCoding, analysis: CodingAnalysis) -> EncounterOut:
    window = analysis.data_collection
    in_window = (
        None
        if window is None or encounter.service_year is None
        else encounter.service_year == window.data_collection_year
    )
    comparison = encounter.comparison
    return EncounterOut(
        id=encounter.encounter_id,
        setting=encounter.setting.value,
        service_year=encounter.service_year,
        in_data_collection_year=in_window,
        has_claim=comparison.has_claim,
        basis=comparison.basis.value,
        billed=[v.code for v in comparison.verdicts],
        corrected_claim=list(comparison.corrected_claim),
    )


def _revenue(
    estimate: RiskAdjustmentEstimate | None, analysis: CodingAnalysis
) -> RevenueOut | None:
    if estimate is None:
        return None
    inputs = estimate.inputs
    window = analysis.data_collection
    return RevenueOut(
        review=estimate.review.value,
        model=inputs.model,
        payment_year=inputs.payment_year,
        data_collection_year=window.data_collection_year if window else None,
        age_years=inputs.age_years,
        age_basis=inputs.age_basis,
        currency=inputs.currency,
        monthly_base_rate=inputs.monthly_base_rate,
        payment_raf_billed=estimate.before.payment_score,
        payment_raf_supported=estimate.supported.payment_score,
        payment_raf_corrected=estimate.after.payment_score,
        revenue_gained=estimate.revenue_gained,
        revenue_at_risk=estimate.revenue_at_risk,
        net=estimate.annual_revenue_delta,
        added_hccs=list(estimate.added_hccs),
        at_risk_hccs=list(estimate.at_risk_hccs),
    )


def _unique(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(codes))
