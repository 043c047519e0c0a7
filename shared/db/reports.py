"""Report state and its hash-chained audit trail.

Every change of a report's state goes through :func:`record_step`, inside the caller's transaction:
it locks the report row, appends one audit event chained to the previous one by SHA-256, updates
status/progress/step and enqueues the matching notification in the outbox. So the state, the audit
trail and what subscribers are told can never disagree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson

from shared.db import channels, outbox
from shared.db.named import NamedQuery
from shared.events import ReportKind, ReportStatus, StatusNotification
from shared.events.envelope import utcnow
from shared.events.notification import ALERT_OUTCOME

if TYPE_CHECKING:
    import asyncpg

    from shared.db.pool import Connection


class ReportNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Step:
    """One recorded step: who did what, with which outcome, and where it leaves the report."""

    actor: str
    step: str
    outcome: str
    status: ReportStatus
    progress_percent: int | None = None  # None keeps the report's current progress
    message: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    error_message: str | None = None
    error_details: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    retry: bool = False
    reopen: bool = False
    """Only an admin's replay may take a final (COMPLETE or FAILED) report back to work."""


def event_hash(prev: bytes | None, event: dict[str, Any]) -> bytes:
    """SHA-256 over the previous hash and the event's canonical JSON."""
    canonical = orjson.dumps(event, option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z)
    return hashlib.sha256((prev or b"") + canonical).digest()


def hashed_fields(report_id: UUID, seq: int, at: datetime, step: Step) -> dict[str, Any]:
    return {
        "report_id": str(report_id),
        "seq": seq,
        "at": at.isoformat(),
        "actor": step.actor,
        "step": step.step,
        "outcome": step.outcome,
        "status": step.status.value,
        "progress_percent": step.progress_percent,
        "message": step.message,
        "details": step.details,
    }


# Lock the report, decide whether the step applies and, only then, claim the next number of the
# tenant's feed: one round trip. The report row is locked before the feed's head (the order every
# writer keeps, see shared.db.channels), and a step that does not apply takes no number, so the
# feed stays without gaps. The conditions are record_step's (see its docstring).
@dataclass(frozen=True)
class _LockParams:
    report_id: UUID
    reopen: bool
    unless_step: str | None
    progress_percent: int | None


_LOCK_AND_CLAIM = NamedQuery.parse(
    """
WITH report AS (
  SELECT tenant_id, kind, status, event_seq, event_hash, started_at, created_at,
         progress_percent, current_step
  FROM reports WHERE id = :report_id FOR UPDATE
), applies AS (
  SELECT tenant_id FROM report
  WHERE (:reopen OR status NOT IN ('COMPLETE', 'FAILED'))
    AND (:unless_step::text IS NULL OR current_step IS DISTINCT FROM :unless_step::text)
    AND (:reopen OR :progress_percent::int IS NULL OR :progress_percent::int >= progress_percent)
), head AS (
  INSERT INTO channel_heads (channel, seq)
  SELECT 'tenant:' || tenant_id::text, 1 FROM applies
  ON CONFLICT (channel) DO UPDATE SET seq = channel_heads.seq + 1
  RETURNING seq
)
SELECT report.*, (SELECT seq FROM head) AS tenant_seq FROM report""",
    _LockParams,
)


# The event, the feed's log entry, the outbox rows (the notification first) and the report: one
# round trip.
@dataclass(frozen=True)
class _ApplyParams:
    """Everything :data:`_APPLY` writes, by column (the outbox rows as parallel arrays)."""

    report_id: UUID
    seq: int
    at: datetime
    actor: str
    step: str
    outcome: str
    status: str
    progress_percent: int | None
    message: str | None
    details: dict[str, Any]
    prev_hash: bytes | None
    hash: bytes
    started_at: datetime | None
    completed_at: datetime | None
    processing_time_ms: int | None
    error_message: str | None
    error_details: dict[str, Any] | None
    result: dict[str, Any] | None
    retry_increment: int
    feed: str
    tenant_seq: int
    tenant_id: UUID
    feed_body: dict[str, Any]
    message_ids: list[UUID]
    routing_keys: list[str]
    bodies: list[bytes]
    headers: list[dict[str, Any]]
    admission_tenants: list[UUID | None]

    @classmethod
    def of(cls, applied: AppliedStep) -> _ApplyParams:
        step, messages = applied.step, applied.messages
        return cls(
            report_id=applied.report_id,
            seq=applied.seq,
            at=applied.at,
            actor=step.actor,
            step=step.step,
            outcome=step.outcome,
            status=step.status.value,
            progress_percent=step.progress_percent,
            message=step.message,
            details=step.details,
            prev_hash=applied.prev_hash,
            hash=applied.hash,
            started_at=applied.started_at,
            completed_at=applied.completed_at,
            processing_time_ms=applied.processing_time_ms,
            error_message=step.error_message,
            error_details=step.error_details,
            result=step.result,
            retry_increment=1 if step.retry else 0,
            feed=applied.feed,
            tenant_seq=applied.note.tenant_seq or 0,
            tenant_id=applied.note.tenant_id,
            feed_body=applied.note.model_dump(mode="json"),
            message_ids=[m[0] for m in messages],
            routing_keys=[m[1] for m in messages],
            bodies=[m[2] for m in messages],
            headers=[dict(m[3]) for m in messages],
            admission_tenants=[m[4] for m in messages],
        )


