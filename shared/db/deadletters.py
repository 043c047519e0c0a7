"""The parking lot for messages a stage gave up on, which admins can list, inspect and replay."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import asyncpg
from pydantic import ValidationError

from shared.db.outbox import enqueue_event
from shared.db.reports import Step, record_step
from shared.events import Envelope, ReportStatus
from shared.events.envelope import utcnow

if TYPE_CHECKING:
    from shared.db.pool import Connection


async def park_message(
    conn: Connection,
    *,
    stage: str,
    message_id: UUID,
    report_id: UUID | None,
    routing_key: str,
    body: bytes,
    headers: Mapping[str, Any],
    reason: str,
    error_message: str,
    attempts: int,
) -> bool:
    """Keep a copy of the message; False when this message was already parked for this stage."""
    if report_id is not None:
        exists = await conn.fetchval("SELECT 1 FROM reports WHERE id = $1", report_id)
        report_id = report_id if exists else None
    inserted = await conn.fetchval(
        """INSERT INTO dead_letters
             (id, message_id, stage, report_id, routing_key, body, headers, reason,
              error_message, attempts)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (message_id, stage) DO UPDATE
             SET replayed_at = NULL, parked_at = now(), reason = EXCLUDED.reason,
                 error_message = EXCLUDED.error_message, attempts = EXCLUDED.attempts
             WHERE dead_letters.replayed_at IS NOT NULL
           RETURNING 1""",
        uuid4(),
        message_id,
        stage,
        report_id,
        routing_key,
        body,
        dict(headers),
        reason,
        error_message,
        attempts,
    )
    return bool(inserted)


class ReplayRefused(Exception):
    """The parked message cannot be replayed (already replayed, or not a clinrelay event)."""


_COLUMNS = """id, message_id, stage, report_id, routing_key, headers, reason, error_message,
    attempts, parked_at, replayed_at"""


async def list_dead_letters(
    conn: Connection, *, stage: str | None, include_replayed: bool, limit: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT {_COLUMNS} FROM dead_letters
            WHERE ($1::text IS NULL OR stage = $1) AND ($2 OR replayed_at IS NULL)
            ORDER BY parked_at DESC LIMIT $3""",
        stage,
        include_replayed,
        limit,
    )


async def get_dead_letter(conn: Connection, dead_letter_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS}, body FROM dead_letters WHERE id = $1", dead_letter_id
    )


async def replay_dead_letter(conn: Connection, dead_letter_id: UUID, actor: str) -> Envelope:
    """Send a parked message back to its stage as a new message; the report resumes.

    Runs in the caller's transaction. Returns the envelope that was queued.
    """
    row = await conn.fetchrow("SELECT * FROM dead_letters WHERE id = $1 FOR UPDATE", dead_letter_id)
    if row is None:
        raise LookupError(str(dead_letter_id))
    if row["replayed_at"] is not None:
        raise ReplayRefused("This message was already replayed.")
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
    await conn.execute("UPDATE dead_letters SET replayed_at = now() WHERE id = $1", dead_letter_id)
    await enqueue_event(conn, replay)
    return replay


async def park_and_fail(
    conn: Connection,
    *,
    stage: str,
    working_step: str,
    message_id: UUID,
    report_id: UUID | None,
    routing_key: str,
    body: bytes,
    headers: Mapping[str, Any],
    reason: str,
    error_message: str,
    attempts: int,
    error_details: dict[str, Any],
) -> bool:
    """Park a message and end its report FAILED with ``error_message``, in the caller's transaction.

    Does nothing when the message was already parked (a redelivery of the same give-up); a report
    that already ended stays as it is. Returns whether the message was parked now.
    """
    parked = await park_message(
        conn,
        stage=stage,
        message_id=message_id,
        report_id=report_id,
        routing_key=routing_key,
        body=body,
        headers=headers,
        reason=reason,
        error_message=error_message,
        attempts=attempts,
    )
    if parked and report_id is not None:
        exists = await conn.fetchval("SELECT 1 FROM reports WHERE id = $1", report_id)
        if exists:
            await record_step(
                conn,
                report_id,
                Step(
                    actor=stage,
                    step=working_step,
                    outcome="failed",
                    status=ReportStatus.FAILED,
                    message=error_message,
                    error_message=error_message,
                    error_details={"stage": stage, "reason": reason, **error_details},
                ),
            )
    return parked
