"""Payload pieces every openFDA-backed safety report shares: drug (FAERS) and device (MAUDE).

What openFDA was asked and told, the reporting period, counts by category and by period, trend
alerts, and the reference to data too large for a message. ``shared.events.cer`` re-exports them,
so existing imports keep working.

Compatibility: the renderer builds against these models. Add fields with defaults; never rename or
remove one.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Final, Literal
from uuid import UUID

from pydantic import Field

from shared.events.payload import PayloadModel

Z_95: Final = 1.959963984540054
"""Φ⁻¹(0.975), the z of every two-sided 95 % interval (printed as 1.959964; docs/cer.md says the
same, and a test keeps them equal)."""

INLINE_CASES_MAX_BYTES: Final = 512 * 1024
"""Above this serialised size the ingestor stores the case projection in PostgreSQL and the
``report.ingested`` message carries a :class:`DatasetRef` instead (messages stay well under
2 MB)."""

SAFE_TEXT_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9 .,'&/()+\-]*$"
"""What a product, ingredient, brand or manufacturer name may contain in a request: letters,
digits, spaces and the punctuation such names use (no quotes, colons or brackets, which would be
openFDA query syntax)."""


class QueryPurpose(StrEnum):
    PRODUCT_REPORTS = "product_reports"  # the product's reports, paged (search_after)
    PRODUCT_EVENT_COUNTS = "product_event_counts"  # count of reactions among the product's reports
    DATABASE_TOTAL = "database_total"  # all reports in the window (N of the 2×2 tables)
    DATABASE_EVENT_COUNTS = "database_event_counts"  # count of reactions over all reports
    EVENT_TOTAL = "event_total"  # reports listing one reaction (when not in the top-1000 count)
    FALLBACK = "fallback"  # brand/generic-name search for reports without the openfda block
    LAST_UPDATED = "last_updated"  # cheap probe of meta.last_updated (scheduler)
    BACKGROUND_PRODUCTS = "background_products"  # most reported products (EBGM background)
    BACKGROUND_EVENT_COUNTS = "background_event_counts"  # one background product's reactions
    DEVICE_REPORTS = "device_reports"  # a device search's MAUDE reports, paged
    DEVICE_MONTHLY = "device_monthly"  # a device search's reports per day received (count)


class QueryRecord(PayloadModel):
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


class OpenFdaSource(PayloadModel):
    """Where the data came from and how fresh openFDA says it is."""

    base_url: str
    endpoint: str = "/drug/event.json"
    meta_last_updated: date | None = None
    """``meta.last_updated``: when openFDA last refreshed the endpoint (not the newest report)."""
    retrieved_at: datetime
    disclaimer: str | None = None
    license: str | None = None


class TermCount(PayloadModel):
    """One row of an openFDA count query: a term and the number of reports listing it."""

    term: str
    count: int = Field(ge=0)


class DatasetRef(PayloadModel):
    """Where a case projection too big for the message was stored."""

    table: Literal["cer_datasets"] = "cer_datasets"
    report_id: UUID
    cases: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    """SHA-256 of the stored JSON, checked by the reader."""


class CategoryCount(PayloadModel):
    """A category (a sex, an age group, an outcome…) and the reports in it."""

    category: str
    label: str
    reports: int = Field(ge=0)
    share: float = Field(ge=0.0, le=1.0)
    """Share of the analysed reports (not a rate)."""
    interval_reports: int = Field(default=0, ge=0)
    """Reports in the reporting interval (see :class:`ReportingPeriod`)."""


class QuarterCount(PayloadModel):
    quarter: str = Field(pattern=r"^\d{4}-Q[1-4]$")
    reports: int = Field(ge=0)
    serious: int = Field(default=0, ge=0)


class ReportingPeriod(PayloadModel):
    """The window the report covers.

    Cumulative figures cover ``since`` (or the first report) to the data-lock point; interval
    figures cover ``interval_start`` to the data-lock point, as a periodic report (PBRER) does.
    """

    since: date | None = None
    until: date | None = None
    first_received: date | None = None
    last_received: date | None = None
    data_lock_point: date | None = None
    interval_start: date | None = None


class TrendAlert(PayloadModel):
    """A month whose report count for one term broke the control chart's limit."""

    term: str
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    reports: int = Field(ge=0)
    expected: float = Field(ge=0.0)
    """Predicted from the months before (rolling baseline)."""
    upper_tail: float = Field(ge=0.0, le=1.0)
    """P(X ≥ reports) under the baseline's predictive distribution."""
    in_interval: bool = False
    new: bool = True
    """Not alerted in the previous report for the same subject (what a feed event announces)."""


class TrendSummary(PayloadModel):
    """What the control chart looked at and what it found."""

    terms_charted: int = Field(default=0, ge=0)
    months: int = Field(default=0, ge=0)
    first_month: str | None = None
    last_month: str | None = None
    """The last complete month charted."""
    alerts: tuple[TrendAlert, ...] = ()
    method: str = ""


class PowerAssessment(PayloadModel):
    """Whether the background is big and varied enough for the statistics to mean much."""

    database_reports: int = Field(default=0, ge=0)
    product_share: float = Field(default=0.0, ge=0.0, le=1.0)
    """The product's reports as a share of all reports in the window."""
    tables: int = Field(default=0, ge=0)
    haldane_tables: int = Field(default=0, ge=0)
    """Tables with a zero cell (0.5 added to every cell)."""
    warnings: tuple[str, ...] = ()

    @property
    def low_power(self) -> bool:
        return bool(self.warnings)
