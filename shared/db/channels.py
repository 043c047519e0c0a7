"""Live channels in PostgreSQL: sequence numbers per channel and the log a subscriber resumes from.

A report's own channel is its audit trail (``report_events``, numbered by ``reports.event_seq``).
The tenant's feed and a batch's channel gather the events of many reports (and events of their
own), so they keep a log here: ``channel_heads`` holds each channel's last number and
``channel_events`` what was sent under it. :func:`claim_seqs` takes the next numbers under the
head rows' locks, inside the transaction that records the event, so numbers commit in order and
without gaps; a subscriber that saw ``N`` resumes with everything after ``N``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from shared.db.pool import Connection


def tenant_channel(tenant_id: UUID) -> str:
    return f"tenant:{tenant_id}"


def batch_channel(batch_id: UUID) -> str:
    return f"batch:{batch_id}"


@dataclass(frozen=True)
class LoggedEvent:
    seq: int
    at: datetime
    body: dict[str, Any]


async def claim_seqs(conn: Connection, channels: list[str]) -> dict[str, int]:
    """The next sequence number of each channel, locked until the caller's transaction ends.

    Heads are locked in name order, so two transactions claiming the same channels cannot
    deadlock on them. Call after locking the report the event is about (reports first, heads
    second, everywhere).
    """
    rows = await conn.fetch(
        """INSERT INTO channel_heads (channel, seq)
           SELECT c, 1 FROM unnest($1::text[]) AS c ORDER BY c
           ON CONFLICT (channel) DO UPDATE SET seq = channel_heads.seq + 1
           RETURNING channel, seq""",
        sorted(set(channels)),
    )
    return {row["channel"]: row["seq"] for row in rows}


async def log_event(
    conn: Connection, tenant_id: UUID, seqs: Mapping[str, int], at: datetime, body: dict[str, Any]
) -> None:
    """Keep ``body`` under its number on each channel, for subscribers that resume later."""
    await conn.execute(
        """INSERT INTO channel_events (channel, seq, tenant_id, at, body)
           SELECT c, s, $3, $4, $5 FROM unnest($1::text[], $2::bigint[]) AS t(c, s)""",
        list(seqs),
        list(seqs.values()),
        tenant_id,
        at,
        body,
    )


async def head(conn: Connection, channel: str) -> int:
    """The channel's last sequence number (0 before its first event)."""
    value = await conn.fetchval("SELECT seq FROM channel_heads WHERE channel = $1", channel)
    return int(value or 0)


async def events_after(
    conn: Connection, channel: str, after: int, *, limit: int
) -> list[LoggedEvent] | None:
    """The channel's events numbered after ``after``, oldest first; None when some of them are no
    longer kept (pruned), so the gap cannot be filled from here."""
    rows = await conn.fetch(
        """SELECT seq, at, body FROM channel_events
           WHERE channel = $1 AND seq > $2 ORDER BY seq LIMIT $3""",
        channel,
        after,
        limit,
    )
    if rows and rows[0]["seq"] != after + 1:
        return None
    return [LoggedEvent(r["seq"], r["at"], r["body"]) for r in rows]


async def prune(conn: Connection, older_than: timedelta) -> int:
    """Forget logged events older than ``older_than``; returns how many."""
    result: str = await conn.execute(
        "DELETE FROM channel_events WHERE at < now() - $1::interval", older_than
    )
    return int(result.rsplit(" ", 1)[-1])
