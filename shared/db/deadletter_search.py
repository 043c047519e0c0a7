"""Finding and counting parked messages: filters, keyset pages, attempt history, statistics.

A dead letter belongs to the tenant of its report. A filter with a ``tenant_id`` sees only that
tenant's (how an admin key sees them); without one it sees every tenant's, and also the messages
that belong to no report (undecodable ones) — only operators search that way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

import asyncpg

if TYPE_CHECKING:
    from shared.db.pool import Connection

State = Literal["open", "replayed", "discarded", "any"]

COLUMNS = """d.id, d.message_id, d.stage, d.report_id, r.tenant_id, d.routing_key, d.headers,
    d.reason, d.error_class, d.error_message, d.attempts, d.parked_at, d.replayed_at,
    d.replayed_by, d.discarded_at, d.discarded_by, d.discard_reason"""

_FROM = "dead_letters d LEFT JOIN reports r ON r.id = d.report_id"

_STATES = {
    "open": "d.replayed_at IS NULL AND d.discarded_at IS NULL",
    "replayed": "d.replayed_at IS NOT NULL",
    "discarded": "d.discarded_at IS NOT NULL",
    "any": "TRUE",
}


@dataclass(frozen=True)
class DeadLetterFilter:
    tenant_id: UUID | None = None
    stage: str | None = None
    reason: str | None = None
    error_class: str | None = None
    since: datetime | None = None
    """Parked at or after."""
    until: datetime | None = None
    """Parked before."""
    report_id: UUID | None = None
    state: State = "open"

    def where(self, args: list[Any]) -> str:
        """The SQL condition (parameters appended to ``args``)."""
        conditions = [_STATES[self.state]]
        for column, value, operator in (
            ("r.tenant_id", self.tenant_id, "="),
            ("d.stage", self.stage, "="),
            ("d.reason", self.reason, "="),
            ("d.error_class", self.error_class, "="),
            ("d.parked_at", self.since, ">="),
            ("d.parked_at", self.until, "<"),
            ("d.report_id", self.report_id, "="),
        ):
            if value is not None:
                args.append(value)
                conditions.append(f"{column} {operator} ${len(args)}")
        return " AND ".join(conditions)


async def search_dead_letters(
    conn: Connection,
    found: DeadLetterFilter,
    *,
    limit: int,
    after: tuple[datetime, UUID] | None = None,
    lock: bool = False,
) -> list[asyncpg.Record]:
    """Matching dead letters, newest first; ``after`` continues from a page's last (parked_at,
    id). With ``lock`` the rows are locked (skipping those another transaction holds)."""
    args: list[Any] = []
    where = found.where(args)
    if after is not None:
        args.extend(after)
        where += f" AND (d.parked_at, d.id) < (${len(args) - 1}, ${len(args)})"
    args.append(limit)
    locking = " FOR UPDATE OF d SKIP LOCKED" if lock else ""
    return await conn.fetch(
        f"""SELECT {COLUMNS} FROM {_FROM} WHERE {where}
            ORDER BY d.parked_at DESC, d.id DESC LIMIT ${len(args)}{locking}""",
        *args,
    )


async def count_dead_letters(conn: Connection, found: DeadLetterFilter) -> int:
    args: list[Any] = []
    where = found.where(args)
    count: int = await conn.fetchval(f"SELECT count(*) FROM {_FROM} WHERE {where}", *args)
    return count


async def get_dead_letter(
    conn: Connection, dead_letter_id: UUID, tenant_id: UUID | None = None
) -> asyncpg.Record | None:
    """One dead letter with its body (of ``tenant_id``'s report unless None), or None."""
    return await conn.fetchrow(
        f"""SELECT {COLUMNS}, d.body FROM {_FROM}
            WHERE d.id = $1 AND ($2::uuid IS NULL OR r.tenant_id = $2)""",
        dead_letter_id,
        tenant_id,
    )


async def attempt_history(conn: Connection, dead_letter: asyncpg.Record) -> list[asyncpg.Record]:
    """The stage's recorded attempts of the parked message, oldest first: when it started, each
    failed attempt that was retried, and the last failure — from the report's audit trail, since
    the latest replay before it was parked."""
    if dead_letter["report_id"] is None:
        return []
    # The window: after the latest replay before it was parked, up to the first replay after
    # (the failure is recorded a moment after parked_at, which is its transaction's start).
    return await conn.fetch(
        """SELECT e.seq, e.at, e.outcome, e.message, e.details
           FROM report_events e
           WHERE e.report_id = $1 AND e.actor = $2
             AND e.outcome IN ('started', 'retrying', 'failed')
             AND e.seq > coalesce((SELECT max(p.seq) FROM report_events p
                                   WHERE p.report_id = $1 AND p.step = 'replayed'
                                     AND p.at <= $3), 0)
             AND e.seq < coalesce((SELECT min(n.seq) FROM report_events n
                                   WHERE n.report_id = $1 AND n.step = 'replayed'
                                     AND n.at > $3), 2147483647)
           ORDER BY e.seq""",
        dead_letter["report_id"],
        dead_letter["stage"],
        dead_letter["parked_at"],
    )


async def actions(conn: Connection, dead_letter_id: UUID) -> list[asyncpg.Record]:
    """Who replayed or discarded the message, when and why."""
    return await conn.fetch(
        """SELECT action, actor, reason, at FROM dead_letter_actions
           WHERE dead_letter_id = $1 ORDER BY id""",
        dead_letter_id,
    )


@dataclass(frozen=True)
class DeadLetterStats:
    total: int
    by_state: dict[str, int]
    by_stage: dict[str, int]
    by_error_class: dict[str, int]
    by_day: list[tuple[str, int]]
    replays: dict[str, int]


async def dead_letter_stats(conn: Connection, found: DeadLetterFilter) -> DeadLetterStats:
    """Counts of the matching dead letters (any state unless the filter says) by state, stage,
    error class and UTC day, and how their replays turned out (the replayed report's status
    now: COMPLETE succeeded, FAILED failed again, otherwise still in progress)."""
    args: list[Any] = []
    where = found.where(args)
    rows = await conn.fetch(
        f"""SELECT d.stage, d.error_class,
                   to_char(d.parked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
                   CASE WHEN d.replayed_at IS NOT NULL THEN 'replayed'
                        WHEN d.discarded_at IS NOT NULL THEN 'discarded'
                        ELSE 'open' END AS state,
                   CASE WHEN d.replayed_at IS NULL THEN NULL ELSE r.status END AS replay_status,
                   count(*) AS n
            FROM {_FROM} WHERE {where}
            GROUP BY 1, 2, 3, 4, 5""",
        *args,
    )
    by_state: dict[str, int] = {"open": 0, "replayed": 0, "discarded": 0}
    by_stage: dict[str, int] = {}
    by_class: dict[str, int] = {}
    by_day: dict[str, int] = {}
    replays = {"succeeded": 0, "failed_again": 0, "in_progress": 0}
    for row in rows:
        n = row["n"]
        by_state[row["state"]] += n
        by_stage[row["stage"]] = by_stage.get(row["stage"], 0) + n
        by_class[row["error_class"]] = by_class.get(row["error_class"], 0) + n
        by_day[row["day"]] = by_day.get(row["day"], 0) + n
        if row["state"] == "replayed":
            outcome = {"COMPLETE": "succeeded", "FAILED": "failed_again"}.get(
                row["replay_status"], "in_progress"
            )
            replays[outcome] += n
    return DeadLetterStats(
        total=sum(by_state.values()),
        by_state=by_state,
        by_stage=by_stage,
        by_error_class=by_class,
        by_day=sorted(by_day.items()),
        replays=replays,
    )


async def open_dead_letters(conn: Connection) -> dict[str, int]:
    """Parked messages neither replayed nor discarded, by stage."""
    rows = await conn.fetch(
        """SELECT stage, count(*) AS n FROM dead_letters
           WHERE replayed_at IS NULL AND discarded_at IS NULL GROUP BY stage"""
    )
    return {row["stage"]: row["n"] for row in rows}
