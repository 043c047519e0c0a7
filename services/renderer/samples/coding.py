"""Sample coding analyses: a synthetic patient, real ICD-10-CM FY2026 codes and descriptions, and
snippets that read like de-identified notes (placeholders where the ingestor removed PHI)."""

from __future__ import annotations

from datetime import date, timedelta

from shared.events.coding import (
    ICD10CM_SYSTEM,
    Assertion,
    BilledCodeFinding,
    BilledCodeVerdict,
    CareSetting,
    CodeCandidate,
    CodedConcept,
    CodeSuggestion,
    CodingAnalysis,
    Comparison,
    DataCollectionWindow,
    Demographics,
    DiagnosisSource,
    EncounterCoding,
    Evidence,
    HccContribution,
    MatchKind,
    PhiSummary,
    RafScore,
    RecordedDiagnosis,
    RiskAdjustmentEstimate,
    RiskInputs,
    Sex,
    SpecificityUpgrade,
    Verdict,
)

CODE_SET = "ICD-10-CM FY2026 (simple-icd-10-cm 1.5.0)"
METHOD = "Dictionary and rule-based inference over de-identified notes with ConText assertions"


def _suggestion(
    code: str,
    description: str,
    score: float,
    snippet: str,
    note_id: str = "N1",
    start: int = 0,
    assertion: Assertion = Assertion.PRESENT,
    *,
    sentence: str | None = None,
    section: str | None = None,
    **extra: object,
) -> CodeSuggestion:
    evidence = Evidence(
        note_id=note_id,
        start=start,
        end=start + len(snippet),
        text=snippet,
        sentence=sentence,
        section=section,
    )
    return CodeSuggestion.model_validate(
        {
            "code": code,
            "description": description,
            "score": score,
            "assertion": assertion,
            "evidence": (evidence,),
            **extra,
        }
    )


def _documented(evidence_override: str | None) -> dict[str, CodeSuggestion]:
    """The codes the sample's notes support, by code."""
    diabetes = _suggestion(
        "E11.65",
        "Type 2 diabetes mellitus with hyperglycemia",
        0.93,
        evidence_override
        or "Type 2 diabetes mellitus, poorly controlled with hyperglycemia; A1c 9.4% today",
        start=412,
        section="assessment_and_plan",
        rationale="Hyperglycemia documented with type 2 diabetes: combination code E11.65 "
        "replaces E11.9.",
        candidates=(
            CodeCandidate(
                code="E11.65",
                description="Type 2 diabetes mellitus with hyperglycemia",
                score=0.93,
            ),
            CodeCandidate(
                code="E11.9",
                description="Type 2 diabetes mellitus without complications",
                score=0.61,
            ),
        ),
        hcc="HCC38",
    )
    heart_failure = _suggestion(
        "I50.32",
        "Chronic diastolic (congestive) heart failure",
        0.88,
        "chronic diastolic heart failure",
        start=690,
        sentence="2. chronic diastolic heart failure, last echo EF 55%, euvolemic on "
        "furosemide 40 mg daily.",
        section="assessment_and_plan",
        hcc="HCC226",
    )
    insulin = _suggestion(
        "Z79.4",
        "Long term (current) use of insulin",
        0.79,
        "continues insulin glargine 24 units at bedtime, adherent per [NAME]",
        start=530,
    )
    obesity = _suggestion(
        "E66.01",
        "Morbid (severe) obesity due to excess calories",
        0.84,
        "morbid obesity, BMI 41.3, counselled on diet and referred to nutrition",
        note_id="N2",
        start=88,
        hcc="HCC48",
    )
    bmi = _suggestion(
        "Z68.41",
        "Body mass index [BMI] 40.0-44.9, adult",
        0.9,
        "BMI 41.3",
        note_id="N2",
        start=104,
        rationale="BMI codes are reported with the associated weight diagnosis (E66.01).",
        hcc="HCC48",
    )
    lipids = _suggestion(
        "E78.5",
        "Hyperlipidemia, unspecified",
        0.81,
        "hyperlipidemia, LDL 96 on atorvastatin 40 mg",
        start=802,
    )
    apnea = _suggestion(
        "G47.33",
        "Obstructive sleep apnea (adult) (pediatric)",
        0.86,
        "obstructive sleep apnea, uses CPAP nightly",
        start=861,
    )
    return {s.code: s for s in (diabetes, heart_failure, obesity, bmi, apnea, lipids, insulin)}


