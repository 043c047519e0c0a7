"""Failures of the database steps around a stage's work, and messages for no report.

A failing completion transaction is an attempt like any other: retried through the back-off tiers
with a message that says what failed, parked after the last attempt -- never requeued at once in
a loop and parked as "worker stopped". An envelope naming a report that does not exist is parked,
not dropped as a duplicate.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import uuid4

import asyncpg

from shared.db import outbox
from shared.events import Envelope, ReportKind, routing
from tests.integration.doubles import RecordingStage, new_report
from tests.integration.harness import Pipeline


async def fail_storing_artifacts(pipe: Pipeline, times: int | None) -> None:
    """Make the completion transaction fail (a trigger on ``artifacts`` raises) ``times`` times,
    or always. A sequence counts the failures: unlike a table, it is not rolled back with them."""
    pool = await pipe.pool()
    limit = "true" if times is None else f"nextval('injected_failures') <= {times}"
    await pool.execute(
        f"""CREATE SEQUENCE injected_failures;
            CREATE FUNCTION fail_artifact() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF {limit} THEN RAISE EXCEPTION 'injected failure'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER fail_artifact BEFORE INSERT ON artifacts
                FOR EACH ROW EXECUTE FUNCTION fail_artifact();"""
    )


async def events_of(pipe: Pipeline, report_id: object) -> list[asyncpg.Record]:
    pool = await pipe.pool()
    return list(
        await pool.fetch("SELECT * FROM report_events WHERE report_id = $1 ORDER BY seq", report_id)
    )


async def test_a_failing_commit_is_retried_with_back_off_and_completes_once(
    pipeline: Pipeline,
) -> None:
    await fail_storing_artifacts(pipeline, times=2)
    stage = RecordingStage()
    await pipeline.start_stage(stage)
    await pipeline.start_relay()
    report_id = await new_report(pipeline)

    row = await pipeline.wait_for_status(report_id, timeout=30)

    assert row["status"] == "COMPLETE"
    assert stage.calls == 3  # three attempts, not five instant redeliveries
    events = await events_of(pipeline, report_id)
    retries = [e for e in events if e["outcome"] == "retrying"]
    assert [e["message"] for e in retries] == [
        "Attempt 1 of 3 failed: The ingestor stage failed storing the result in the database "
        "(RaiseError). Retrying in 0.1 s.",
        "Attempt 2 of 3 failed: The ingestor stage failed storing the result in the database "
        "(RaiseError). Retrying in 0.2 s.",
    ]
    completed = [e for e in events if e["outcome"] == "completed"]
    assert len(completed) == 1
    # The back-off tiers were honoured: each attempt came at least its delay after the last.
    assert retries[1]["at"] - retries[0]["at"] >= timedelta(milliseconds=100)
    assert completed[0]["at"] - retries[1]["at"] >= timedelta(milliseconds=200)
    pool = await pipeline.pool()
    assert await pool.fetchval("SELECT count(*) FROM artifacts") == 1
    assert await pool.fetchval("SELECT count(*) FROM dead_letters") == 0


async def test_a_commit_that_always_fails_is_parked_after_its_attempts_with_a_true_message(
    pipeline: Pipeline,
) -> None:
    await fail_storing_artifacts(pipeline, times=None)
    stage = RecordingStage()
    await pipeline.start_stage(stage)
    await pipeline.start_relay()
    report_id = await new_report(pipeline)

    row = await pipeline.wait_for_status(report_id, timeout=30)

    assert row["status"] == "FAILED"
    assert stage.calls == 3
    pool = await pipeline.pool()
    parked = await pool.fetchrow("SELECT * FROM dead_letters WHERE report_id = $1", report_id)
    assert parked is not None
    assert parked["reason"] == "attempts_exhausted"
    assert parked["attempts"] == 3
    assert parked["error_message"] == (
        "The ingestor stage failed storing the result in the database (RaiseError)."
    )
    assert "worker stopped" not in (row["error_message"] or "")
    assert await pool.fetchval("SELECT count(*) FROM artifacts") == 0


async def test_an_envelope_for_an_unknown_report_is_parked_not_dropped(pipeline: Pipeline) -> None:
    stage = RecordingStage()
    await pipeline.start_stage(stage)
    await pipeline.start_relay()
    ghost = Envelope(
        type=routing.REPORT_REQUESTED,
        report_id=uuid4(),
        tenant_id=uuid4(),
        kind=ReportKind.CODING,
    )
    pool = await pipeline.pool()
    async with pool.acquire() as conn:
        await outbox.enqueue_event(conn, ghost)

    async with asyncio.timeout(15):
        while not (parked := await pool.fetchrow("SELECT * FROM dead_letters")):
            await asyncio.sleep(0.05)

    assert stage.calls == 0
    assert parked["message_id"] == ghost.message_id
    assert parked["reason"] == "unknown_report"
    assert parked["error_class"] == "unknown_report"
    assert parked["report_id"] is None
    assert str(ghost.report_id) in parked["error_message"]
    assert Envelope.from_bytes(parked["body"]) == ghost
