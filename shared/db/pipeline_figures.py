"""What PostgreSQL knows about the pipeline as a whole: per-stage work in a recent window, reports
waiting for a stage, how long a finished report took. Read by the system status, the gateway's
metrics and the runner; every query is cross-tenant and returns counts and durations only. (The
outbox backlog and open dead letters are read by their tables' modules, ``outbox`` and
``deadletter_search``.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from shared.db.pool import Connection

WAITING_STEPS: dict[str, tuple[str, ...]] = {
    "ingestor": ("accepted",),
    "analyzer": ("ingested",),
    "renderer": ("analyzed",),
}
"""The ``current_step`` of a report handed to a stage and not yet picked up by it."""


@dataclass(frozen=True)
class StageWindow:
    """One stage's work in the window: attempts that completed or failed, and how long the
    completed ones took (milliseconds, as the runner recorded them)."""

    completed: int
    failed: int
    retried: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


async def stage_windows(
    conn: Connection, stages: tuple[str, ...], window: timedelta
) -> dict[str, StageWindow]:
    """Per stage, over the last ``window`` of the audit trail."""
    rows = await conn.fetch(
        """SELECT actor,
                  count(*) FILTER (WHERE outcome = 'completed') AS completed,
                  count(*) FILTER (WHERE outcome = 'failed') AS failed,
                  count(*) FILTER (WHERE outcome = 'retrying') AS retried,
                  percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (
                      ORDER BY (details->>'elapsed_ms')::float8)
                      FILTER (WHERE outcome = 'completed' AND details ? 'elapsed_ms') AS pct
           FROM report_events
           WHERE at >= now() - $1::interval AND actor = ANY($2::text[])
             AND outcome IN ('completed', 'failed', 'retrying')
           GROUP BY actor""",
        window,
        list(stages),
    )
    found = {}
    for row in rows:
        pct = row["pct"] or [None, None, None]
        found[row["actor"]] = StageWindow(
            completed=row["completed"],
            failed=row["failed"],
            retried=row["retried"],
            p50_ms=pct[0],
            p95_ms=pct[1],
            p99_ms=pct[2],
        )
    empty = StageWindow(0, 0, 0, None, None, None)
    return {stage: found.get(stage, empty) for stage in stages}


async def oldest_waiting_s(conn: Connection) -> dict[str, float | None]:
    """Per stage, how long the report that has waited longest for it has been waiting."""
    result: dict[str, float | None] = {}
    for stage, steps in WAITING_STEPS.items():
        result[stage] = await conn.fetchval(
            """SELECT extract(epoch FROM now() - min(updated_at))::float8 FROM reports
               WHERE status IN ('PENDING', 'PROCESSING') AND current_step = ANY($1::text[])""",
            list(steps),
        )
    return result


async def report_duration_s(conn: Connection, report_id: UUID) -> float | None:
    """From creation to final status, for a report that just ended (None if not final)."""
    value: float | None = await conn.fetchval(
        """SELECT extract(epoch FROM completed_at - created_at)::float8 FROM reports
           WHERE id = $1 AND completed_at IS NOT NULL""",
        report_id,
    )
    return value