def _excluded_mentions() -> tuple[CodeSuggestion, ...]:
    """Mentions that support no code here: negated, family, uncertain, historical."""
    return (
        _suggestion(
            "J18.9",
            "Pneumonia, unspecified organism",
            0.71,
            "Chest X-ray: no evidence of pneumonia or effusion",
            note_id="N2",
            start=301,
            assertion=Assertion.NEGATED,
        ),
        _suggestion(
            "C50.919",
            "Malignant neoplasm of unspecified site of unspecified female breast",
            0.66,
            "mother had breast cancer at 58",
            start=1104,
            assertion=Assertion.FAMILY,
        ),
        _suggestion(
            "E11.40",
            "Type 2 diabetes mellitus with diabetic neuropathy, unspecified",
            0.62,
            "possible early diabetic neuropathy, monofilament exam next visit",
            start=955,
            assertion=Assertion.UNCERTAIN,
        ),
        _suggestion(
            "I21.4",
            "Non-ST elevation (NSTEMI) myocardial infarction",
            0.58,
            "history of NSTEMI in [DATE], no chest pain since",
            start=1160,
            assertion=Assertion.HISTORICAL,
        ),
    )


def _claim() -> RecordedDiagnosis:
    """The diagnoses on the sample's claim."""
    return RecordedDiagnosis(
        concepts=tuple(
            CodedConcept(system=ICD10CM_SYSTEM, code=code, display=display)
            for code, display in (
                ("E11.9", "Type 2 diabetes mellitus without complications"),
                ("E78.5", "Hyperlipidemia, unspecified"),
                ("G47.33", "Obstructive sleep apnea (adult) (pediatric)"),
                ("J44.9", "Chronic obstructive pulmonary disease, unspecified"),
            )
        ),
        source=DiagnosisSource.CLAIM,
    )


def sample_coding_analysis(evidence_override: str | None = None) -> CodingAnalysis:
    """One outpatient visit of a 72-year-old woman: an upgrade, two gaps each way, exclusions.

    ``evidence_override`` replaces the first snippet's text (tests use it to plant markup).
    """
    documented = _documented(evidence_override)
    encounter = EncounterCoding(
        encounter_id="E1",
        setting=CareSetting.OUTPATIENT,
        type="Office visit, established patient",
        period_start="2025-03-14",
        service_year=2025,
        note_ids=("N1", "N2"),
        suggestions=tuple(documented.values()),
        excluded=_excluded_mentions(),
        billed_diagnoses=(_claim(),),
        comparison=Comparison(
            verdicts=_verdicts(documented),
            corrected_claim=_CORRECTED,
            matched=("E78.5", "G47.33"),
            documented_not_billed=tuple(
                documented[code] for code in ("I50.32", "E66.01", "Z68.41", "Z79.4")
            ),
            billed_not_documented=(
                BilledCodeFinding(
                    code="J44.9",
                    description="Chronic obstructive pulmonary disease, unspecified",
                    reason="No mention of COPD, emphysema or chronic bronchitis in either note; "
                    "lungs documented clear, no inhaler on the medication list.",
                ),
            ),
            specificity_upgrades=(
                SpecificityUpgrade(
                    billed_code="E11.9",
                    suggested=documented["E11.65"],
                    billed_description="Type 2 diabetes mellitus without complications",
                ),
            ),
        ),
    )
    return CodingAnalysis(
        code_set=CODE_SET,
        method=METHOD,
        demographics=Demographics(age_years=72, sex=Sex.FEMALE, medicaid=False),
        encounters=(encounter,),
        phi=PhiSummary(
            method="clinrelay deid (rules + known identifiers)",
            policy="tag",
            spans_by_type={"NAME": 3, "DATE": 5, "ID": 1, "PHONE": 1},
            notes_processed=2,
        ),
        notices=(
            "SNOMED CT inference is off: no licensed SNOMED CT release is configured.",
            "Dates in this report are shifted by the de-identification policy.",
        ),
        risk_adjustment=sample_risk_estimate(),
        data_collection=DataCollectionWindow(
            payment_year=2026, data_collection_year=2025, counted=("E1",)
        ),
    )


