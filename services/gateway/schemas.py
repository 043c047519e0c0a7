"""What the REST API returns (and documents in OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from shared.events import ReportKind, ReportStatus


class Links(BaseModel):
    self: str
    pdf: str
    events: str
    ws: str


class ReportAccepted(BaseModel):
    id: UUID
    status: ReportStatus
    links: Links


class ReportError(BaseModel):
    message: str
    details: dict[str, Any] | None = None


class ReportView(BaseModel):
    id: UUID
    kind: ReportKind
    status: ReportStatus
    progress_percent: int
    current_step: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    processing_time_ms: int | None = Field(
        description="From the first stage starting work to the report ending, in milliseconds."
    )
    retry_count: int
    request: dict[str, Any] = Field(description="The request's parameters (never its PHI).")
    error: ReportError | None = None
    result: dict[str, Any] | None = Field(default=None, description="Summary when COMPLETE.")
    last_event_id: int
    batch_id: UUID | None = Field(default=None, description="The batch it came in, if any.")
    links: Links


class ReportPage(BaseModel):
    items: list[ReportView]
    next_cursor: str | None


class AuditEvent(BaseModel):
    seq: int
    at: datetime
    actor: str
    step: str
    outcome: str
    status: ReportStatus
    progress_percent: int
    message: str | None
    details: dict[str, Any]


class AuditTrail(BaseModel):
    report_id: UUID
    chain_valid: bool = Field(description="Every event still hashes to what was recorded.")
    events: list[AuditEvent]


class AuditVerification(BaseModel):
    report_id: UUID
    intact: bool = Field(
        description="Every event the report recorded is there, in order, and still hashes to "
        "what was recorded."
    )
    first_bad_seq: int | None = Field(
        description="The first event altered or missing (null when intact)."
    )
    problem: Literal["altered", "missing", "unexpected"] | None = Field(
        description="What is wrong with that event: its content or chain link changed "
        "(altered), it is gone (missing), or the report never recorded it (unexpected)."
    )
    events_checked: int = Field(description="Events found in the trail.")
    events_recorded: int = Field(description="Events the report recorded (its own count).")


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: dict[str, str]


def links_for(base_url: str, ws_url: str, report_id: UUID) -> Links:
    base = f"{base_url.rstrip('/')}/v1/reports/{report_id}"
    return Links(
        self=base,
        pdf=f"{base}/pdf",
        events=f"{base}/events",
        ws=f"{ws_url.rstrip('/')}/v1/ws/reports/{report_id}",
    )


def report_view(row: asyncpg.Record, links: Links) -> ReportView:
    error = None
    if row["status"] == ReportStatus.FAILED and row["error_message"]:
        error = ReportError(message=row["error_message"], details=row["error_details"])
    return ReportView(
        id=row["id"],
        kind=row["kind"],
        status=row["status"],
        progress_percent=row["progress_percent"],
        current_step=row["current_step"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
        processing_time_ms=row["processing_time_ms"],
        retry_count=row["retry_count"],
        request=row["request"] or {},
        error=error,
        result=row["result"] if row["status"] == ReportStatus.COMPLETE else None,
        last_event_id=row["event_seq"],
        batch_id=row["batch_id"],
        links=links,
    )


class BatchCountsView(BaseModel):
    pending: int
    processing: int
    complete: int
    failed: int


class BatchItemAccepted(BaseModel):
    line: int = Field(description="The item's line (NDJSON) or 1-based position (JSON array).")
    id: UUID
    links: Links


class BatchItemRejected(BaseModel):
    line: int = Field(description="The item's line (NDJSON) or 1-based position (JSON array).")
    error: dict[str, Any] = Field(
        description="Why it was refused: the error POST /v1/reports would have given "
        "(code, message, problems) and its HTTP status."
    )


class BatchLinks(BaseModel):
    self: str


class BatchAccepted(BaseModel):
    id: UUID
    total: int = Field(description="Reports accepted (one per valid item).")
    reports: list[BatchItemAccepted]
    rejected: list[BatchItemRejected]
    links: BatchLinks


class BatchReport(BaseModel):
    line: int
    id: UUID
    kind: ReportKind
    status: ReportStatus
    progress_percent: int
    current_step: str
    error: str | None = Field(default=None, description="Why it FAILED.")


class BatchView(BaseModel):
    id: UUID
    status: Literal["PENDING", "PROCESSING", "COMPLETE"] = Field(
        description="COMPLETE once every report ended, COMPLETE or FAILED."
    )
    total: int
    rejected: int = Field(description="Items refused when the batch was submitted.")
    counts: BatchCountsView
    progress_percent: int = Field(
        description="Mean progress of its reports, an ended one (COMPLETE or FAILED) counting 100."
    )
    created_at: datetime
    completed_at: datetime | None
    last_event_id: int = Field(description="Number of the batch's latest notification.")
    reports: list[BatchReport]
    links: BatchLinks


class BatchSummary(BaseModel):
    id: UUID
    status: Literal["PENDING", "PROCESSING", "COMPLETE"]
    total: int
    rejected: int
    counts: BatchCountsView
    created_at: datetime
    completed_at: datetime | None
    links: BatchLinks


class BatchPage(BaseModel):
    items: list[BatchSummary]
    next_cursor: str | None
