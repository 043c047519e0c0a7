"""The parking lot for messages a stage gave up on: parking, and what admins do with a parked
message (replay it, or discard it with a reason). Searching and counting live in
:mod:`shared.db.deadletter_search`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import asyncpg
from pydantic import ValidationError

from shared.db.deadletter_search import DeadLetterFilter, search_dead_letters
from shared.db.outbox import enqueue_event
from shared.db.reports import Step, record_step
from shared.events import Envelope, ReportStatus
from shared.events.envelope import utcnow

if TYPE_CHECKING:
    from shared.db.pool import Connection


@dataclass(frozen=True)
class ParkedMessage:
    """A message a stage (or the relay) gave up on, as it is kept in ``dead_letters``."""

    stage: str
    message_id: UUID
    report_id: UUID | None
    routing_key: str
    body: bytes
    headers: Mapping[str, Any]
    reason: str
    error_message: str
    attempts: int
    error_class: str | None = None
    """Groups failures for operators (``timeout``, an exception's type name, ...); without one it
    follows from ``reason``."""

    @property
    def grouped_as(self) -> str:
        return (self.error_class or _CLASS_OF_REASON.get(self.reason, "stage_error"))[:64]


async def park_message(conn: Connection, parked: ParkedMessage) -> bool:
    """Keep a copy of the message; False when this message was already parked for this stage
    (and not replayed since). A report id naming no report is kept as None."""
    report_id = parked.report_id
    if report_id is not None:
        exists = await conn.fetchval("SELECT 1 FROM reports WHERE id = $1", report_id)
        report_id = report_id if exists else None
    inserted = await conn.fetchval(
        """INSERT INTO dead_letters
             (id, message_id, stage, report_id, routing_key, body, headers, reason,
              error_message, attempts, error_class)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (message_id, stage) DO UPDATE
             SET replayed_at = NULL, replayed_by = NULL, replay_message_id = NULL,
                 parked_at = now(), reason = EXCLUDED.reason,
                 error_message = EXCLUDED.error_message, attempts = EXCLUDED.attempts,
                 error_class = EXCLUDED.error_class
             WHERE dead_letters.replayed_at IS NOT NULL
           RETURNING 1""",
        uuid4(),
        parked.message_id,
        parked.stage,
        report_id,
        parked.routing_key,
        parked.body,
        dict(parked.headers),
        parked.reason,
        parked.error_message,
        parked.attempts,
        parked.grouped_as,
    )
    return bool(inserted)


_CLASS_OF_REASON = {
    "delivery_limit": "worker_lost",
    "undecodable": "undecodable",
    "unknown_report": "unknown_report",
}


class ReplayRefused(Exception):
    """The parked message cannot be replayed (already replayed or discarded, or not a clinrelay
    event)."""


class DiscardRefused(Exception):
    """The parked message is no longer open (already replayed or discarded)."""


async def list_dead_letters(
    conn: Connection, *, stage: str | None, include_replayed: bool, limit: int
) -> list[asyncpg.Record]:
    """Parked messages of every tenant, newest first (open ones, or all with include_replayed)."""
    found = DeadLetterFilter(stage=stage, state="any" if include_replayed else "open")
    return await search_dead_letters(conn, found, limit=limit)


async def _lock_open(
    conn: Connection, dead_letter_id: UUID, tenant_id: UUID | None
) -> asyncpg.Record:
    """Lock the dead letter (of ``tenant_id``'s report unless None); LookupError when absent."""
    row = await conn.fetchrow(
        """SELECT d.* FROM dead_letters d LEFT JOIN reports r ON r.id = d.report_id
           WHERE d.id = $1 AND ($2::uuid IS NULL OR r.tenant_id = $2)
           FOR UPDATE OF d""",
        dead_letter_id,
        tenant_id,
    )
    if row is None:
        raise LookupError(str(dead_letter_id))
    return row


async def _record_action(
    conn: Connection,
    dead_letter_id: UUID,
    action: str,
    actor: str,
    actor_tenant: UUID | None,
    reason: str | None = None,
) -> None:
    await conn.execute(
        """INSERT INTO dead_letter_actions (dead_letter_id, action, actor, actor_tenant, reason)
           VALUES ($1, $2, $3, $4, $5)""",
        dead_letter_id,
        action,
        actor,
        actor_tenant,
        reason,
    )


async def replay_dead_letter(
    conn: Connection,
    dead_letter_id: UUID,
    actor: str,
    *,
    tenant_id: UUID | None = None,
    actor_tenant: UUID | None = None,
) -> Envelope:
    """Send a parked message back to its stage as a new message; the report resumes.

    Runs in the caller's transaction. ``tenant_id`` limits it to that tenant's dead letters
    (LookupError for any other). Returns the envelope that was queued.
    """
    row = await _lock_open(conn, dead_letter_id, tenant_id)
    if row["replayed_at"] is not None:
        raise ReplayRefused("This message was already replayed.")
    if row["discarded_at"] is not None:
        raise ReplayRefused("This message was discarded; it cannot be replayed.")
    try:
        parked = Envelope.from_bytes(row["body"])
    except ValidationError:
        raise ReplayRefused(
            "The parked message is not a clinrelay event; it cannot be replayed."
        ) from None
    replay = parked.model_copy(update={"message_id": uuid4(), "occurred_at": utcnow()})
    if row["report_id"] is not None:
        await record_step(
            conn,
            row["report_id"],
            Step(
                actor=actor,
                step="replayed",
                outcome="replayed",
                status=ReportStatus.PROCESSING,
                message=f"Parked {row['stage']} message replayed by an administrator.",
                reopen=True,
                details={"dead_letter_id": str(dead_letter_id), "stage": row["stage"]},
            ),
        )
    await conn.execute(
        """UPDATE dead_letters SET replayed_at = now(), replayed_by = $2, replay_message_id = $3
           WHERE id = $1""",
        dead_letter_id,
        actor,
        replay.message_id,
    )
    await _record_action(conn, dead_letter_id, "replayed", actor, actor_tenant)
    await enqueue_event(conn, replay)
    return replay


async def discard_dead_letter(
    conn: Connection,
    dead_letter_id: UUID,
    actor: str,
    reason: str,
    *,
    tenant_id: UUID | None = None,
    actor_tenant: UUID | None = None,
) -> None:
    """Close a parked message without replaying it, saying why; its report stays FAILED.

    Runs in the caller's transaction; recorded in ``dead_letter_actions``.
    """
    row = await _lock_open(conn, dead_letter_id, tenant_id)
    if row["replayed_at"] is not None or row["discarded_at"] is not None:
        raise DiscardRefused("This message was already replayed or discarded.")
    await conn.execute(
        """UPDATE dead_letters SET discarded_at = now(), discarded_by = $2, discard_reason = $3
           WHERE id = $1""",
        dead_letter_id,
        actor,
        reason,
    )
    await _record_action(conn, dead_letter_id, "discarded", actor, actor_tenant, reason)


def failed_step(parked: ParkedMessage, working_step: str, error_details: dict[str, Any]) -> Step:
    """The step that ends a parked message's report FAILED with the stage's message."""
    return Step(
        actor=parked.stage,
        step=working_step,
        outcome="failed",
        status=ReportStatus.FAILED,
        message=parked.error_message,
        error_message=parked.error_message,
        error_details={"stage": parked.stage, "reason": parked.reason, **error_details},
    )


def with_cause(parked: ParkedMessage, error_details: dict[str, Any]) -> ParkedMessage:
    """The parked message grouped by the failure's ``cause`` (when it names one)."""
    cause = error_details.get("cause")
    return replace(parked, error_class=cause if isinstance(cause, str) else None)


async def park_and_fail(
    conn: Connection, parked: ParkedMessage, *, working_step: str, error_details: dict[str, Any]
) -> bool:
    """Park a message and end its report FAILED with its error message, in the caller's
    transaction.

    Does nothing when the message was already parked (a redelivery of the same give-up); a report
    that already ended stays as it is. Returns whether the message was parked now.
    """
    parked = with_cause(parked, error_details)
    done = await park_message(conn, parked)
    if done and parked.report_id is not None:
        exists = await conn.fetchval("SELECT 1 FROM reports WHERE id = $1", parked.report_id)
        if exists:
            await record_step(
                conn, parked.report_id, failed_step(parked, working_step, error_details)
            )
    return done
