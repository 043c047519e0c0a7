"""Payloads of a coding report as it moves ingestor → analyzer → renderer.

Everything here is de-identified: the ingestor builds :class:`CodingCase` from a FHIR Bundle after
removing PHI, and nothing downstream ever sees the Bundle. Identifiers are surrogates (``E1``,
``N3``) and dates are shifted or reduced to the year, as the ingestor's policy says.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

ICD10CM_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED_SYSTEM = "http://snomed.info/sct"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class CareSetting(StrEnum):
    """The coding rules that apply depend on where the encounter happened."""

    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"
    EMERGENCY = "emergency"
    OTHER = "other"


AGE_CAP = 90
"""Safe Harbor: ages over 89 are aggregated into one category, reported here as 90."""


class AgeOnFebruary1(_Model):
    """The patient's age on February 1 of ``year`` (capped at 90).

    CMS-HCC demographics use the age as of February 1 of the payment year; with this one
    reference the analyzer finds it for any payment year without the birth date leaving the
    ingestor (the age on February 1 of year Y is this age + (Y − ``year``)).
    """

    year: int = Field(ge=1800, le=2200)
    age_years: int = Field(ge=0, le=AGE_CAP)


class Demographics(_Model):
    """What risk adjustment needs, without identifying anyone (ages over 89 are reported as 90)."""

    age_years: int | None = Field(default=None, ge=0, le=AGE_CAP)
    """Age at the latest encounter (as the record's dates give it)."""
    sex: Sex = Sex.UNKNOWN
    medicaid: bool = False
    age_on_february_1: AgeOnFebruary1 | None = None

    def payment_year_age(self, payment_year: int) -> int | None:
        """Age as of February 1 of ``payment_year`` (the CMS-HCC rule), capped at 90; None when
        unknown (no birth date), or when the reference age is already capped and the payment
        year lies before it (the true age cannot be told)."""
        reference = self.age_on_february_1
        if reference is None:
            return None
        if reference.age_years >= AGE_CAP and payment_year < reference.year:
            return None
        age = reference.age_years + (payment_year - reference.year)
        return min(age, AGE_CAP) if age >= 0 else None


class CodedConcept(_Model):
    system: str
    code: str
    display: str | None = None


class DiagnosisSource(StrEnum):
    CONDITION = "Condition"
    ENCOUNTER = "Encounter.diagnosis"
    CLAIM = "Claim.diagnosis"
    EXPLANATION_OF_BENEFIT = "ExplanationOfBenefit.diagnosis"  # read only when its Claim is absent


class RecordedDiagnosis(_Model):
    """A diagnosis the record states in structured form (not inferred from text)."""

    concepts: tuple[CodedConcept, ...]
    source: DiagnosisSource
    clinical_status: str | None = None
    verification_status: str | None = None
    categories: tuple[str, ...] = ()  # Condition.category codes (encounter-diagnosis, ...)
    use: str | None = None  # Encounter.diagnosis.use / Claim.diagnosis.type (admitting, ...)
    rank: int | None = None  # Encounter.diagnosis.rank (1 = primary)
    sequence: int | None = None  # Claim.diagnosis.sequence, what BilledItem points at
    claim_id: str | None = None  # surrogate of the claim that billed it ("C1"), billed only


class BilledItem(_Model):
    """One line of a Claim: what was billed, and which claim diagnoses it points at."""

    sequence: int
    service: tuple[CodedConcept, ...]
    diagnosis_sequences: tuple[int, ...] = ()
    claim_id: str | None = None  # surrogate of the claim ("C1"): sequences are per claim


class Note(_Model):
    """One clinical note, de-identified. ``text`` is the only free text that leaves the ingestor."""

    note_id: str
    source: str  # "DocumentReference" or "DiagnosticReport"
    title: str | None = None
    date: str | None = None  # shifted ISO date, or None when the policy drops dates
    text: str


class EncounterCase(_Model):
    encounter_id: str
    encounter_class: str | None = None  # v3 ActCode, e.g. AMB, IMP, EMER
    setting: CareSetting = CareSetting.OTHER
    type: str | None = None
    period_start: str | None = None  # shifted ISO date
    service_year: int | None = None
    """Calendar year of the date of service as recorded (not shifted: Safe Harbor keeps years),
    for the risk-adjustment data-collection window; None when the policy drops years."""
    notes: tuple[Note, ...] = ()
    recorded_diagnoses: tuple[RecordedDiagnosis, ...] = ()
    billed_diagnoses: tuple[RecordedDiagnosis, ...] = ()
    billed_items: tuple[BilledItem, ...] = ()


class PhiSummary(_Model):
    """What de-identification did, in counts only: never the values it removed."""

    method: str
    policy: str
    spans_by_type: dict[str, int] = Field(default_factory=dict)
    notes_processed: int = 0


class CodingCase(_Model):
    """Payload of ``report.ingested`` for a coding report."""

    bundle_type: str
    resource_counts: dict[str, int]
    """Resources in the Bundle by type (``"Encounter": 12``), plus what the ingestor set aside,
    under lower-case keys: ``dropped_encounters`` (no notes, no claims), ``duplicate_notes``,
    ``skipped_attachments``, ``unlinked_claims``, ``uncoded_diagnoses``,
    ``unresolved_references``."""
    demographics: Demographics
    encounters: tuple[EncounterCase, ...]
    phi: PhiSummary
    unlinked_notes: tuple[Note, ...] = ()
    """Notes that name no encounter, when the Bundle has several encounters."""
    problem_list: tuple[RecordedDiagnosis, ...] = ()
    """Conditions that name no encounter: the patient's problem list, which an encounter without
    notes is compared with (with its own recorded diagnoses)."""


class Assertion(StrEnum):
    """How a mention is asserted in the text (ConText-style)."""

    PRESENT = "present"
    NEGATED = "negated"
    UNCERTAIN = "uncertain"
    HYPOTHETICAL = "hypothetical"
    HISTORICAL = "historical"
    FAMILY = "family"


class MentionCategory(StrEnum):
    """What a mention names (Comprehend Medical's entity traits, widened to what we code).

    ``diagnosis``: a disease or injury; ``sign``: an objective finding (exam, vital sign,
    abnormal result); ``symptom``: what the patient reports; ``procedure``: an operation the
    patient had (coded as a status, Z9x); ``medication``: a drug (coded only as long-term use,
    Z79); ``status``: a history, family-history or other status code (Z80–Z99).
    """

    DIAGNOSIS = "diagnosis"
    SIGN = "sign"
    SYMPTOM = "symptom"
    PROCEDURE = "procedure"
    MEDICATION = "medication"
    STATUS = "status"


class TraitName(StrEnum):
    """Trait names as AWS Comprehend Medical InferICD10CM gives them, plus ``PAST_HISTORY``
    (its DetectEntitiesV2 name), which clinrelay needs for history codes."""

    NEGATION = "NEGATION"
    DIAGNOSIS = "DIAGNOSIS"
    SIGN = "SIGN"
    SYMPTOM = "SYMPTOM"
    PERTAINS_TO_FAMILY = "PERTAINS_TO_FAMILY"
    HYPOTHETICAL = "HYPOTHETICAL"
    LOW_CONFIDENCE = "LOW_CONFIDENCE"
    PAST_HISTORY = "PAST_HISTORY"


class Trait(_Model):
    """One trait of a mention and how sure clinrelay is of it (0–1)."""

    name: TraitName
    score: float = Field(ge=0.0, le=1.0)


class Evidence(_Model):
    note_id: str
    start: int
    end: int
    text: str  # the de-identified snippet the code rests on
    section: str | None = None  # note section the mention sits in (e.g. "past_medical_history")
    sentence: str | None = None  # the de-identified sentence around the mention, for review


class CodeCandidate(_Model):
    """One ranked candidate code for a mention (InferICD10CM's ``ICD10CMConcepts``)."""

    code: str
    description: str
    score: float = Field(ge=0.0, le=1.0)
    billable: bool = True


class Mention(_Model):
    """A condition, sign or symptom found in a note, with how the text asserts it (one
    InferICD10CM entity: category, traits with scores, ranked concepts)."""

    note_id: str
    start: int
    end: int
    text: str
    category: MentionCategory = MentionCategory.DIAGNOSIS
    assertion: Assertion = Assertion.PRESENT
    score: float = Field(default=0.0, ge=0.0, le=1.0)  # how sure the text names this concept
    traits: tuple[Trait, ...] = ()  # DIAGNOSIS/SIGN/SYMPTOM and every assertion trait seen
    section: str | None = None
    candidates: tuple[CodeCandidate, ...] = ()  # best first; the first is what the mention codes to


class CodeSuggestion(_Model):
    """A code the notes support (in ``suggestions``) or one found and set aside (in ``excluded``,
    where ``rationale`` says why)."""

    code: str  # ICD-10-CM with the dot, e.g. E11.65
    description: str
    score: float = Field(ge=0.0, le=1.0)
    assertion: Assertion = Assertion.PRESENT
    billable: bool = True
    evidence: tuple[Evidence, ...] = ()
    rationale: str | None = None  # why this code (specificity rule, combination code, setting rule)
    candidates: tuple[CodeCandidate, ...] = ()  # ranked codes the mention could be, best first
    hcc: str | None = None  # payment HCC of the configured CMS-HCC model, when the code maps to one
    category: MentionCategory = MentionCategory.DIAGNOSIS
    traits: tuple[Trait, ...] = ()  # traits of the mention(s) it rests on, with scores

    @property
    def alternatives(self) -> tuple[CodeCandidate, ...]:
        """The ranked candidates other than ``code``: what a coder might choose instead."""
        return tuple(c for c in self.candidates if c.code != self.code)


class BilledCodeFinding(_Model):
    """A billed code and how the note bears on it."""

    code: str
    description: str | None = None
    system: str = ICD10CM_SYSTEM
    reason: str
    evidence: tuple[Evidence, ...] = ()  # e.g. where the note negates the billed condition


class SpecificityUpgrade(_Model):
    billed_code: str
    suggested: CodeSuggestion
    billed_description: str | None = None
    reason: str = ""


class ReviewBasis(StrEnum):
    """What an encounter's claim is compared with."""

    NOTES = "notes"
    """The codes its clinical notes support."""
    PROBLEM_LIST = "problem_list"
    """No notes: the diagnoses the record lists for the encounter (Condition, Encounter.diagnosis)
    and the patient's active problem list."""
    NONE = "none"
    """Neither notes nor recorded diagnoses: nothing to compare the claim with."""


class Verdict(StrEnum):
    SUPPORTED = "supported"
    NOT_SUPPORTED = "not_supported"
    NOT_COMPARABLE = "not_comparable"  # billed in a code system clinrelay cannot compare


class MatchKind(StrEnum):
    """How a billed code found its support."""

    EXACT = "exact"
    """The documentation supports the billed code itself."""
    MORE_SPECIFIC = "more_specific"
    """It supports a more specific code of the billed condition (a child of the billed category,
    or a specific sibling of a billed "unspecified" code): supported, with an upgrade."""
    COMBINATION = "combination"
    """A documented combination code includes the billed condition (billed I10, documented
    I12.9): supported, to be recoded as the combination."""
    HISTORY = "history"
    """A billed history or status code (Z85–Z87, I25.2...) whose past condition the notes state."""
    EXTERNAL_CAUSE = "external_cause"
    """An external-cause code (V00–Y99) of an injury the notes document, whose mechanism (fall,
    stairs, knife...) the notes describe."""
    WORDING = "wording"
    """The notes document the condition less specifically than billed, but the words of that
    evidence's sentence carry the billed code's extra detail ("cellulitis of the left lower
    leg")."""
    ADDITIONAL = "additional"
    """An unspecified code of the category a documented code's "use additional code" note asks
    for (billed N18.9 or I50.9 beside a documented E11.22 or I11.0 whose stage or type the notes
    do not give): the documented code states the condition; the billed code stays."""


class BilledCodeVerdict(_Model):
    """One billed diagnosis code and whether the documentation supports it."""

    code: str
    system: str = ICD10CM_SYSTEM
    description: str | None = None
    verdict: Verdict
    match: MatchKind | None = None  # how a supported code was matched
    documented_code: str | None = None
    """The documented code it rests on, or, when not supported, what is documented instead."""
    reason: str
    evidence: tuple[Evidence, ...] = ()


class Comparison(_Model):
    """Billed versus documented for one encounter."""

    has_claim: bool = True
    """False when no claim bills the encounter: its documented codes are a documentation review,
    not "documented, not billed" findings."""
    basis: ReviewBasis = ReviewBasis.NOTES
    verdicts: tuple[BilledCodeVerdict, ...] = ()  # one per billed diagnosis code, claim order
    matched: tuple[str, ...] = ()
    documented_not_billed: tuple[CodeSuggestion, ...] = ()
    billed_not_documented: tuple[BilledCodeFinding, ...] = ()
    specificity_upgrades: tuple[SpecificityUpgrade, ...] = ()
    not_comparable: tuple[BilledCodeFinding, ...] = ()  # billed in a system we cannot compare
    corrected_claim: tuple[str, ...] = ()
    """ICD-10-CM codes the claim should carry: billed − not supported + documented, not billed,
    with the upgrades applied (empty without a claim)."""


class SnomedSuggestion(_Model):
    """A SNOMED CT concept inferred from note text (only with a configured licensed release)."""

    concept_id: str
    term: str
    score: float = Field(ge=0.0, le=1.0)
    assertion: Assertion = Assertion.PRESENT
    evidence: tuple[Evidence, ...] = ()


class EncounterCoding(_Model):
    encounter_id: str
    setting: CareSetting
    type: str | None = None
    period_start: str | None = None
    service_year: int | None = None  # calendar year of the date of service (see EncounterCase)
    note_ids: tuple[str, ...] = ()
    suggestions: tuple[CodeSuggestion, ...] = ()
    excluded: tuple[CodeSuggestion, ...] = ()  # found but not billable here (negated, family...)
    comparison: Comparison = Comparison()
    mentions: tuple[Mention, ...] = ()
    recorded_diagnoses: tuple[RecordedDiagnosis, ...] = ()  # carried through from the Bundle
    billed_diagnoses: tuple[RecordedDiagnosis, ...] = ()  # carried through from the Claim
    snomed_suggestions: tuple[SnomedSuggestion, ...] = ()


class HccContribution(_Model):
    hcc: str
    label: str | None = None
    coefficient: float
    diagnosis_codes: tuple[str, ...] = ()


class RafScore(_Model):
    """One CMS-HCC run: which codes went in and what came out (all figures are estimates).

    Scores are kept at full precision; only what is printed is rounded."""

    diagnosis_codes: tuple[str, ...]
    raw_score: float  # demographic + disease + interaction coefficients, as the model sums them
    demographic_score: float
    disease_score: float
    payment_score: float  # raw × (1 − coding-intensity adjustment) ÷ normalization factor
    hccs: tuple[HccContribution, ...] = ()
    interactions: dict[str, float] = Field(default_factory=dict)
    demographic_factors: dict[str, float] = Field(default_factory=dict)


class RiskInputs(_Model):
    """Everything the estimate rests on, so a reader can redo it by hand."""

    model: str  # e.g. "CMS-HCC Model V28"
    payment_year: int
    age_years: int
    age_basis: str = "as of February 1 of the payment year"
    sex: str  # "M" or "F", as the model needs it
    dual_eligibility_code: str  # CMS dual status code used ("NA": not dual)
    original_entitlement_code: str  # OREC assumed for the estimate
    normalization_factor: float
    normalization_source: str
    coding_intensity_adjustment: float
    monthly_base_rate: float
    months: int = 12
    currency: str = "USD"
    engine: str  # e.g. "hccinfhir 0.4.0"


class EncounterYear(_Model):
    encounter_id: str
    service_year: int


class DataCollectionWindow(_Model):
    """Which encounters' diagnoses count for the payment year: CMS-HCC risk scores of payment
    year Y rest on dates of service in calendar year Y − 1."""

    payment_year: int
    data_collection_year: int
    counted: tuple[str, ...] = ()  # encounters whose codes the estimate counts
    outside: tuple[EncounterYear, ...] = ()  # flagged: dated outside the data-collection year
    undated: tuple[str, ...] = ()  # year unknown (withheld by policy): counted, with a caveat


class RevenueReview(StrEnum):
    CLAIM = "claim"
    """Billed codes versus the corrected claim."""
    DOCUMENTATION = "documentation"
    """Nothing billed to compare: the HCCs the documentation captures."""


class RiskAdjustmentEstimate(_Model):
    """CMS-HCC RAF of the claim as billed, as supported and as corrected — an estimate, not a
    payment.

    Claim review: ``before`` = billed codes; ``supported`` = billed − not supported;
    ``after`` = the corrected claim (supported codes, upgrades applied, documented codes added).
    Revenue at risk = (before − supported) × rate × months; revenue gained = (after −
    supported) × rate × months; their net = (after − before) × rate × months.
    Documentation review (no claim): ``before`` = ``supported`` = demographics only; ``after`` =
    the documented codes; the gain is what the documented HCCs are worth, nothing is at risk.
    """

    label: str = "Estimate"
    review: RevenueReview = RevenueReview.CLAIM
    inputs: RiskInputs
    before: RafScore
    supported: RafScore
    after: RafScore
    delta_payment_score: float  # after − before, unrounded
    revenue_gained: float
    revenue_at_risk: float
    annual_revenue_delta: float  # net: revenue gained − revenue at risk
    added_hccs: tuple[str, ...] = ()  # HCCs of the corrected claim the billed one lacks
    at_risk_hccs: tuple[str, ...] = ()  # HCCs of the billed claim that rest on unsupported codes
    formula: str = (
        "payment RAF = raw RAF × (1 − coding-intensity adjustment) ÷ normalization factor; "
        "revenue gained = (payment RAF corrected − payment RAF supported) × monthly base rate × "
        "12; revenue at risk = (payment RAF billed − payment RAF supported) × monthly base rate "
        "× 12; net = gained − at risk (nothing is rounded before the last step)"
    )
    caveats: tuple[str, ...] = ()


class SnomedStatus(_Model):
    configured: bool = False
    release: str | None = None  # RF2 release folder name when configured
    concepts_loaded: int = 0
    notice: str | None = None


class SecondOpinionReview(_Model):
    code: str
    verdict: str  # "agree", "disagree" or "uncertain"
    comment: str = ""


class SecondOpinionAddition(_Model):
    code: str
    description: str | None = None
    comment: str = ""


class SecondOpinion(_Model):
    """What an optional external reviewer (an OpenAI-compatible chat model) said."""

    status: str  # "completed" or "unavailable"
    model: str | None = None
    reviews: tuple[SecondOpinionReview, ...] = ()
    additions: tuple[SecondOpinionAddition, ...] = ()  # codes it proposes, valid ICD-10-CM only
    detail: str | None = None  # why it is unavailable, free of PHI and secrets


class CodingAnalysis(_Model):
    """Payload of ``report.analyzed`` for a coding report."""

    code_set: str  # e.g. "ICD-10-CM FY2026 (simple-icd-10-cm 1.5.0)"
    method: str
    demographics: Demographics
    encounters: tuple[EncounterCoding, ...]
    phi: PhiSummary
    notices: tuple[str, ...] = ()  # things the reader must know (e.g. SNOMED inference off)
    risk_adjustment: RiskAdjustmentEstimate | None = None
    data_collection: DataCollectionWindow | None = None
    """Which encounters count for the payment year, and which are flagged as outside it."""
    snomed: SnomedStatus = SnomedStatus()
    second_opinion: SecondOpinion | None = None
