"""Payloads of a drug-safety (CER) report as it moves gateway → ingestor → analyzer → renderer.

A CER starts from an NDC product code. The ingestor asks openFDA's drug/event endpoint (FAERS) for
the reports that list the product, keeps only those that really do, and emits a compact projection
of them (one :class:`~shared.events.faers_case.FaersCase` each, ``shared/events/faers_case.py``)
together with the count-query results the 2×2 disproportionality tables need
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

from pydantic import Field, model_validator

from shared.events.faers_case import CaseListingRef, DrugRole, FaersCase
from shared.events.openfda import (
    INLINE_CASES_MAX_BYTES,
    SAFE_TEXT_PATTERN,
    Z_95,
    CategoryCount,
    DatasetRef,
    OpenFdaSource,
    PowerAssessment,
    QuarterCount,
    QueryPurpose,
    QueryRecord,
    ReportingPeriod,
    TermCount,
    TrendAlert,
    TrendSummary,
)
from shared.events.payload import PayloadModel

__all__ = [
    "INLINE_CASES_MAX_BYTES",
    "NO_DENOMINATOR_NOTICE",
    "SAFE_TEXT_PATTERN",
    "Z_95",
    "CategoryCount",
    "DatasetRef",
    "OpenFdaSource",
    "PowerAssessment",
    "QuarterCount",
    "QueryPurpose",
    "QueryRecord",
    "ReportingPeriod",
    "TermCount",
    "TrendAlert",
    "TrendSummary",
]

NO_DENOMINATOR_NOTICE: Final = (
    "FAERS has no exposure denominator: the number of patients who took the product is unknown, so "
    "no incidence or rate can be derived from these counts. Proportions are shares of reports."
)


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


class DrugScope(StrEnum):
    """What a drug report searches FAERS for."""

    NDC = "ndc"  # openfda.product_ndc of a drug entry
    INGREDIENT = "ingredient"  # openfda.substance_name or generic_name (every labeler, combos too)
    BRAND = "brand"  # openfda.brand_name, across labelers


DEFAULT_ROLES: Final = (DrugRole.SUSPECT,)


class CerRequest(PayloadModel):
    """What was asked for: one drug scope, the roles that count, a window and a signal preset.

    ``scope`` says which of ``ndc`` / ``ingredient`` / ``brand`` is searched. For an NDC, ``ndc``
    is the normalised code (the 11-digit HIPAA form ``LLLLL-PPPP-KK`` when a package code was
    given, the padded product form ``LLLLL-PPPP`` otherwise) and ``product_ndcs`` the
    labeler-product codes, as openFDA spells them, that the query matches. ``ingredient`` and
    ``brand`` are upper-cased as openFDA's harmonised fields hold them.

    ``roles`` are the product's roles a report must have to enter the statistics (suspect by
    default). ``data_lock_point`` closes the data (cumulative figures run to it) and
    ``interval_start`` opens the reporting interval (12 months before the lock by default).
    """

    scope: DrugScope = DrugScope.NDC
    ndc: str | None = Field(default=None, pattern=r"^\d{5}-\d{4}(-\d{2})?$")
    ndc_input: str | None = Field(default=None, min_length=1, max_length=40)
    product_ndcs: tuple[str, ...] = Field(default=(), max_length=8)
    ingredient: str | None = Field(
        default=None, min_length=2, max_length=100, pattern=SAFE_TEXT_PATTERN
    )
    brand: str | None = Field(default=None, min_length=2, max_length=100, pattern=SAFE_TEXT_PATTERN)
    roles: tuple[DrugRole, ...] = Field(default=DEFAULT_ROLES, min_length=1, max_length=4)
    since: date | None = None
    until: date | None = None
    data_lock_point: date | None = None
    interval_start: date | None = None
    signal_preset: SignalPreset = SignalPreset.EVANS
    schedule_id: UUID | None = None
    """Set when the scheduler (not a person) asked for this report."""

    @model_validator(mode="after")
    def _consistent(self) -> CerRequest:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        given = {
            DrugScope.NDC: self.ndc is not None,
            DrugScope.INGREDIENT: self.ingredient is not None,
            DrugScope.BRAND: self.brand is not None,
        }
        if not given[self.scope] or sum(given.values()) != 1:
            raise ValueError(f"a {self.scope.value} report names its {self.scope.value} only")
        if self.scope is DrugScope.NDC and (not self.product_ndcs or not self.ndc_input):
            raise ValueError("an NDC report carries the NDC as entered and its product codes")
        lock = self.data_lock_point
        if lock and self.since and lock < self.since:
            raise ValueError(f"data_lock_point ({lock}) is before since ({self.since})")
        if self.interval_start and lock and self.interval_start > lock:
            raise ValueError(f"interval_start ({self.interval_start}) is after the data-lock point")
        if len(set(self.roles)) != len(self.roles):
            raise ValueError("a role is listed twice")
        return self

    @property
    def searched(self) -> str:
        """The scope's value as searched: the NDC, the ingredient or the brand."""
        value = {
            DrugScope.NDC: self.ndc,
            DrugScope.INGREDIENT: self.ingredient,
            DrugScope.BRAND: self.brand,
        }[self.scope]
        assert value is not None
        return value

    @property
    def subject_key(self) -> str:
        """What two reports must share to be compared (signals, trend alerts): scope, value and
        roles, e.g. ``ingredient:AMBRISENTAN|suspect``."""
        roles = "+".join(sorted(role.value for role in self.roles))
        return f"{self.scope.value}:{self.searched}|{roles}"

    @property
    def effective_until(self) -> date | None:
        """The upper end of every query's receive-date window: the lock point or ``until``."""
        ends = [d for d in (self.until, self.data_lock_point) if d is not None]
        return min(ends) if ends else None


