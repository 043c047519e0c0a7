"""Accepting a report: the one place a report row comes into being.

The gateway (``POST /v1/reports``) and the CER scheduler both submit through
:func:`create_report`, so a scheduled report is indistinguishable downstream from one a person
asked for. In one transaction it stores the report, its raw input (the only copy of any PHI), its
first audit event and the ``report.requested`` message in the outbox.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import orjson

from shared.db import outbox
from shared.db.reports import Step, record_step
from shared.events import Envelope, ReportKind, ReportStatus, StatusNotification, routing

if TYPE_CHECKING:
    from shared.db.pool import Connection


def request_fingerprint(document: Any) -> bytes:
    """SHA-256 of a request's canonical JSON (keys sorted): equal requests, equal fingerprints."""
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).digest()


@dataclass(frozen=True)
class Submission:
    kind: ReportKind
    fingerprint: bytes
    """SHA-256 of the canonical request, to recognise a repeated Idempotency-Key."""
    parameters: dict[str, Any] = field(default_factory=dict)
    """PHI-free request parameters: stored on the report and sent with report.requested."""
    raw_input: bytes | None = None
    """Input that may hold PHI (a FHIR Bundle): stored for the ingestor alone."""
    input_media_type: str = "application/fhir+json"


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with a different request."""


@dataclass(frozen=True)
class Created:
    id: UUID
    status: ReportStatus
    replayed: bool
    """True when an earlier request with the same Idempotency-Key is being returned."""


# The report row and its raw input in one round trip; nothing at all when the Idempotency-Key
# was used before (the caller then reads the earlier report).
_INSERT_REPORT = """
WITH report AS (
  INSERT INTO reports
    (id, tenant_id, kind, request, idempotency_key, request_hash, batch_id, batch_line)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
  RETURNING id
), input AS (
  INSERT INTO report_inputs (report_id, media_type, body)
  SELECT id, $9, $10 FROM report WHERE $10::bytea IS NOT NULL
)
SELECT id FROM report"""


async def create_report(
    conn: Connection,
    tenant_id: UUID,
    submission: Submission,
    idempotency_key: str | None,
) -> Created:
    """Store the report, its raw input, its first audit event and report.requested, atomically.

    Three round trips inside the transaction: the report with its input, then
    :func:`~shared.db.reports.record_step`'s two (the tenant feed's number is claimed in the
    second-to-last statement, so its row lock is held as briefly as the step allows)."""
    async with conn.transaction():
        report_id = await _insert_report(conn, tenant_id, submission, idempotency_key)
        if report_id is None:
            existing = await conn.fetchrow(
                """SELECT id, status, request_hash FROM reports
                   WHERE tenant_id = $1 AND idempotency_key = $2""",
                tenant_id,
                idempotency_key,
            )
            assert existing is not None
            if existing["request_hash"] != submission.fingerprint:
                raise IdempotencyConflict
            return Created(existing["id"], ReportStatus(existing["status"]), replayed=True)
        note = await _start(conn, report_id, tenant_id, submission)
        return Created(report_id, note.status, replayed=False)


async def add_batch_report(
    conn: Connection, tenant_id: UUID, batch_id: UUID, line: int, submission: Submission
) -> UUID:
    """Store one report of a batch (item ``line``) like :func:`create_report`, in the caller's
    transaction; returns its id."""
    report_id = await _insert_report(conn, tenant_id, submission, None, batch_id, line)
    assert report_id is not None  # no Idempotency-Key, no conflict
    await _start(conn, report_id, tenant_id, submission)
    return report_id


async def _insert_report(
    conn: Connection,
    tenant_id: UUID,
    submission: Submission,
    idempotency_key: str | None,
    batch_id: UUID | None = None,
    batch_line: int | None = None,
) -> UUID | None:
    inserted: UUID | None = await conn.fetchval(
        _INSERT_REPORT,
        uuid4(),
        tenant_id,
        submission.kind.value,
        submission.parameters,
        idempotency_key,
        submission.fingerprint,
        batch_id,
        batch_line,
        submission.input_media_type,
        submission.raw_input,
    )
    return inserted


async def _start(
    conn: Connection, report_id: UUID, tenant_id: UUID, submission: Submission
) -> StatusNotification:
    """What follows a new report row: its first audit event and report.requested."""
    note = await record_step(
        conn,
        report_id,
        Step(
            actor="gateway",
            step="accepted",
            outcome="accepted",
            status=ReportStatus.PENDING,
            progress_percent=0,
            message=f"{submission.kind.value} report accepted",
        ),
        enqueue=[
            outbox.event_row(
                Envelope(
                    type=routing.REPORT_REQUESTED,
                    report_id=report_id,
                    tenant_id=tenant_id,
                    kind=submission.kind,
                    payload=submission.parameters,
                )
            )
        ],
    )
    assert note is not None  # a new report takes every step
    return note


def parameters_submission(kind: ReportKind, parameters: dict[str, Any]) -> Submission:
    """A submission whose whole input is PHI-free parameters (a CER: NDC and dates)."""
    return Submission(
        kind=kind,
        fingerprint=request_fingerprint({"kind": kind.value, **parameters}),
        parameters=parameters,
    )
