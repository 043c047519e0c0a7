"""Accepting a report: the one place a report row comes into being.

The gateway (``POST /v1/reports``) and the CER scheduler both submit through
:func:`create_report`, so a scheduled report is indistinguishable downstream from one a person
asked for. In one transaction it stores the report, its raw input (the only copy of any PHI), its
first audit event and the ``report.requested`` message in the outbox.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import orjson

from shared.db import outbox
from shared.db.named import NamedQuery
from shared.db.reports import ReportHead, Step, plan_step
from shared.db.stage_steps import note_halves
from shared.events import Envelope, ReportKind, ReportStatus, routing
from shared.events.envelope import utcnow

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


# Accepting a report is one statement (one round trip, no BEGIN/COMMIT: a statement is atomic on
# its own): the report row, already in the state its first step leaves it, its raw input, its
# first audit event, the tenant feed's next number and entry, and the outbox rows — the
# "accepted" notification (carrying that number) and report.requested. Nothing at all when the
# Idempotency-Key was used before (the caller then reads the earlier report). A new report is
# locked by its own insert before the feed's head is claimed, the order every writer keeps
# (shared.db.channels). What it writes is what record_step writes for the step (plan_step works
# it out), less the round trips to read a row that did not exist.
@dataclass(frozen=True)
class _AcceptParams:
    id: UUID
    tenant_id: UUID
    kind: str
    request: dict[str, Any]
    idempotency_key: str | None
    request_hash: bytes
    batch_id: UUID | None
    batch_line: int | None
    media_type: str
    raw_input: bytes | None
    at: datetime
    actor: str
    step: str
    outcome: str
    status: str
    progress_percent: int
    message: str | None
    details: dict[str, Any]
    hash: bytes
    feed: str
    note_head: bytes
    note_tail: bytes
    note_id: UUID
    note_key: str
    note_headers: dict[str, Any]
    message_ids: list[UUID]
    routing_keys: list[str]
    bodies: list[bytes]
    headers: list[dict[str, Any]]
    admission_tenants: list[UUID | None]


_ACCEPT = NamedQuery.parse(
    """
WITH report AS (
  INSERT INTO reports
    (id, tenant_id, kind, request, idempotency_key, request_hash, batch_id, batch_line,
     status, progress_percent, current_step, updated_at, event_seq, event_hash)
  VALUES (:id, :tenant_id, :kind, :request, :idempotency_key, :request_hash, :batch_id,
          :batch_line, :status, :progress_percent, :step, :at, 1, :hash)
  ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
  RETURNING id
), input AS (
  INSERT INTO report_inputs (report_id, media_type, body)
  SELECT id, :media_type, :raw_input FROM report WHERE :raw_input::bytea IS NOT NULL
), event AS (
  INSERT INTO report_events
    (report_id, seq, at, actor, step, outcome, status, progress_percent, message, details,
     prev_hash, hash)
  SELECT id, 1, :at, :actor, :step, :outcome, :status, :progress_percent, :message, :details,
         NULL, :hash
  FROM report
), head AS (
  INSERT INTO channel_heads (channel, seq)
  SELECT :feed, 1 FROM report
  ON CONFLICT (channel) DO UPDATE SET seq = channel_heads.seq + 1
  RETURNING seq
), note AS (
  SELECT seq, :note_head::bytea || convert_to(seq::text, 'UTF8') || :note_tail::bytea AS body
  FROM head
), logged AS (
  INSERT INTO channel_events (channel, seq, tenant_id, at, body)
  SELECT :feed, seq, :tenant_id, :at, convert_from(body, 'UTF8')::jsonb FROM note
), messages AS (
  INSERT INTO outbox (message_id, routing_key, body, headers, admission_tenant)
  SELECT :note_id::uuid, :note_key::text, body, :note_headers::jsonb, NULL::uuid
  FROM note
  UNION ALL
  SELECT m.* FROM report, unnest(:message_ids::uuid[], :routing_keys::text[], :bodies::bytea[],
                                 :headers::jsonb[], :admission_tenants::uuid[]) AS m
)
SELECT id FROM report""",
    _AcceptParams,
)


async def create_report(
    conn: Connection,
    tenant_id: UUID,
    submission: Submission,
    idempotency_key: str | None,
) -> Created:
    """Store the report, its raw input, its first audit event and report.requested, atomically:
    one statement, so one round trip (two when the Idempotency-Key was used before)."""
    report_id = await _accept(conn, tenant_id, submission, idempotency_key)
    if report_id is not None:
        return Created(report_id, ReportStatus.PENDING, replayed=False)
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


async def add_batch_report(
    conn: Connection, tenant_id: UUID, batch_id: UUID, line: int, submission: Submission
) -> UUID:
    """Store one report of a batch (item ``line``) like :func:`create_report`, in the caller's
    transaction; returns its id."""
    report_id = await _accept(conn, tenant_id, submission, None, batch_id, line)
    assert report_id is not None  # no Idempotency-Key, no conflict
    return report_id


ACCEPTED = Step(
    actor="gateway",
    step="accepted",
    outcome="accepted",
    status=ReportStatus.PENDING,
    progress_percent=0,
)
"""A new report's first step (its message names the kind)."""