_BILLED = ("E11.9", "E78.5", "G47.33", "J44.9")
_SUPPORTED = ("E11.9", "E78.5", "G47.33")
_CORRECTED = ("E11.65", "E78.5", "G47.33", "I50.32", "E66.01", "Z68.41", "Z79.4")


def _verdicts(documented: dict[str, CodeSuggestion]) -> tuple[BilledCodeVerdict, ...]:
    def supported(code: str, kind: MatchKind, on: str, reason: str) -> BilledCodeVerdict:
        return BilledCodeVerdict(
            code=code,
            verdict=Verdict.SUPPORTED,
            match=kind,
            documented_code=on,
            reason=reason,
            evidence=documented[on].evidence,
        )

    return (
        supported(
            "E11.9",
            MatchKind.MORE_SPECIFIC,
            "E11.65",
            "documented more specifically as E11.65 (Type 2 diabetes mellitus with hyperglycemia)",
        ),
        supported("E78.5", MatchKind.EXACT, "E78.5", "documented as billed"),
        supported("G47.33", MatchKind.EXACT, "G47.33", "documented as billed"),
        BilledCodeVerdict(
            code="J44.9",
            description="Chronic obstructive pulmonary disease, unspecified",
            verdict=Verdict.NOT_SUPPORTED,
            reason="no mention in the encounter's notes",
        ),
    )


# Illustrative coefficients of the order of CMS-HCC V28's community, non-dual, aged segment (not
# the published table): the sample only needs them plausible and consistent with each other.
_DEMOGRAPHIC = {"F70_74": 0.386}
_HCCS = {
    "HCC38": ("Diabetes with Glycemic, Unspecified, or No Complications", 0.166),
    "HCC48": ("Morbid Obesity", 0.186),
    "HCC226": ("Heart Failure, Except End-Stage and Acute", 0.360),
    "HCC280": (
        "Chronic Obstructive Pulmonary Disease, Interstitial Lung Disorders, and Other "
        "Chronic Lung Disorders",
        0.319,
    ),
}
_CODE_HCC = {"E11.9": "HCC38", "E11.65": "HCC38", "E66.01": "HCC48", "Z68.41": "HCC48",
             "I50.32": "HCC226", "J44.9": "HCC280"}  # fmt: skip
_INTERACTIONS = {"DIABETES_HF_V28": (frozenset({"HCC38", "HCC226"}), 0.112)}


def _raf(codes: tuple[str, ...], inputs: RiskInputs) -> RafScore:
    hccs = sorted({_CODE_HCC[c] for c in codes if c in _CODE_HCC}, key=lambda h: int(h[3:]))
    contributions = tuple(
        HccContribution(
            hcc=hcc,
            label=_HCCS[hcc][0],
            coefficient=_HCCS[hcc][1],
            diagnosis_codes=tuple(c for c in codes if _CODE_HCC.get(c) == hcc),
        )
        for hcc in hccs
    )
    interactions = {
        name: value for name, (needs, value) in _INTERACTIONS.items() if needs <= set(hccs)
    }
    demographic = sum(_DEMOGRAPHIC.values())
    disease = sum(c.coefficient for c in contributions)
    raw = demographic + disease + sum(interactions.values())
    payment = raw * (1 - inputs.coding_intensity_adjustment) / inputs.normalization_factor
    return RafScore(
        diagnosis_codes=tuple(sorted(codes)),
        raw_score=raw,
        demographic_score=demographic,
        disease_score=disease,
        payment_score=payment,
        hccs=contributions,
        interactions=interactions,
        demographic_factors=dict(_DEMOGRAPHIC),
    )


