"""Report state and its hash-chained audit trail.

Every change of a report's state goes through :func:`record_step`, inside the caller's transaction:
it locks the report row, appends one audit event chained to the previous one by SHA-256, updates
status/progress/step and enqueues the matching notification in the outbox. So the state, the audit
trail and what subscribers are told can never disagree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson

from shared.db import channels, outbox
from shared.events import ReportKind, ReportStatus, StatusNotification
from shared.events.envelope import utcnow
from shared.events.notification import ALERT_OUTCOME

if TYPE_CHECKING:
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
_LOCK_AND_CLAIM = """
WITH report AS (
  SELECT tenant_id, kind, status, event_seq, event_hash, started_at, created_at,
         progress_percent, current_step
  FROM reports WHERE id = $1 FOR UPDATE
), applies AS (
  SELECT tenant_id FROM report
  WHERE ($2 OR status NOT IN ('COMPLETE', 'FAILED'))
    AND ($3::text IS NULL OR current_step IS DISTINCT FROM $3::text)
    AND ($2 OR $4::int IS NULL OR $4::int >= progress_percent)
), head AS (
  INSERT INTO channel_heads (channel, seq)
  SELECT 'tenant:' || tenant_id::text, 1 FROM applies
  ON CONFLICT (channel) DO UPDATE SET seq = channel_heads.seq + 1
  RETURNING seq
)
SELECT report.*, (SELECT seq FROM head) AS tenant_seq FROM report"""

# The event, the feed's log entry, the outbox rows (the notification first) and the report: one
# round trip.
_APPLY = """
WITH event AS (
  INSERT INTO report_events
    (report_id, seq, at, actor, step, outcome, status, progress_percent, message,
     details, prev_hash, hash)
  VALUES ($1, $13, $5, $15, $4, $16, $2, $3, $17, $18, $19, $14)
), logged AS (
  INSERT INTO channel_events (channel, seq, tenant_id, at, body)
  VALUES ($24, $25, $26, $5, $27)
), messages AS (
  INSERT INTO outbox (message_id, routing_key, body, headers, admission_tenant)
  SELECT * FROM unnest($20::uuid[], $21::text[], $22::bytea[], $23::jsonb[], $28::uuid[])
)
UPDATE reports SET
  status = $2, progress_percent = $3, current_step = $4, updated_at = $5,
  started_at = $6, completed_at = $7, processing_time_ms = $8,
  error_message = CASE WHEN $2 = 'FAILED' THEN $9 ELSE NULL END,
  error_details = CASE WHEN $2 = 'FAILED' THEN $10::jsonb ELSE NULL END,
  result = COALESCE($11::jsonb, result),
  retry_count = retry_count + $12,
  event_seq = $13, event_hash = $14
WHERE id = $1"""


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
) -> StatusNotification | None:
    """Append ``step`` to the report's audit trail and apply it; call inside a transaction.

    Nothing happens (None is returned) when the report is already final (COMPLETE or FAILED)
    and the step does not ``reopen`` it, or when the step would lower the report's progress: a
    late or duplicate message must never move a report back (two copies of one message running
    side by side would otherwise record "analyzing 40 %" after "analyzed 70 %"). With
    ``unless_step``, nothing happens either when the report's current step is already that one:
    how a redelivered message avoids recording "started" twice.

    ``enqueue`` are outbox rows (:func:`shared.db.outbox.event_row`) written with the step, after
    its notification, and only if the step is recorded. Two round trips in all.
    """
    row = await conn.fetchrow(
        _LOCK_AND_CLAIM, report_id, step.reopen, unless_step, step.progress_percent
    )
    if row is None:
        raise ReportNotFound(str(report_id))
    tenant_seq = row["tenant_seq"]
    if tenant_seq is None:  # the step does not apply (see above); nothing was claimed
        return None
    head = ReportHead(
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
    applied = plan_step(report_id, head, step, tenant_seq=tenant_seq, at=utcnow(), enqueue=enqueue)
    step, messages = applied.step, applied.messages
    await conn.execute(
        _APPLY,
        report_id,
        step.status.value,
        step.progress_percent,
        step.step,
        applied.at,
        applied.started_at,
        applied.completed_at,
        applied.processing_time_ms,
        step.error_message,
        step.error_details,
        step.result,
        1 if step.retry else 0,
        applied.seq,
        applied.hash,
        step.actor,
        step.outcome,
        step.message,
        step.details,
        applied.prev_hash,
        [m[0] for m in messages],
        [m[1] for m in messages],
        [m[2] for m in messages],
        [m[3] for m in messages],
        applied.feed,
        tenant_seq,
        head.tenant_id,
        applied.note.model_dump(mode="json"),
        [m[4] for m in messages],
    )
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


async def store_artifact(
    conn: Connection, report_id: UUID, name: str, media_type: str, content: bytes
) -> None:
    """Keep a file a stage made for the report (the PDF, the analysis behind it)."""
    await conn.execute(
        """INSERT INTO artifacts (report_id, name, media_type, content, sha256)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (report_id, name) DO UPDATE
             SET media_type = EXCLUDED.media_type, content = EXCLUDED.content,
                 sha256 = EXCLUDED.sha256, created_at = now()""",
        report_id,
        name,
        media_type,
        content,
        hashlib.sha256(content).digest(),
    )