async def _accept(
    conn: Connection,
    tenant_id: UUID,
    submission: Submission,
    idempotency_key: str | None,
    batch_id: UUID | None = None,
    batch_line: int | None = None,
) -> UUID | None:
    report_id = uuid4()
    at = utcnow()
    head = ReportHead(
        tenant_id=tenant_id,
        kind=submission.kind,
        status=ReportStatus.PENDING,
        event_seq=0,
        event_hash=None,
        started_at=None,
        created_at=at,
        progress_percent=0,
        current_step=None,
    )
    requested = outbox.event_row(
        Envelope(
            type=routing.REPORT_REQUESTED,
            report_id=report_id,
            tenant_id=tenant_id,
            kind=submission.kind,
            payload=submission.parameters,
        )
    )
    step = replace(ACCEPTED, message=f"{submission.kind.value} report accepted")
    # tenant_seq is claimed by the statement itself and spliced into the note there, as
    # record_stage_steps does: the outbox and the feed get the bytes record_step would write.
    applied = plan_step(report_id, head, step, tenant_seq=0, at=at, enqueue=[requested])
    note_head, note_tail = note_halves(applied.note)
    note_id, note_key, _, note_headers, _ = applied.messages[0]
    rest = applied.messages[1:]
    params = _AcceptParams(
        id=report_id,
        tenant_id=tenant_id,
        kind=submission.kind.value,
        request=submission.parameters,
        idempotency_key=idempotency_key,
        request_hash=submission.fingerprint,
        batch_id=batch_id,
        batch_line=batch_line,
        media_type=submission.input_media_type,
        raw_input=submission.raw_input,
        at=at,
        actor=step.actor,
        step=step.step,
        outcome=step.outcome,
        status=step.status.value,
        progress_percent=0,
        message=step.message,
        details=step.details,
        hash=applied.hash,
        feed=applied.feed,
        note_head=note_head,
        note_tail=note_tail,
        note_id=note_id,
        note_key=note_key,
        note_headers=dict(note_headers),
        message_ids=[m[0] for m in rest],
        routing_keys=[m[1] for m in rest],
        bodies=[m[2] for m in rest],
        headers=[dict(m[3]) for m in rest],
        admission_tenants=[m[4] for m in rest],
    )
    inserted: UUID | None = await conn.fetchval(_ACCEPT.sql, *_ACCEPT.args(params))
    return inserted


def parameters_submission(kind: ReportKind, parameters: dict[str, Any]) -> Submission:
    """A submission whose whole input is PHI-free parameters (a CER: NDC and dates)."""
    return Submission(
        kind=kind,
        fingerprint=request_fingerprint({"kind": kind.value, **parameters}),
        parameters=parameters,
    )
