"""Payloads of a drug-safety (CER) report as it moves gateway → ingestor → analyzer → renderer.

A CER starts from an NDC product code. The ingestor asks openFDA's drug/event endpoint (FAERS) for
the reports that list the product, keeps only those that really do, and emits a compact projection
of them together with the count-query results the 2×2 disproportionality tables need
(:class:`CerDataset`, payload of ``report.ingested``). The analyzer turns that into tables, trends,
disproportionality statistics, signal flags and narrative (:class:`CerAnalysis`, payload of
``report.analyzed``), which the renderer draws as a PDF.

FAERS holds no patient identities, but it also holds no exposure denominator: nothing here is a
rate. Shares (``share``) are proportions *of reports*, never of patients or prescriptions.

Compatibility: the renderer builds against these models. Add fields with defaults; never rename or
remove one.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Final, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

NO_DENOMINATOR_NOTICE: Final = (
    "FAERS has no exposure denominator: the number of patients who took the product is unknown, so "
    "no incidence or rate can be derived from these counts. Proportions are shares of reports."
)

INLINE_CASES_MAX_BYTES: Final = 512 * 1024
"""Above this serialised size the ingestor stores the case projection in PostgreSQL and the
``report.ingested`` message carries a :class:`DatasetRef` instead (messages stay well under
2 MB)."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


# --------------------------------------------------------------------------------------------------
# Request
# --------------------------------------------------------------------------------------------------


class SignalPreset(StrEnum):
    """Named signal-detection thresholds; the chosen one is printed in the report."""

    EVANS = "evans"
    EMA = "ema"
    IC025 = "ic025"


SIGNAL_PRESET_LABELS: Final[dict[SignalPreset, str]] = {
    SignalPreset.EVANS: "Evans et al. (2001)",
    SignalPreset.EMA: "EMA-style PRR confidence bound",
    SignalPreset.IC025: "BCPNN information component (IC025)",
}

SIGNAL_PRESET_CRITERIA: Final[dict[SignalPreset, str]] = {
    SignalPreset.EVANS: "PRR ≥ 2, χ² with Yates correction ≥ 4, and at least 3 reports",
    SignalPreset.EMA: "lower bound of the PRR 95% confidence interval ≥ 1, and at least 5 reports",
    SignalPreset.IC025: "lower bound of the IC 95% credibility interval (IC025) > 0",
}


class CerRequest(_Model):
    """What was asked for: one product, an optional receive-date window and a signal preset.

    ``ndc`` is the normalised code: the 11-digit HIPAA form ``LLLLL-PPPP-KK`` when a package code
    was given, the padded product form ``LLLLL-PPPP`` otherwise. FAERS matches at product level, so
    the package segment only identifies what the user typed. ``product_ndcs`` are the
    labeler-product codes as openFDA spells them (original segment lengths) that the query matches;
    an 11-digit or unhyphenated input can stand for more than one of them.
    """

    ndc: str = Field(pattern=r"^\d{5}-\d{4}(-\d{2})?$")
    ndc_input: str = Field(min_length=1, max_length=40)
    product_ndcs: tuple[str, ...] = Field(min_length=1)
    since: date | None = None
    until: date | None = None
    signal_preset: SignalPreset = SignalPreset.EVANS
    schedule_id: UUID | None = None
    """Set when the scheduler (not a person) asked for this report."""

    @model_validator(mode="after")
    def _window_in_order(self) -> CerRequest:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        return self


# --------------------------------------------------------------------------------------------------
# What openFDA was asked and told
# --------------------------------------------------------------------------------------------------


class QueryPurpose(StrEnum):
    PRODUCT_REPORTS = "product_reports"  # the product's reports, paged (search_after)
    PRODUCT_EVENT_COUNTS = "product_event_counts"  # count of reactions among the product's reports
    DATABASE_TOTAL = "database_total"  # all reports in the window (N of the 2×2 tables)
    DATABASE_EVENT_COUNTS = "database_event_counts"  # count of reactions over all reports
    EVENT_TOTAL = "event_total"  # reports listing one reaction (when not in the top-1000 count)
    FALLBACK = "fallback"  # brand/generic-name search for reports without the openfda block
    LAST_UPDATED = "last_updated"  # cheap probe of meta.last_updated (scheduler)


