"""Worker kill -9: the accepted report is neither lost nor done twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.integration.doubles import new_report
from tests.integration.harness import Pipeline

ROOT = Path(__file__).resolve().parents[2]


async def start_worker(pipe: Pipeline, delay_s: float) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        **{
            f"CLINRELAY_{k.upper()}": str(v)
            for k, v in pipe.overrides.items()
            if k != "retry_delays_ms"
        },
        "CLINRELAY_RETRY_DELAYS_MS": ",".join(str(d) for d in pipe.overrides["retry_delays_ms"]),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.reliability.stage_process",
        str(delay_s),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def wait_for_step(pipe: Pipeline, report_id: object, outcome: str) -> None:
    pool = await pipe.pool()
    async with asyncio.timeout(30):
        while not await pool.fetchval(
            "SELECT 1 FROM report_events WHERE report_id = $1 AND outcome = $2", report_id, outcome
        ):
            await asyncio.sleep(0.05)


async def test_worker_killed_mid_work_is_replaced_and_the_report_completes_once(
    pipeline: Pipeline,
) -> None:
    await pipeline.start_relay()
    victim = await start_worker(pipeline, delay_s=30)
    report_id = await new_report(pipeline)
    await wait_for_step(pipeline, report_id, "started")  # the victim holds the message

    victim.send_signal(signal.SIGKILL)
    await victim.wait()
    survivor = await start_worker(pipeline, delay_s=0.2)
    try:
        row = await pipeline.wait_for_status(report_id, timeout=60)
    finally:
        survivor.send_signal(signal.SIGTERM)
        await survivor.wait()

    pool = await pipeline.pool()
    assert row["status"] == "COMPLETE"
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM report_events WHERE report_id = $1 AND outcome = 'completed'",
            report_id,
        )
        == 1
    )
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM report_events WHERE report_id = $1 AND outcome = 'started'",
            report_id,
        )
        == 1
    )
    assert await pool.fetchval("SELECT count(*) FROM artifacts") == 1
    assert await pool.fetchval("SELECT count(*) FROM dead_letters") == 0


async def test_sigterm_lets_in_flight_work_finish(pipeline: Pipeline) -> None:
    await pipeline.start_relay()
    worker = await start_worker(pipeline, delay_s=1.0)
    report_id = await new_report(pipeline)
    await wait_for_step(pipeline, report_id, "started")

    worker.send_signal(signal.SIGTERM)
    code = await worker.wait()

    row = await pipeline.wait_for_status(report_id, timeout=5)
    assert code == 0
    assert row["status"] == "COMPLETE"
