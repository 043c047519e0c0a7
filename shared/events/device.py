"""Payloads of a device safety report (kind ``device``) from openFDA's device/event (MAUDE).

A device report searches MAUDE medical device reports (MDRs) by product code, brand name or
manufacturer; the ingestor keeps the reports that really carry the device and emits
:class:`DeviceDataset` (``report.ingested``); the analyzer tabulates event types (death, injury,
malfunction), device problems and patient problems, quarterly trends and monthly trend alerts
(:class:`DeviceAnalysis`, ``report.analyzed``), which the renderer draws as a PDF with CSV
exports and FHIR output, as for drugs.

MAUDE holds no denominator either (devices in use are unknown): every count is of reports.

Compatibility: the renderer builds against these models. Add fields with defaults; never rename or
remove one.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Final
from uuid import UUID

from pydantic import Field, model_validator

from shared.events.cer import Narrative
from shared.events.faers_case import CaseListingRef
from shared.events.openfda import (
    SAFE_TEXT_PATTERN,
    CategoryCount,
    DatasetRef,
    OpenFdaSource,
    QuarterCount,
    QueryRecord,
    ReportingPeriod,
    TermCount,
    TrendSummary,
)
from shared.events.payload import PayloadModel

NO_DEVICE_DENOMINATOR_NOTICE: Final = (
    "MAUDE has no denominator: how many devices are in use is unknown, so no failure or incidence "
    "rate can be derived from these counts. Proportions are shares of reports."
)


class DeviceScope(StrEnum):
    PRODUCT_CODE = "product_code"  # device.device_report_product_code (FDA's 3-letter code)
    BRAND_NAME = "brand_name"  # device.brand_name, as a phrase
    MANUFACTURER = "manufacturer"  # device.manufacturer_d_name, as a phrase


class DeviceRequest(PayloadModel):
    """What a device report searches: one of a product code, a brand name or a manufacturer
    (upper-cased as MAUDE holds them), with the same window and periods as a drug report."""

    scope: DeviceScope
    product_code: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    brand_name: str | None = Field(
        default=None, min_length=2, max_length=100, pattern=SAFE_TEXT_PATTERN
    )
    manufacturer: str | None = Field(
        default=None, min_length=2, max_length=100, pattern=SAFE_TEXT_PATTERN
    )
    since: date | None = None
    until: date | None = None
    data_lock_point: date | None = None
    interval_start: date | None = None
    schedule_id: UUID | None = None

    @model_validator(mode="after")
    def _consistent(self) -> DeviceRequest:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        given = {
            DeviceScope.PRODUCT_CODE: self.product_code,
            DeviceScope.BRAND_NAME: self.brand_name,
            DeviceScope.MANUFACTURER: self.manufacturer,
        }
        if given[self.scope] is None or sum(v is not None for v in given.values()) != 1:
            raise ValueError(f"a device report by {self.scope.value} names that only")
        if self.data_lock_point and self.since and self.data_lock_point < self.since:
            raise ValueError("data_lock_point is before since")
        if (
            self.interval_start
            and self.data_lock_point
            and self.interval_start > self.data_lock_point
        ):
            raise ValueError("interval_start is after the data-lock point")
        return self

    @property
    def searched(self) -> str:
        value = self.product_code or self.brand_name or self.manufacturer
        assert value is not None
        return value

    @property
    def subject_key(self) -> str:
        return f"{self.scope.value}:{self.searched}"

    @property
    def subject_label(self) -> str:
        match self.scope:
            case DeviceScope.PRODUCT_CODE:
                return f"product code {self.searched}"
            case DeviceScope.BRAND_NAME:
                return f"{self.searched.title()} (brand)"
            case DeviceScope.MANUFACTURER:
                return f"{self.searched.title()} (manufacturer)"

    @property
    def effective_until(self) -> date | None:
        ends = [d for d in (self.until, self.data_lock_point) if d is not None]
        return min(ends) if ends else None


class DeviceEventType(StrEnum):
    """MAUDE's ``event_type``."""

    DEATH = "death"
    INJURY = "injury"
    MALFUNCTION = "malfunction"
    OTHER = "other"
    NOT_REPORTED = "not_reported"