class QueryRecord(_Model):
    """One openFDA query exactly as sent (never with the API key), for the report's appendix."""

    purpose: QueryPurpose
    endpoint: str = "/drug/event.json"
    search: str | None = None
    count: str | None = None
    sort: str | None = None
    limit: int = Field(ge=0, le=1000)
    url: str
    """The full URL of the first request, parameters encoded, API key removed."""
    total: int | None = Field(default=None, ge=0)
    """``meta.results.total`` for searches (0 when openFDA said NOT_FOUND), None for counts."""
    pages: int = Field(default=1, ge=0)
    from_cache: bool = False
    not_found: bool = False
    """openFDA answered 404 NOT_FOUND: zero matches, not a failure."""


class OpenFdaSource(_Model):
    """Where the data came from and how fresh openFDA says it is."""

    base_url: str
    endpoint: str = "/drug/event.json"
    meta_last_updated: date | None = None
    """``meta.last_updated``: when openFDA last refreshed the endpoint (not the newest report)."""
    retrieved_at: datetime
    disclaimer: str | None = None
    license: str | None = None


class FallbackQuery(_Model):
    """A name-based search offered because product-NDC matching misses un-harmonised reports."""

    reason: str
    search: str
    url: str
    total: int | None = Field(default=None, ge=0)
    """How many reports that search matches (it may include reports of other products)."""


# --------------------------------------------------------------------------------------------------
# The compact projection of one FAERS report
# --------------------------------------------------------------------------------------------------


class DrugRole(StrEnum):
    """``drugcharacterization`` of the product in a report."""

    SUSPECT = "suspect"  # 1
    CONCOMITANT = "concomitant"  # 2
    INTERACTING = "interacting"  # 3
    UNKNOWN = "unknown"


class PatientSex(StrEnum):
    FEMALE = "female"  # patientsex 2
    MALE = "male"  # patientsex 1
    UNKNOWN = "unknown"  # 0 or absent


class SeriousnessCriterion(StrEnum):
    """ICH E2B seriousness criteria, as FAERS flags them (``seriousness*`` = "1")."""

    DEATH = "death"
    LIFE_THREATENING = "life_threatening"
    HOSPITALISATION = "hospitalisation"
    DISABILITY = "disability"
    CONGENITAL_ANOMALY = "congenital_anomaly"
    OTHER = "other"


class ReactionOutcome(StrEnum):
    """``reactionoutcome`` 1–6."""

    RECOVERED = "recovered"
    RECOVERING = "recovering"
    NOT_RECOVERED = "not_recovered"
    RECOVERED_WITH_SEQUELAE = "recovered_with_sequelae"
    FATAL = "fatal"
    UNKNOWN = "unknown"


class ReportType(StrEnum):
    """``reporttype``: where the report came from."""

    SPONTANEOUS = "spontaneous"
    STUDY = "study"
    OTHER = "other"
    NOT_AVAILABLE = "not_available"


class Reaction(_Model):
    pt: str
    """MedDRA preferred term as reported (normalisation happens in the analyzer)."""
    outcome: ReactionOutcome | None = None


class FaersCase(_Model):
    """One FAERS safety report reduced to what the analysis uses."""

    safetyreportid: str
    receivedate: date | None = None
    serious: bool | None = None
    seriousness: tuple[SeriousnessCriterion, ...] = ()
    sex: PatientSex = PatientSex.UNKNOWN
    age_years: float | None = Field(default=None, ge=0, le=150)
    """Onset age converted to years from ``patientonsetage`` and its unit."""
    age_group_reported: str | None = None
    """``patient.patientagegroup`` mapped to a word (neonate … elderly) when the age is missing."""
    role: DrugRole = DrugRole.UNKNOWN
    """The product's most suspect role in this report (suspect > interacting > concomitant)."""
    reactions: tuple[Reaction, ...] = ()
    report_type: ReportType | None = None
    country: str | None = None


class DatasetRef(_Model):
    """Where a case projection too big for the message was stored."""

    table: Literal["cer_datasets"] = "cer_datasets"
    report_id: UUID
    cases: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    """SHA-256 of the stored JSON, checked by the reader."""


# --------------------------------------------------------------------------------------------------
# report.ingested
# --------------------------------------------------------------------------------------------------


class TermCount(_Model):
    """One row of an openFDA count query: a reaction term and the number of reports listing it."""

    term: str
    count: int = Field(ge=0)


