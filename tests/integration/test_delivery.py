"""The runner's delivery policy on the real broker and database, with test-double stages.

What a user would notice: a report completes once, however often its message is delivered; a
failing stage is retried with back-off and then FAILED with a readable error; a permanent failure
is not retried; a parked message can be replayed; a message that kills its worker every time ends
FAILED instead of looping; nothing here depends on the real stages' domain code.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

import aio_pika
import orjson

from shared.bus.protocol import OutgoingMessage
from shared.db.deadletters import list_dead_letters, replay_dead_letter
from shared.events import Envelope, ReportKind, routing
from tests.integration.doubles import CountingAnalyzer, RecordingStage, new_report
from tests.integration.harness import Pipeline


async def audit(pipe: Pipeline, report_id: UUID) -> list[tuple[str, str, str]]:
    pool = await pipe.pool()
    rows = await pool.fetch(
        "SELECT actor, step, outcome FROM report_events WHERE report_id = $1 ORDER BY seq",
        report_id,
    )
    return [(r["actor"], r["step"], r["outcome"]) for r in rows]


async def test_report_completes_once_through_outbox_relay_and_stage(pipeline: Pipeline) -> None:
    stage = RecordingStage()
    await pipeline.start_stage(stage)
    await pipeline.start_relay()
    report_id = await new_report(pipeline)

    row = await pipeline.wait_for_status(report_id)

    assert row["status"] == "COMPLETE"
    assert row["progress_percent"] == 100
    assert row["result"] == {"pages": 1}
    assert row["started_at"] is not None
    assert row["completed_at"] is not None
    assert row["processing_time_ms"] >= 0
    assert await audit(pipeline, report_id) == [
        ("gateway", "accepted", "accepted"),
        ("ingestor", "ingesting", "started"),
        ("ingestor", "rendered", "completed"),
    ]
    pool = await pipeline.pool()
    assert (
        await pool.fetchval("SELECT count(*) FROM artifacts WHERE report_id = $1", report_id) == 1
    )
    async with asyncio.timeout(5):  # the relay publishes the final notification, then deletes it
        while await pool.fetchval("SELECT count(*) FROM outbox"):
            await asyncio.sleep(0.02)


async def test_redelivered_message_produces_no_second_row_event_or_artifact(
    pipeline: Pipeline,
) -> None:
    ingestor = RecordingStage(final=False)
    analyzer = CountingAnalyzer()
    await pipeline.start_stage(ingestor)
    await pipeline.start_stage(analyzer)
    await pipeline.start_relay()
    report_id = await new_report(pipeline)
    await pipeline.wait_for_status(report_id)
    events_before = await audit(pipeline, report_id)

    # The broker redelivers the very same report.requested message (same message id), as it
    # would after a worker died between committing and acking.
    pool = await pipeline.pool()
    bus = await pipeline.bus()
    original = Envelope(
        message_id=await _first_message_id(pipeline),
        type=routing.REPORT_REQUESTED,
        report_id=report_id,
        tenant_id=await pool.fetchval("SELECT tenant_id FROM reports WHERE id = $1", report_id),
        kind=ReportKind.CODING,
    )
    for _ in range(2):
        await bus.send_to_queue(
            bus.topology.work_queue("ingestor"),
            OutgoingMessage(
                routing.REPORT_REQUESTED, original.to_bytes(), str(original.message_id)
            ),
        )
    await _until_queue_empty(pipeline, "ingestor")
    await asyncio.sleep(0.3)

    assert ingestor.calls == 1
    assert len(analyzer.payloads) == 1
    assert await audit(pipeline, report_id) == events_before


async def _first_message_id(pipe: Pipeline) -> UUID:
    pool = await pipe.pool()
    message_id: UUID = await pool.fetchval(
        "SELECT message_id FROM processed_messages WHERE stage = 'ingestor'"
    )
    return message_id


async def _until_queue_empty(pipe: Pipeline, stage: str) -> None:
    bus = await pipe.bus()
    async with asyncio.timeout(10):
        while True:
            state = await bus.queue_state(bus.topology.work_queue(stage))
            if state is not None and state.messages == 0:
                return
            await asyncio.sleep(0.05)


async def test_failing_stage_is_retried_then_failed_with_a_readable_phi_free_error(
    pipeline: Pipeline,
) -> None:
    stage = RecordingStage(["crash", "crash", "crash", "crash"])
    await pipeline.start_stage(stage)
    await pipeline.start_relay()
    report_id = await new_report(pipeline)

    row = await pipeline.wait_for_status(report_id)

    assert row["status"] == "FAILED"
    assert stage.calls == 3
    assert row["retry_count"] == 2
    assert row["error_message"] == (
        "The ingestor stage failed with an internal error (RuntimeError)."
    )
    assert row["error_details"]["attempts"] == 3
    assert row["error_details"]["stage"] == "ingestor"
    # The exception text quoted PHI; none of it may reach the report, the audit trail or parking.
    pool = await pipeline.pool()
    everything = orjson.dumps(
        [dict(r) for r in await pool.fetch("SELECT * FROM report_events")]
        + [dict(row)]
        + [
            dict(r)
            for r in await pool.fetch("SELECT reason, error_message, headers FROM dead_letters")
        ],
        default=str,
    ).decode()
    assert "John Smith" not in everything
    assert "1950" not in everything
    outcomes = [outcome for _, _, outcome in await audit(pipeline, report_id)]
    assert outcomes == ["accepted", "started", "retrying", "retrying", "failed"]
    async with pool.acquire() as conn:
        parked = await list_dead_letters(conn, stage="ingestor", include_replayed=False, limit=10)
    assert [(p["report_id"], p["reason"], p["attempts"]) for p in parked] == [
        (report_id, "attempts_exhausted", 3)
    ]


async def test_transient_failure_recovers_on_retry(pipeline: Pipeline) -> None:
    stage = RecordingStage(["crash"])
    await pipeline.start_stage(stage)
    await pipeline.start_relay()
    report_id = await new_report(pipeline)

    row = await pipeline.wait_for_status(report_id)

    assert row["status"] == "COMPLETE"
    assert row["retry_count"] == 1
    assert stage.calls == 2


async def test_permanent_failure_is_not_retried(pipeline: Pipeline) -> None:
    stage = RecordingStage(["permanent"])
    await pipeline.start_stage(stage)
    await pipeline.start_relay()
    report_id = await new_report(pipeline)

    row = await pipeline.wait_for_status(report_id)

    assert row["status"] == "FAILED"
    assert row["error_message"] == "The Bundle has no clinical note to code."
    assert row["error_details"]["retryable"] is False
    assert stage.calls == 1


async def test_parked_message_replayed_by_admin_completes_the_report(pipeline: Pipeline) -> None:
    stage = RecordingStage(["permanent"])
    await pipeline.start_stage(stage)
    await pipeline.start_relay()
    report_id = await new_report(pipeline)
    await pipeline.wait_for_status(report_id)
    pool = await pipeline.pool()
    async with pool.acquire() as conn:
        [parked] = await list_dead_letters(conn, stage=None, include_replayed=False, limit=5)
        async with conn.transaction():
            await replay_dead_letter(conn, parked["id"], actor="admin:test")

    row = await pipeline.wait_for_status(report_id, ("COMPLETE",))

    assert row["error_message"] is None
    steps = [(step, outcome) for _, step, outcome in await audit(pipeline, report_id)]
    assert ("replayed", "replayed") in steps
    assert steps[-1] == ("rendered", "completed")
    async with pool.acquire() as conn:
        assert await list_dead_letters(conn, stage=None, include_replayed=False, limit=5) == []


async def test_message_that_keeps_killing_its_worker_ends_failed(pipeline: Pipeline) -> None:
    # Only the dead-letter recorder runs: a raw consumer plays a worker that dies holding the
    # message (it is requeued each time) until the quorum queue's delivery limit parks it.
    stage = RecordingStage()
    await pipeline.start_stage(stage)
    runner = pipeline.runners["ingestor"]
    await runner.bus.cancel_consumers()
    recorder_bus = await pipeline.bus()
    from shared.db.postgres import PgStore
    from shared.delivery.parking import DeadLetterRecorder

    await DeadLetterRecorder(
        "ingestor", "ingesting", recorder_bus, PgStore(await pipeline.pool()), runner.topology
    ).start()
    report_id = await new_report(pipeline)
    await pipeline.start_relay()

    connection = await aio_pika.connect(pipeline.amqp_url)
    deliveries = 0
    try:
        channel = await connection.channel()
        queue = await channel.get_queue(runner.topology.work_queue("ingestor"), ensure=False)
        async with asyncio.timeout(20):
            while True:
                message = await queue.get(fail=False)
                if message is None:
                    if deliveries > runner.topology.delivery_limit:
                        break
                    await asyncio.sleep(0.05)
                    continue
                deliveries += 1
                await message.reject(requeue=True)
    finally:
        await connection.close()

    row = await pipeline.wait_for_status(report_id)
    assert row["status"] == "FAILED"
    assert "stopped" in row["error_message"]
    assert "parked" in row["error_message"]
    assert stage.calls == 0
    pool = await pipeline.pool()
    reasons = await pool.fetch("SELECT reason FROM dead_letters WHERE report_id = $1", report_id)
    assert [r["reason"] for r in reasons] == ["delivery_limit"]


async def test_undecodable_message_is_parked_not_retried(pipeline: Pipeline) -> None:
    stage = RecordingStage()
    await pipeline.start_stage(stage)
    bus = await pipeline.bus()
    await bus.send_to_queue(
        bus.topology.work_queue("ingestor"),
        OutgoingMessage(
            "report.requested", b"not json at all", "9d1c0f5e-0000-4000-8000-000000000001"
        ),
    )
    pool = await pipeline.pool()
    async with asyncio.timeout(10):
        while not await pool.fetchval("SELECT count(*) FROM dead_letters"):
            await asyncio.sleep(0.05)
    reason = await pool.fetchval("SELECT reason FROM dead_letters")
    assert reason == "undecodable"
    assert stage.calls == 0


async def test_reports_accepted_while_no_relay_runs_are_delivered_later(
    pipeline: Pipeline,
) -> None:
    # Reports accepted while no relay runs stay in the outbox and are delivered once one starts.
    report_ids = [await new_report(pipeline) for _ in range(5)]
    pool = await pipeline.pool()
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 10  # requested + notification
    await pipeline.start_stage(RecordingStage())
    await pipeline.start_relay()
    for report_id in report_ids:
        assert (await pipeline.wait_for_status(report_id))["status"] == "COMPLETE"


async def test_an_unroutable_work_event_stays_in_the_outbox_until_its_queue_exists(
    pipeline: Pipeline,
) -> None:
    # A notification nobody listens to may go nowhere; a work event must never be dropped.
    relay = await pipeline.start_relay()
    bus = await pipeline.bus()
    work_queue = bus.topology.work_queue("ingestor")
    admin = await aio_pika.connect(pipeline.amqp_url)
    channel = await admin.channel()
    await channel.queue_delete(work_queue)
    await admin.close()
    report_id = await new_report(pipeline)
    pool = await pipeline.pool()

    async with asyncio.timeout(10):
        while relay.last_error is None:
            await asyncio.sleep(0.05)
    # Held back (not dropped); the notification beside it went on its way.
    assert await pool.fetchval("SELECT routing_key FROM outbox") == "report.requested"
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 1

    await bus.declare_topology()  # the ingestor comes up and declares its queue

    async with asyncio.timeout(15):
        while await pool.fetchval("SELECT count(*) FROM outbox"):
            await asyncio.sleep(0.05)
    state = await bus.queue_state(work_queue)
    assert state is not None
    assert state.messages == 1
    assert (await pool.fetchval("SELECT status FROM reports WHERE id = $1", report_id)) == "PENDING"