_APPLY = NamedQuery.parse(
    """
WITH event AS (
  INSERT INTO report_events
    (report_id, seq, at, actor, step, outcome, status, progress_percent, message,
     details, prev_hash, hash)
  VALUES (:report_id, :seq, :at, :actor, :step, :outcome, :status, :progress_percent, :message,
          :details, :prev_hash, :hash)
), logged AS (
  INSERT INTO channel_events (channel, seq, tenant_id, at, body)
  VALUES (:feed, :tenant_seq, :tenant_id, :at, :feed_body)
), messages AS (
  INSERT INTO outbox (message_id, routing_key, body, headers, admission_tenant)
  SELECT * FROM unnest(:message_ids::uuid[], :routing_keys::text[], :bodies::bytea[],
                       :headers::jsonb[], :admission_tenants::uuid[])
)
UPDATE reports SET
  status = :status, progress_percent = :progress_percent, current_step = :step, updated_at = :at,
  started_at = :started_at, completed_at = :completed_at,
  processing_time_ms = :processing_time_ms,
  error_message = CASE WHEN :status = 'FAILED' THEN :error_message ELSE NULL END,
  error_details = CASE WHEN :status = 'FAILED' THEN :error_details::jsonb ELSE NULL END,
  result = COALESCE(:result::jsonb, result),
  retry_count = retry_count + :retry_increment,
  event_seq = :seq, event_hash = :hash
WHERE id = :report_id""",
    _ApplyParams,
)


@dataclass(frozen=True)
class ReportHead:
    """The report row as :func:`record_step` finds it, locked: where the next step starts from."""

    tenant_id: UUID
    kind: ReportKind
    status: ReportStatus
    event_seq: int
    event_hash: bytes | None
    started_at: datetime | None
    created_at: datetime
    progress_percent: int
    current_step: str | None

    @classmethod
    def of(cls, row: asyncpg.Record | Mapping[str, Any]) -> ReportHead:
        """From a row with the ``reports`` columns of the same names."""
        return cls(
            tenant_id=row["tenant_id"],
            kind=ReportKind(row["kind"]),
            status=ReportStatus(row["status"]),
            event_seq=row["event_seq"],
            event_hash=row["event_hash"],
            started_at=row["started_at"],
            created_at=row["created_at"],
            progress_percent=row["progress_percent"],
            current_step=row["current_step"],
        )


def step_applies(head: ReportHead, step: Step, unless_step: str | None) -> bool:
    """Whether ``step`` may be recorded on the report (the conditions of :func:`record_step`;
    ``_LOCK_AND_CLAIM`` says the same in SQL)."""
    if not step.reopen and head.status.is_final:
        return False
    if unless_step is not None and head.current_step == unless_step:
        return False
    return (
        step.reopen
        or step.progress_percent is None
        or step.progress_percent >= head.progress_percent
    )


@dataclass(frozen=True)
class AppliedStep:
    """Everything one recorded step writes, worked out before anything is written: the audit
    event (chained to the previous one), the report's new state, the tenant feed's entry and the
    outbox rows (the notification first)."""

    report_id: UUID
    step: Step
    """The step, its progress filled in from the report when it kept it."""
    seq: int
    at: datetime
    prev_hash: bytes | None
    hash: bytes
    started_at: datetime | None
    completed_at: datetime | None
    processing_time_ms: int | None
    note: StatusNotification
    messages: tuple[outbox.OutboxRow, ...]

    @property
    def feed(self) -> str:
        return channels.tenant_channel(self.note.tenant_id)


