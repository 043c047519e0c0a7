"""Raw input (the Bundle, with its PHI) is purged once its report ended longer ago than the
retention; inputs of reports still in progress or recently ended are kept (a replay needs them)."""

from __future__ import annotations

from datetime import timedelta

from shared.db.report_inputs import purge_raw_inputs
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
