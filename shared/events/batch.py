"""What subscribers are told when a report of a batch changes status.

The body is written by the database (``batch_notification`` in migration 0020) in the transaction
that changed the report, so this model is the reading side of that contract: keep the two in step.
``event_id`` numbers a batch's notifications 1, 2, 3...; the first one (the batch accepted, every
report PENDING) is written by the gateway.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.events.envelope import ReportStatus

BatchStatus = Literal["PENDING", "PROCESSING", "COMPLETE"]


class BatchCounts(BaseModel):
    model_config = ConfigDict(frozen=True)

    pending: int = Field(ge=0)
    processing: int = Field(ge=0)
    complete: int = Field(ge=0)
    failed: int = Field(ge=0)


class BatchNotification(BaseModel):
    """One change of a batch: its counts by status after a report of it changed status."""

    model_config = ConfigDict(frozen=True)

    event_id: int
    batch_id: UUID
    tenant_id: UUID
    status: BatchStatus
    """COMPLETE once every report ended (COMPLETE or FAILED); PENDING while none has started."""
    total: int
    counts: BatchCounts
    progress_percent: int = Field(ge=0, le=100)
    report_id: UUID | None = None
    """The report whose change caused this notification (None for the batch's first one)."""
    report_status: ReportStatus | None = None
    at: datetime


def batch_status(counts: BatchCounts, total: int) -> BatchStatus:
    """The batch's status from its counts (the same rule the database applies)."""
    if counts.pending + counts.processing == 0:
        return "COMPLETE"
    if counts.pending == total:
        return "PENDING"
    return "PROCESSING"