def sample_risk_estimate() -> RiskAdjustmentEstimate:
    """RAF of the sample's claim as billed, as supported by the notes and as corrected."""
    inputs = RiskInputs(
        model="CMS-HCC Model V28",
        payment_year=2026,
        age_years=72,
        sex="F",
        dual_eligibility_code="NA",
        original_entitlement_code="0",
        normalization_factor=1.067,
        normalization_source="CMS 2026 Rate Announcement (V28)",
        coding_intensity_adjustment=0.059,
        monthly_base_rate=1000.0,
        engine="hccinfhir 0.4.0",
    )
    before = _raf(_BILLED, inputs)
    supported = _raf(_SUPPORTED, inputs)
    after = _raf(_CORRECTED, inputs)

    def dollars(difference: float) -> float:
        return round(difference * inputs.monthly_base_rate * inputs.months, 2)

    return RiskAdjustmentEstimate(
        inputs=inputs,
        before=before,
        supported=supported,
        after=after,
        delta_payment_score=after.payment_score - before.payment_score,
        revenue_gained=dollars(after.payment_score - supported.payment_score),
        revenue_at_risk=dollars(before.payment_score - supported.payment_score),
        annual_revenue_delta=dollars(after.payment_score - before.payment_score),
        added_hccs=("HCC48", "HCC226"),
        at_risk_hccs=("HCC280",),
        caveats=(
            "Estimate only: assumes Medicare Advantage enrolment for the whole payment year in "
            "the community segment shown.",
            "Original reason for entitlement assumed 0 (old age); the Bundle does not state it.",
        ),
    )


_LONG_CODES = (
    ("I25.10", "Atherosclerotic heart disease of native coronary artery without angina pectoris"),
    ("I48.91", "Unspecified atrial fibrillation"),
    ("N18.31", "Chronic kidney disease, stage 3a"),
    ("E03.9", "Hypothyroidism, unspecified"),
    ("K21.9", "Gastro-esophageal reflux disease without esophagitis"),
    ("F32.A", "Depression, unspecified"),
    ("M17.11", "Unilateral primary osteoarthritis, right knee"),
    ("D50.9", "Iron deficiency anemia, unspecified"),
    ("E55.9", "Vitamin D deficiency, unspecified"),
    ("I73.9", "Peripheral vascular disease, unspecified"),
    ("M81.0", "Age-related osteoporosis without current pathological fracture"),
    ("J45.909", "Unspecified asthma, uncomplicated"),
)


def long_coding_analysis(encounters: int = 6) -> CodingAnalysis:
    """A follow-up series: ``encounters`` visits with a dozen codes each, tables over pages."""
    base = sample_coding_analysis()
    first = base.encounters[0]
    series = []
    start = date(2025, 1, 9)
    for index in range(encounters):
        extra = tuple(
            _suggestion(
                code,
                description,
                round(0.95 - 0.03 * offset, 2),
                f"{description.split(',')[0].lower()}, stable on current treatment, "
                f"reviewed with patient and [NAME]",
                note_id=f"N{2 * index + 1}",
                start=200 + 37 * offset,
            )
            for offset, (code, description) in enumerate(_LONG_CODES)
        )
        series.append(
            first.model_copy(
                update={
                    "encounter_id": f"E{index + 1}",
                    "period_start": (start + timedelta(days=42 * index)).isoformat(),
                    "service_year": 2025,
                    "note_ids": (f"N{2 * index + 1}", f"N{2 * index + 2}"),
                    "suggestions": first.suggestions + extra,
                    "comparison": first.comparison.model_copy(
                        update={
                            "matched": first.comparison.matched + tuple(c for c, _ in _LONG_CODES)
                        }
                    ),
                }
            )
        )
    return base.model_copy(update={"encounters": tuple(series)})