# --------------------------------------------------------------------------------------------------
# What openFDA was asked and told
# --------------------------------------------------------------------------------------------------


class FallbackQuery(PayloadModel):
    """A name-based search offered because product-NDC matching misses un-harmonised reports."""

    reason: str
    search: str
    url: str
    total: int | None = Field(default=None, ge=0)
    """How many reports that search matches (it may include reports of other products)."""


# --------------------------------------------------------------------------------------------------
# report.ingested
# --------------------------------------------------------------------------------------------------


class DisproportionalityCounts(PayloadModel):
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


class ProductIdentification(PayloadModel):
    """What was searched, and what openFDA's harmonised ``openfda`` blocks of the matched drug
    entries say the matches cover (every product code, labeler, brand and ingredient)."""

    scope: DrugScope = DrugScope.NDC
    searched: str = ""
    """The NDC, ingredient or brand as searched."""
    ndc: str | None = None
    ndc_input: str | None = None
    product_ndcs: tuple[str, ...] = ()
    matched_product_ndcs: tuple[str, ...] = ()
    """Which of ``product_ndcs`` the reports actually listed."""
    listed_product_ndcs: tuple[str, ...] = ()
    """Every product NDC on the matched entries' ``openfda`` blocks: the products the matches
    cover. openFDA harmonises an entry by name, so one entry lists every product of its name."""
    brand_names: tuple[str, ...] = ()
    generic_names: tuple[str, ...] = ()
    substance_names: tuple[str, ...] = ()
    manufacturer_names: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    product_types: tuple[str, ...] = ()
    application_numbers: tuple[str, ...] = ()
    pharm_classes: tuple[str, ...] = ()


class CerDataset(PayloadModel):
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
    background: EbgmBackground | None = None
    """Counts of the most reported products' reactions, on which the EBGM prior is fitted."""


class BackgroundProduct(PayloadModel):
    """One of the database's most reported products (by harmonised generic name) and the number
    of its reports listing each reaction.

    ``event_indexes[i]`` points into the dataset's ``counts.database_event_counts`` (whose count
    is the reaction's database total) and ``event_counts[i]`` is this product's count for it.
    openFDA lists at most 1,000 reactions per count: when ``complete`` is False, reactions with
    fewer reports than the smallest count listed are missing.
    """

    name: str
    reports: int = Field(ge=0)
    event_indexes: tuple[int, ...] = ()
    event_counts: tuple[int, ...] = ()
    complete: bool = True

    @model_validator(mode="after")
    def _aligned(self) -> BackgroundProduct:
        if len(self.event_indexes) != len(self.event_counts):
            raise ValueError("event_indexes and event_counts differ in length")
        return self


class EbgmBackground(PayloadModel):
    products: tuple[BackgroundProduct, ...] = ()
    requested: int = Field(default=0, ge=0)
    """How many products were asked for (``CLINRELAY_OPENFDA_EBGM_BACKGROUND_PRODUCTS``)."""


# --------------------------------------------------------------------------------------------------
# report.analyzed
# --------------------------------------------------------------------------------------------------


class EventRow(PayloadModel):
    """One normalised MedDRA preferred term among the product's reports."""

    pt: str
    reports: int = Field(ge=0)
    share: float = Field(ge=0.0, le=1.0)
    serious_reports: int = Field(default=0, ge=0)
    fatal_outcome_reports: int = Field(default=0, ge=0)
    """Reports in which this reaction's own outcome was fatal."""
    variants: tuple[str, ...] = ()
    """Spellings folded into this term (case, punctuation, British/American spelling)."""
    interval_reports: int = Field(default=0, ge=0)
    interval_serious_reports: int = Field(default=0, ge=0)


