"""Which messages each stage has already processed (``processed_messages``): the dedup table.

At-least-once delivery means any message may arrive twice. A stage's work counts once: the runner
claims ``(message_id, stage)`` in the transaction that records the step, and a redelivery finds
the claim and produces nothing. The failure policy claims ``<stage>#attempt<n>`` the same way, so
each failed attempt is recorded once however often its failure is handled.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from shared.db.reports import ReportHead

if TYPE_CHECKING:
    from shared.db.pool import Connection


async def claim(conn: Connection, message_id: UUID, stage: str) -> bool:
    """Mark ``message_id`` processed by ``stage``; False when it already was (call in the
    transaction whose effects the claim stands for)."""
    first = await conn.fetchval(
        """INSERT INTO processed_messages (message_id, stage) VALUES ($1, $2)
           ON CONFLICT DO NOTHING RETURNING 1""",
        message_id,
        stage,
    )
    return bool(first)


async def seen_and_head(
    conn: Connection, message_id: UUID, stage: str, report_id: UUID
) -> tuple[bool, ReportHead | None]:
    """Whether ``stage`` already processed the message, and where the report stands (None when
    there is no such report), in one round trip: what the runner admits a message by, and plans
    the steps of its result from (:mod:`shared.db.stage_steps`)."""
    row = await conn.fetchrow(
        """SELECT EXISTS (SELECT 1 FROM processed_messages
                          WHERE message_id = $1 AND stage = $2) AS seen,
                  r.tenant_id, r.kind, r.status, r.event_seq, r.event_hash, r.started_at,
                  r.created_at, r.progress_percent, r.current_step
           FROM (SELECT 1) AS one LEFT JOIN reports r ON r.id = $3""",
        message_id,
        stage,
        report_id,
    )
    assert row is not None
    if row["tenant_id"] is None:
        return bool(row["seen"]), None
    return bool(row["seen"]), ReportHead.of(row)


Admission = tuple[UUID, str, UUID]
"""What :func:`seen_and_head` is asked: message id, stage, report id."""


async def seen_and_heads(
    conn: Connection, asks: Sequence[Admission]
) -> list[tuple[bool, ReportHead | None]]:
    """:func:`seen_and_head` for several messages in one round trip, answers in order."""
    if len(asks) == 1:
        return [await seen_and_head(conn, *asks[0])]
    rows = await conn.fetch(
        """SELECT EXISTS (SELECT 1 FROM processed_messages p
                          WHERE p.message_id = m.message_id AND p.stage = m.stage) AS seen,
                  r.tenant_id, r.kind, r.status, r.event_seq, r.event_hash, r.started_at,
                  r.created_at, r.progress_percent, r.current_step
           FROM unnest($1::uuid[], $2::text[], $3::uuid[]) WITH ORDINALITY
                AS m(message_id, stage, report_id, i)
           LEFT JOIN reports r ON r.id = m.report_id
           ORDER BY m.i""",
        [a[0] for a in asks],
        [a[1] for a in asks],
        [a[2] for a in asks],
    )
    return [
        (bool(row["seen"]), None if row["tenant_id"] is None else ReportHead.of(row))
        for row in rows
    ]