def plan_step(
    report_id: UUID,
    head: ReportHead,
    step: Step,
    *,
    tenant_seq: int,
    at: datetime,
    enqueue: Sequence[outbox.OutboxRow] = (),
) -> AppliedStep:
    """What recording ``step`` (which applies) on the report at ``head`` writes; pure."""
    if step.progress_percent is None:
        step = replace(step, progress_percent=head.progress_percent)
    seq = head.event_seq + 1
    digest = event_hash(head.event_hash, hashed_fields(report_id, seq, at, step))
    started_at = head.started_at
    if started_at is None and step.status is ReportStatus.PROCESSING:
        started_at = at
    completed_at = at if step.status.is_final else None
    processing_ms = None
    if completed_at is not None:
        processing_ms = int((completed_at - (started_at or head.created_at)).total_seconds() * 1000)
    note = StatusNotification(
        event_id=seq,
        report_id=report_id,
        tenant_id=head.tenant_id,
        kind=head.kind,
        status=step.status,
        progress_percent=step.progress_percent or 0,
        current_step=step.step,
        outcome=step.outcome,
        message=step.message,
        at=at,
        error=(
            {"message": step.error_message, **(step.error_details or {})}
            if step.status is ReportStatus.FAILED
            else None
        ),
        result=step.result if step.status is ReportStatus.COMPLETE else None,
        tenant_seq=tenant_seq,
        alert=step.details if step.outcome == ALERT_OUTCOME else None,
    )
    return AppliedStep(
        report_id=report_id,
        step=step,
        seq=seq,
        at=at,
        prev_hash=head.event_hash,
        hash=digest,
        started_at=started_at,
        completed_at=completed_at,
        processing_time_ms=processing_ms,
        note=note,
        messages=(outbox.notification_row(note), *enqueue),
    )


async def record_step(
    conn: Connection,
    report_id: UUID,
    step: Step,
    *,
    unless_step: str | None = None,
    enqueue: Sequence[outbox.OutboxRow] = (),
    at: datetime | None = None,
) -> StatusNotification | None:
    """Append ``step`` to the report's audit trail and apply it; call inside a transaction.

    Nothing happens (None is returned) when the report is already final (COMPLETE or FAILED)
    and the step does not ``reopen`` it, or when the step would lower the report's progress: a
    late or duplicate message must never move a report back (two copies of one message running
    side by side would otherwise record "analyzing 40 %" after "analyzed 70 %"). With
    ``unless_step``, nothing happens either when the report's current step is already that one:
    how a redelivered message avoids recording "started" twice.

    ``enqueue`` are outbox rows (:func:`shared.db.outbox.event_row`) written with the step, after
    its notification, and only if the step is recorded. ``at`` is when the step happened (now
    if not given). Two round trips in all; a stage's result is recorded in one, when the report
    did not move since it was read (:mod:`shared.db.stage_steps`).
    """
    lock = _LockParams(report_id, step.reopen, unless_step, step.progress_percent)
    row = await conn.fetchrow(_LOCK_AND_CLAIM.sql, *_LOCK_AND_CLAIM.args(lock))
    if row is None:
        raise ReportNotFound(str(report_id))
    tenant_seq = row["tenant_seq"]
    if tenant_seq is None:  # the step does not apply (see above); nothing was claimed
        return None
    head = ReportHead.of(row)
    when = at or utcnow()
    applied = plan_step(report_id, head, step, tenant_seq=tenant_seq, at=when, enqueue=enqueue)
    await conn.execute(_APPLY.sql, *_APPLY.args(_ApplyParams.of(applied)))
    return applied.note


@dataclass(frozen=True)
class Provenance:
    """Who asked for a report and when: what its PDF and FHIR output say about its origin."""

    requested_at: datetime
    tenant_name: str | None


async def provenance(conn: Connection, report_id: UUID) -> Provenance | None:
    row = await conn.fetchrow(
        """SELECT r.created_at, t.name FROM reports r JOIN tenants t ON t.id = r.tenant_id
           WHERE r.id = $1""",
        report_id,
    )
    return Provenance(row["created_at"], row["name"]) if row is not None else None


async def current_status(conn: Connection, report_id: UUID) -> ReportStatus | None:
    value = await conn.fetchval("SELECT status FROM reports WHERE id = $1", report_id)
    return ReportStatus(value) if value is not None else None
