"""The pipeline's backlogs as gauges: outbox rows waiting and open dead letters, from PostgreSQL.

Read in the background every few seconds by one service (the gateway), so a scrape never queries
the database. A database outage leaves the last figures in place (and is logged once per outage).
"""

from __future__ import annotations

import asyncio

import asyncpg
import structlog

from shared.bus.topology import STAGES
from shared.db import deadletter_search, outbox
from shared.db.outage import is_outage
from shared.metrics import registry as m

log = structlog.get_logger(__name__)


async def refresh_backlog(pool: asyncpg.Pool) -> None:
    """Read the outbox and dead-letter backlogs once and set their gauges."""
    async with pool.acquire() as conn:
        backlog = await outbox.outbox_backlog(conn)
        dead = await deadletter_search.open_dead_letters(conn)
    m.OUTBOX_WAITING.set(backlog.rows)
    m.OUTBOX_OLDEST.set(backlog.oldest_age_s)
    for stage in {*STAGES, *dead}:
        m.DEAD_LETTERS_OPEN.labels(stage).set(dead.get(stage, 0))


async def watch_backlog(pool: asyncpg.Pool, interval_s: float) -> None:
    """:func:`refresh_backlog` every ``interval_s`` until cancelled."""
    failing = False
    while True:
        try:
            await refresh_backlog(pool)
            failing = False
        except Exception as exc:
            if not is_outage(exc) and not isinstance(exc, asyncpg.PostgresError):
                raise
            if not failing:
                log.warning("metrics.backlog_unavailable", error=type(exc).__name__)
            failing = True
        await asyncio.sleep(interval_s)
