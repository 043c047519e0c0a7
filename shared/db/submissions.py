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

import asyncpg
import orjson

from shared.db import outbox
from shared.db.report_rows import REPORT_COLUMNS, fetch_report
from shared.db.reports import Step, record_step
from shared.events import Envelope, ReportKind, ReportStatus, routing

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
    report: asyncpg.Record
    replayed: bool
    """True when an earlier request with the same Idempotency-Key is being returned."""


async def create_report(
    conn: Connection,
    tenant_id: UUID,
    submission: Submission,
    idempotency_key: str | None,
) -> Created:
    """Store the report, its raw input, its first audit event and report.requested, atomically."""
    async with conn.transaction():
        report_id = uuid4()
        inserted = await conn.fetchrow(
            f"""INSERT INTO reports (id, tenant_id, kind, request, idempotency_key, request_hash)
                VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
                RETURNING {REPORT_COLUMNS}""",
            report_id,
            tenant_id,
            submission.kind.value,
            submission.parameters,
            idempotency_key,
            submission.fingerprint,
        )
        if inserted is None:
            existing = await conn.fetchrow(
                f"""SELECT {REPORT_COLUMNS}, request_hash FROM reports
                    WHERE tenant_id = $1 AND idempotency_key = $2""",
                tenant_id,
                idempotency_key,
            )
            assert existing is not None
            if existing["request_hash"] != submission.fingerprint:
                raise IdempotencyConflict
            return Created(existing, replayed=True)
        await _start(conn, report_id, tenant_id, submission)
        report = await fetch_report(conn, tenant_id, report_id)
        assert report is not None
        return Created(report, replayed=False)


async def add_batch_report(
    conn: Connection, tenant_id: UUID, batch_id: UUID, line: int, submission: Submission
) -> UUID:
    """Store one report of a batch (item ``line``) like :func:`create_report`, in the caller's
    transaction; returns its id."""
    report_id = uuid4()
    await conn.execute(
        """INSERT INTO reports (id, tenant_id, kind, request, request_hash, batch_id, batch_line)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        report_id,
        tenant_id,
        submission.kind.value,
        submission.parameters,
        submission.fingerprint,
        batch_id,
        line,
    )
    await _start(conn, report_id, tenant_id, submission)
    return report_id


async def _start(
    conn: Connection, report_id: UUID, tenant_id: UUID, submission: Submission
) -> None:
    """What follows a new report row: its raw input, its first audit event, report.requested."""
    if submission.raw_input is not None:
        await conn.execute(
            "INSERT INTO report_inputs (report_id, media_type, body) VALUES ($1, $2, $3)",
            report_id,
            submission.input_media_type,
            submission.raw_input,
        )
    await record_step(
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


def parameters_submission(kind: ReportKind, parameters: dict[str, Any]) -> Submission:
    """A submission whose whole input is PHI-free parameters (a CER: NDC and dates)."""
    return Submission(
        kind=kind,
        fingerprint=request_fingerprint({"kind": kind.value, **parameters}),
        parameters=parameters,
    )
