"""Purging raw input: the Bundles clients sent (with their PHI) are not kept forever.

Raw input stays while its report is being produced and for ``retention`` after the report ended
(COMPLETE or FAILED), so a failed report can still be replayed by an admin; then it is deleted.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog

from shared.db.outage import is_outage
from shared.db.pool import Pool
from shared.db.report_inputs import purge_raw_inputs

log = structlog.get_logger(__name__)


async def purge_periodically(pool: Pool, retention: timedelta, every_s: float) -> None:
    """Delete expired raw input every ``every_s`` seconds, forever (outages are waited out)."""
    while True:
        try:
            async with pool.acquire() as conn:
                purged = await purge_raw_inputs(conn, retention)
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.warning("retention.purge_postponed", error=type(exc).__name__)
        else:
            if purged:
                log.info("retention.raw_inputs_purged", count=purged)
        await asyncio.sleep(every_s)