class DisproportionalityCounts(_Model):
    """The count-query results from which the analyzer builds one 2×2 table per reaction.

    For reaction E and the product P, within the same receive-date window:
    a = ``product_event_counts[E]``, a + b = ``product_reports``,
    a + c = ``database_event_counts[E]``, N = a + b + c + d = ``database_reports``.
    """

    product_reports: int = Field(ge=0)
    database_reports: int = Field(ge=0)
    product_event_counts: tuple[TermCount, ...] = ()
    database_event_counts: tuple[TermCount, ...] = ()
    """Top terms of the whole database, plus per-term totals for the product's terms beyond them."""
    terms_without_background: tuple[str, ...] = ()
    """Product terms whose database total could not be obtained (query cap reached)."""


class ProductIdentification(_Model):
    """What openFDA's harmonised ``openfda`` block says about the product (from matched entries)."""

    ndc: str
    ndc_input: str
    product_ndcs: tuple[str, ...]
    matched_product_ndcs: tuple[str, ...] = ()
    """Which of ``product_ndcs`` the reports actually listed."""
    brand_names: tuple[str, ...] = ()
    generic_names: tuple[str, ...] = ()
    substance_names: tuple[str, ...] = ()
    manufacturer_names: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    product_types: tuple[str, ...] = ()
    application_numbers: tuple[str, ...] = ()
    pharm_classes: tuple[str, ...] = ()


class CerDataset(_Model):
    """Payload of ``report.ingested`` for a CER report.

    ``cases`` holds the verified reports inline; when they would make the message too big they are
    stored in PostgreSQL and ``cases_ref`` points at them (then ``cases`` is empty).
    """

    request: CerRequest
    source: OpenFdaSource
    product: ProductIdentification
    queries: tuple[QueryRecord, ...]
    matched_total: int = Field(ge=0)
    """Reports openFDA matched for the product (``meta.results.total``; 0 on NOT_FOUND)."""
    fetched: int = Field(ge=0)
    """Reports actually downloaded (at most ``fetch_cap``)."""
    fetch_cap: int = Field(ge=1)
    truncated: bool = False
    """True when more reports matched than the cap allowed to download."""
    dropped_ndc_mismatch: int = Field(default=0, ge=0)
    """Reports returned by the search whose drug entries do not list the NDC (tokenised matches)."""
    missing_openfda: int = Field(default=0, ge=0)
    """Reports returned with no harmonised ``openfda`` block at all: the NDC cannot be verified, so
    they are dropped and counted here."""
    cases: tuple[FaersCase, ...] = ()
    cases_ref: DatasetRef | None = None
    counts: DisproportionalityCounts
    fallback: FallbackQuery | None = None
    notices: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------------
# report.analyzed
# --------------------------------------------------------------------------------------------------


class CategoryCount(_Model):
    """A category (a sex, an age group, an outcome…) and the reports in it."""

    category: str
    label: str
    reports: int = Field(ge=0)
    share: float = Field(ge=0.0, le=1.0)
    """Share of the analysed reports (not a rate)."""


class EventRow(_Model):
    """One normalised MedDRA preferred term among the product's reports."""

    pt: str
    reports: int = Field(ge=0)
    share: float = Field(ge=0.0, le=1.0)
    serious_reports: int = Field(default=0, ge=0)
    fatal_outcome_reports: int = Field(default=0, ge=0)
    """Reports in which this reaction's own outcome was fatal."""
    variants: tuple[str, ...] = ()
    """Spellings folded into this term (case, punctuation, British/American spelling)."""


class SeriousnessSummary(_Model):
    serious: int = Field(ge=0)
    non_serious: int = Field(ge=0)
    not_stated: int = Field(default=0, ge=0)
    criteria: tuple[CategoryCount, ...] = ()
    """One row per :class:`SeriousnessCriterion`, in that order; a report may meet several."""
    reaction_outcomes: tuple[CategoryCount, ...] = ()
    """Reports with at least one reaction of each outcome, in :class:`ReactionOutcome` order."""


class QuarterCount(_Model):
    quarter: str = Field(pattern=r"^\d{4}-Q[1-4]$")
    reports: int = Field(ge=0)
    serious: int = Field(default=0, ge=0)


class TwoByTwo(_Model):
    """Reports by (product, reaction): a = both, b = product without the reaction,
    c = reaction with other products, d = neither."""

    a: int = Field(ge=0)
    b: int = Field(ge=0)
    c: int = Field(ge=0)
    d: int = Field(ge=0)