class SeriousnessSummary(PayloadModel):
    serious: int = Field(ge=0)
    non_serious: int = Field(ge=0)
    not_stated: int = Field(default=0, ge=0)
    criteria: tuple[CategoryCount, ...] = ()
    """One row per :class:`SeriousnessCriterion`, in that order; a report may meet several."""
    reaction_outcomes: tuple[CategoryCount, ...] = ()
    """Reports with at least one reaction of each outcome, in :class:`ReactionOutcome` order."""
    interval_serious: int = Field(default=0, ge=0)
    interval_non_serious: int = Field(default=0, ge=0)
    interval_not_stated: int = Field(default=0, ge=0)


class TwoByTwo(PayloadModel):
    """Reports by (product, reaction): a = both, b = product without the reaction,
    c = reaction with other products, d = neither."""

    a: int = Field(ge=0)
    b: int = Field(ge=0)
    c: int = Field(ge=0)
    d: int = Field(ge=0)


class RatioEstimate(PayloadModel):
    """A ratio with its 95% confidence interval (log-normal approximation)."""

    value: float = Field(ge=0.0)
    lower: float = Field(ge=0.0)
    upper: float = Field(ge=0.0)


class InformationComponent(PayloadModel):
    """BCPNN information component with its 95% credibility interval (log2 scale)."""

    value: float
    ic025: float
    ic975: float


class EbgmEstimate(PayloadModel):
    """The empirical Bayes geometric mean with its 90 % credibility interval (EB05–EB95)."""

    ebgm: float = Field(ge=0.0)
    eb05: float = Field(ge=0.0)
    eb95: float = Field(ge=0.0)


class EbgmPrior(PayloadModel):
    """The fitted gamma-mixture prior θ = (α₁, β₁, α₂, β₂, P) of the MGPS model."""

    alpha1: float = Field(gt=0)
    beta1: float = Field(gt=0)
    alpha2: float = Field(gt=0)
    beta2: float = Field(gt=0)
    p: float = Field(gt=0, lt=1)
    fitted_on: Literal["background", "product"]
    """``background``: the most reported products' (N, E) cells; ``product``: this product's own
    reactions (when the background could not be fetched)."""
    cells: int = Field(ge=0)
    converged: bool = True


class DisproportionalityRow(PayloadModel):
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
    ebgm: EbgmEstimate | None = None


class PresetCriteria(PayloadModel):
    preset: SignalPreset
    label: str
    criteria: str


class CerTotals(PayloadModel):
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
    verified: int = Field(default=0, ge=0)
    """Reports that passed the scope check, whatever the product's role (``analysed`` keeps
    those with a selected role)."""
    roles: tuple[DrugRole, ...] = DEFAULT_ROLES
    interval_analysed: int = Field(default=0, ge=0)
    interval_serious: int = Field(default=0, ge=0)
    duplicate_suspects: int = Field(default=0, ge=0)
    """Analysed reports flagged as possible duplicates of another (see the case listing)."""
    product_counts: Literal["cases", "count_queries", "estimated"] = "count_queries"
    """Where a and a + b of the 2×2 tables come from: the verified reports (all downloaded),
    openFDA's count queries (every role), or count queries scaled by the role shares of the
    downloaded reports (download capped)."""


class SignalChanges(PayloadModel):
    """Signals compared with the previous report for the same tenant, subject and preset: new,
    closed (``disappeared``) and ongoing (``persisting``)."""

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


class Narrative(PayloadModel):
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


class CerAnalysis(PayloadModel):
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
    method_version: str = "clinrelay-faers-2"
    nil: bool = False
    """No report matched the scope in the window: a nil report."""
    ebgm_prior: EbgmPrior | None = None
    power: PowerAssessment = PowerAssessment()
    trends: TrendSummary = TrendSummary()
    listing: CaseListingRef | None = None
    """Where the case line listing was stored (the PDF appendix and ``cases.csv`` read it)."""

    @property
    def signals(self) -> tuple[DisproportionalityRow, ...]:
        return tuple(row for row in self.disproportionality if row.signal)

    @property
    def subject_label(self) -> str:
        """The report's subject as its scope names it (never the first brand)."""
        request = self.request
        if request.scope is DrugScope.NDC:
            return f"NDC {request.ndc}"
        kind = "active ingredient" if request.scope is DrugScope.INGREDIENT else "brand"
        return f"{request.searched.title()} ({kind})"
