"""Purging raw input: the Bundles clients sent (with their PHI) are not kept forever.

Raw input stays while its report is being produced and for ``retention`` after the report ended
(COMPLETE or FAILED), so a failed report can still be replayed by an admin; then it is deleted.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import structlog

from shared.db.pool import Pool
from shared.db.report_inputs import purge_raw_inputs
from shared.runtime import JobRun, every

log = structlog.get_logger(__name__)


async def purge_expired(pool: Pool, retention: timedelta) -> int:
    """Delete the raw input whose report ended more than ``retention`` ago; how many."""
    async with pool.acquire() as conn:
        purged = await purge_raw_inputs(conn, retention)
    if purged:
        log.info("retention.raw_inputs_purged", count=purged)
    return purged


def purge_job(pool: Pool, retention: timedelta, every_s: float) -> JobRun:
    """The background job that purges expired raw input every ``every_s`` seconds (a database
    outage postpones a round)."""
    return partial(every, every_s, partial(purge_expired, pool, retention), job="raw-input-purge")
