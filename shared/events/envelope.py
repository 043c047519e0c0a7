"""The envelope every message on the bus wears, whatever its payload."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

import orjson
from pydantic import BaseModel, ConfigDict, Field


class ReportKind(StrEnum):
    CODING = "coding"
    CER = "cer"
    DEVICE = "device"


class ReportStatus(StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"

    @property
    def is_final(self) -> bool:
        return self in (ReportStatus.COMPLETE, ReportStatus.FAILED)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    """One event about one report. ``payload`` is validated by the stage that reads it."""

    model_config = ConfigDict(frozen=True)

    message_id: UUID = Field(default_factory=uuid4)
    type: str
    report_id: UUID
    tenant_id: UUID
    kind: ReportKind
    occurred_at: datetime = Field(default_factory=utcnow)
    payload: dict[str, Any] = Field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_bytes(cls, body: bytes) -> Envelope:
        return cls.model_validate_json(body)
