"""Purging raw input: the Bundles clients sent (with their PHI) are not kept forever.

Raw input stays while its report is being produced and for ``retention`` after the report ended
(COMPLETE or FAILED), so a failed report can still be replayed by an admin; then it is deleted.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
import structlog

from shared.db.outage import is_outage

log = structlog.get_logger(__name__)


async def purge_raw_inputs(pool: asyncpg.Pool, retention: timedelta) -> int:
    """Delete the raw input of reports that ended more than ``retention`` ago; returns how many."""
    result: str = await pool.execute(
        """DELETE FROM report_inputs i USING reports r
           WHERE r.id = i.report_id
             AND r.status IN ('COMPLETE', 'FAILED')
             AND r.completed_at < now() - $1::interval""",
        retention,
    )
    return int(result.rsplit(" ", 1)[-1])


async def purge_periodically(pool: asyncpg.Pool, retention: timedelta, every_s: float) -> None:
    """Run :func:`purge_raw_inputs` every ``every_s`` seconds, forever."""
    while True:
        try:
            purged = await purge_raw_inputs(pool, retention)
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.warning("retention.purge_postponed", error=type(exc).__name__)
        else:
            if purged:
                log.info("retention.raw_inputs_purged", count=purged)
        await asyncio.sleep(every_s)
