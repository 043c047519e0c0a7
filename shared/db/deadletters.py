"""The parking lot for messages a stage gave up on, which admins can list, inspect and replay."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

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