class DeviceCase(PayloadModel):
    """One MAUDE report reduced to what the analysis and the line listing use (no narrative
    text: it may name people)."""

    mdr_report_key: str
    report_number: str | None = None
    date_received: date | None = None
    date_of_event: date | None = None
    event_type: DeviceEventType = DeviceEventType.NOT_REPORTED
    product_problems: tuple[str, ...] = Field(default=(), max_length=30)
    patient_problems: tuple[str, ...] = Field(default=(), max_length=30)
    patient_outcomes: tuple[str, ...] = Field(default=(), max_length=10)
    """``sequence_number_outcome`` (e.g. "Life Threatening", "Required Intervention")."""
    brand_names: tuple[str, ...] = Field(default=(), max_length=10)
    generic_names: tuple[str, ...] = Field(default=(), max_length=10)
    manufacturer_names: tuple[str, ...] = Field(default=(), max_length=10)
    product_codes: tuple[str, ...] = Field(default=(), max_length=10)
    device_classes: tuple[str, ...] = Field(default=(), max_length=5)
    report_source: str | None = None
    reporter_occupation: str | None = None
    device_operator: str | None = None
    patient_age: str | None = Field(default=None, max_length=40)
    patient_sex: str | None = Field(default=None, max_length=20)


class DeviceIdentification(PayloadModel):
    """What was searched and what the matched reports' device entries say about it."""

    scope: DeviceScope
    searched: str
    product_codes: tuple[str, ...] = ()
    brand_names: tuple[str, ...] = ()
    generic_names: tuple[str, ...] = ()
    manufacturer_names: tuple[str, ...] = ()
    device_names: tuple[str, ...] = ()
    """``openfda.device_name``: FDA's name of the product code."""
    device_classes: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()


class DeviceDataset(PayloadModel):
    """Payload of ``report.ingested`` for a device report."""

    request: DeviceRequest
    source: OpenFdaSource
    device: DeviceIdentification
    queries: tuple[QueryRecord, ...]
    matched_total: int = Field(ge=0)
    fetched: int = Field(ge=0)
    fetch_cap: int = Field(ge=1)
    truncated: bool = False
    dropped_mismatch: int = Field(default=0, ge=0)
    """Reports returned whose device entries do not carry what was searched."""
    cases: tuple[DeviceCase, ...] = ()
    cases_ref: DatasetRef | None = None
    notices: tuple[str, ...] = ()
    daily_received: tuple[TermCount, ...] = ()
    """The search's reports per day received (``YYYYMMDD``), over every matching report: the
    trend is exact even when the download was capped."""


class ProblemRow(PayloadModel):
    """A device or patient problem and the reports listing it, by event type."""

    term: str
    reports: int = Field(ge=0)
    share: float = Field(ge=0.0, le=1.0)
    interval_reports: int = Field(default=0, ge=0)
    deaths: int = Field(default=0, ge=0)
    injuries: int = Field(default=0, ge=0)
    malfunctions: int = Field(default=0, ge=0)


class DeviceTotals(PayloadModel):
    matched_by_openfda: int = Field(ge=0)
    fetched: int = Field(ge=0)
    analysed: int = Field(ge=0)
    fetch_cap: int = Field(ge=1)
    truncated: bool = False
    dropped_mismatch: int = Field(default=0, ge=0)
    deaths: int = Field(default=0, ge=0)
    injuries: int = Field(default=0, ge=0)
    malfunctions: int = Field(default=0, ge=0)
    interval_analysed: int = Field(default=0, ge=0)
    distinct_device_problems: int = Field(default=0, ge=0)
    distinct_patient_problems: int = Field(default=0, ge=0)


class DeviceListingRow(PayloadModel):
    """One MAUDE report of the line listing (one CSV line)."""

    mdr_report_key: str
    report_number: str = ""
    date_received: date | None = None
    date_of_event: date | None = None
    in_interval: bool = False
    event_type: str = ""
    brand: str = ""
    generic_name: str = ""
    manufacturer: str = ""
    product_code: str = ""
    device_problems: tuple[str, ...] = ()
    patient_problems: tuple[str, ...] = ()
    patient_outcomes: tuple[str, ...] = ()
    report_source: str = ""
    reporter: str = ""
    operator: str = ""
    age: str = ""
    sex: str = ""


class DeviceAnalysis(PayloadModel):
    """Payload of ``report.analyzed`` for a device report: everything the PDF shows."""

    request: DeviceRequest
    device: DeviceIdentification
    source: OpenFdaSource
    queries: tuple[QueryRecord, ...]
    period: ReportingPeriod
    totals: DeviceTotals
    event_types: tuple[CategoryCount, ...] = ()
    device_problems: tuple[ProblemRow, ...] = ()
    patient_problems: tuple[ProblemRow, ...] = ()
    trend: tuple[QuarterCount, ...] = ()
    """Reports per quarter received; ``serious`` counts deaths and injuries."""
    trends: TrendSummary = TrendSummary()
    narrative: Narrative = Narrative()
    notices: tuple[str, ...] = ()
    generated_at: datetime
    nil: bool = False
    listing: CaseListingRef | None = None
    method_version: str = "clinrelay-maude-1"

    @property
    def subject_label(self) -> str:
        return self.request.subject_label