class RatioEstimate(_Model):
    """A ratio with its 95% confidence interval (log-normal approximation)."""

    value: float = Field(ge=0.0)
    lower: float = Field(ge=0.0)
    upper: float = Field(ge=0.0)


class InformationComponent(_Model):
    """BCPNN information component with its 95% credibility interval (log2 scale)."""

    value: float
    ic025: float
    ic975: float


class DisproportionalityRow(_Model):
    pt: str
    table: TwoByTwo
    haldane: bool
    """True when a zero cell made us add 0.5 to every cell before PRR/ROR/χ²."""
    expected: float = Field(ge=0.0)
    """Expected a under independence, (a+b)(a+c)/N."""
    prr: RatioEstimate
    ror: RatioEstimate
    chi_square_yates: float = Field(ge=0.0)
    ic: InformationComponent
    presets_met: tuple[SignalPreset, ...] = ()
    """Every preset whose criteria this row meets (the chosen one decides ``signal``)."""
    signal: bool = False
    """Meets the chosen preset's criteria."""


class PresetCriteria(_Model):
    preset: SignalPreset
    label: str
    criteria: str


class ReportingPeriod(_Model):
    since: date | None = None
    until: date | None = None
    first_received: date | None = None
    last_received: date | None = None


class CerTotals(_Model):
    matched_by_openfda: int = Field(ge=0)
    fetched: int = Field(ge=0)
    analysed: int = Field(ge=0)
    """Reports that passed the NDC check and enter every table below."""
    fetch_cap: int = Field(ge=1)
    truncated: bool = False
    dropped_ndc_mismatch: int = Field(default=0, ge=0)
    missing_openfda: int = Field(default=0, ge=0)
    suspect: int = Field(default=0, ge=0)
    interacting: int = Field(default=0, ge=0)
    concomitant: int = Field(default=0, ge=0)
    role_unknown: int = Field(default=0, ge=0)
    serious: int = Field(default=0, ge=0)
    distinct_events: int = Field(default=0, ge=0)
    database_reports: int = Field(default=0, ge=0)
    """All FAERS reports in the window (N of the 2×2 tables)."""


class SignalChanges(_Model):
    """Signals compared with the previous report for the same tenant, NDC and preset."""

    previous_report_id: UUID | None = None
    previous_generated_at: datetime | None = None
    previous_last_updated: date | None = None
    new: tuple[str, ...] = ()
    disappeared: tuple[str, ...] = ()
    persisting: tuple[str, ...] = ()

    @property
    def has_previous(self) -> bool:
        return self.previous_report_id is not None

    @property
    def changed(self) -> bool:
        return bool(self.new or self.disappeared)


class Narrative(_Model):
    """Sections of prose generated from the numbers (templated, no language model).

    Each field is a sequence of paragraphs in reading order.
    """

    executive_summary: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    top_events: tuple[str, ...] = ()
    serious_outcomes: tuple[str, ...] = ()
    trends: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()
    new_signals: tuple[str, ...] = ()
    limitations: tuple[str, ...] = ()


class CerAnalysis(_Model):
    """Payload of ``report.analyzed`` for a CER report: everything the PDF shows."""

    request: CerRequest
    product: ProductIdentification
    source: OpenFdaSource
    queries: tuple[QueryRecord, ...]
    period: ReportingPeriod
    totals: CerTotals
    events: tuple[EventRow, ...] = ()
    """All normalised reactions, most reported first (ties by name)."""
    seriousness: SeriousnessSummary
    trend: tuple[QuarterCount, ...] = ()
    """Every quarter from the first to the last receive date, zero-filled, oldest first."""
    sex: tuple[CategoryCount, ...] = ()
    age_groups: tuple[CategoryCount, ...] = ()
    disproportionality: tuple[DisproportionalityRow, ...] = ()
    """One row per reaction with a 2×2 table, signals first, then by ROR lower bound."""
    preset: PresetCriteria
    signal_changes: SignalChanges = SignalChanges()
    narrative: Narrative = Narrative()
    fallback: FallbackQuery | None = None
    notices: tuple[str, ...] = ()
    generated_at: datetime
    method_version: str = "clinrelay-faers-1"

    @property
    def signals(self) -> tuple[DisproportionalityRow, ...]:
        return tuple(row for row in self.disproportionality if row.signal)
