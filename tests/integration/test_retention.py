"""Raw input (the Bundle, with its PHI) is purged once its report ended longer ago than the
retention; inputs of reports still in progress or recently ended are kept (a replay needs them)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from services.ingestor.retention import purge_job
from shared.db.report_inputs import purge_raw_inputs
from shared.runtime import Jobs
from tests.integration.doubles import new_report
from tests.integration.harness import Pipeline


async def test_raw_input_is_purged_after_retention_only(pipeline: Pipeline) -> None:
    old_complete, old_failed, recent, running = [await new_report(pipeline) for _ in range(4)]
    pool = await pipeline.pool()
    await pool.execute(
        """UPDATE reports SET status = CASE WHEN id = $2 THEN 'FAILED' ELSE 'COMPLETE' END,
                              completed_at = now() - interval '40 days'
           WHERE id = ANY($1::uuid[])""",
        [old_complete, old_failed],
        old_failed,
    )
    await pool.execute(
        "UPDATE reports SET status = 'COMPLETE', completed_at = now() - interval '1 day' "
        "WHERE id = $1",
        recent,
    )
    await pool.execute(
        "UPDATE reports SET status = 'PROCESSING', created_at = now() - interval '90 days' "
        "WHERE id = $1",
        running,
    )

    async with pool.acquire() as conn:
        purged = await purge_raw_inputs(conn, timedelta(days=30))

    kept = {r["report_id"] for r in await pool.fetch("SELECT report_id FROM report_inputs")}
    assert purged == 2
    assert kept == {recent, running}


async def test_the_ingestor_registers_the_purge_as_a_job_the_runtime_runs(
    pipeline: Pipeline,
) -> None:
    """The purge is a background job of the service runtime, not a task of the factory: the
    factory only adds it; it runs once the runtime starts the jobs, and stops when asked."""
    expired = await new_report(pipeline)
    pool = await pipeline.pool()
    await pool.execute(
        "UPDATE reports SET status = 'COMPLETE', completed_at = now() - interval '40 days' "
        "WHERE id = $1",
        expired,
    )
    jobs = Jobs()
    jobs.add("raw-input-purge", purge_job(pool, timedelta(days=30), every_s=0.05))
    await asyncio.sleep(0.1)
    assert await pool.fetchval("SELECT count(*) FROM report_inputs WHERE report_id = $1", expired)

    jobs.start()
    try:
        async with asyncio.timeout(10):
            while await pool.fetchval(
                "SELECT count(*) FROM report_inputs WHERE report_id = $1", expired
            ):
                await asyncio.sleep(0.02)
    finally:
        async with asyncio.timeout(5):
            await jobs.stop()
