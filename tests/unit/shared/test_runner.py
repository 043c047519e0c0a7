"""The runner's delivery policy on the in-memory bus and store, with test-double stages.

What a user would notice, without a broker or a database: a report completes once however often
its message is delivered; a failing stage is retried with back-off and then FAILED with a readable,
PHI-free error; a permanent failure is not retried; a stage that hangs is cut off; a database step
that fails is an attempt like any other, and a database outage is waited out without using one up.
The same policy runs on RabbitMQ and PostgreSQL in tests/integration/test_delivery.py.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID, uuid4

import pytest

from shared.bus.protocol import OutgoingMessage
from shared.db.memory import MemoryArtifacts, MemoryProcessedMessages, MemoryReports
from shared.events import Envelope, ReportKind, ReportStatus, routing
from tests.stage_doubles import PHI_IN_AN_EXCEPTION, CountingAnalyzer, RecordingStage
from tests.unit.shared.conftest import MakeRoad
from tests.unit.shared.road import Road


def requested(report_id: UUID, tenant_id: UUID, message_id: UUID | None = None) -> OutgoingMessage:
    envelope = Envelope(
        message_id=message_id or uuid4(),
        type=routing.REPORT_REQUESTED,
        report_id=report_id,
        tenant_id=tenant_id,
        kind=ReportKind.CODING,
        payload={},
    )
    return OutgoingMessage(
        routing_key=envelope.type, body=envelope.to_bytes(), message_id=str(envelope.message_id)
    )


def open_dead_letters(road: Road) -> list[Any]:
    return list(road.store.tables.dead_letters.values())


async def test_a_report_completes_once_through_the_relay_and_the_stage(road: Road) -> None:
    stage = RecordingStage()
    report_id, report = await road.produce_one(stage)

    assert report.status is ReportStatus.COMPLETE
    assert report.progress_percent == 100
    assert report.result == {"pages": 1}
    assert report.started_at is not None
    assert report.processing_time_ms is not None
    assert road.audit(report_id) == [
        ("gateway", "accepted", "accepted"),
        ("ingestor", "ingesting", "started"),
        ("ingestor", "rendered", "completed"),
    ]
    artifact = road.store.tables.artifacts[(report_id, "report.pdf")]
    assert artifact.content == b"%PDF-1.7 test"
    await road.wait_until(lambda: not road.store.tables.outbox)  # every row published, deleted
    assert stage.calls == 1


async def test_the_next_event_goes_to_the_next_stage_under_a_stable_id(road: Road) -> None:
    analyzer = CountingAnalyzer()
    await road.start_stage(RecordingStage(final=False))
    await road.start_stage(analyzer)
    road.start_relay()
    report_id = await road.submit()

    report = await road.wait_for_final(report_id)

    assert report.status is ReportStatus.COMPLETE
    assert analyzer.payloads == [{"value": 1}]
    assert [step for _, step, _ in road.audit(report_id)] == [
        "accepted",
        "ingesting",
        "ingested",
        "analyzing",
        "analyzed",
    ]


async def test_a_redelivered_message_produces_no_second_event_artifact_or_call(road: Road) -> None:
    stage = RecordingStage()
    runner = await road.start_stage(stage)
    report_id = await road.submit()
    tenant = road.report(report_id).tenant_id
    message = requested(report_id, tenant)
    bus = road.bus()
    await bus.send_to_queue(runner.queue, message)
    await road.wait_for_final(report_id)
    events = road.audit(report_id)

    await bus.send_to_queue(runner.queue, message)  # what the broker does after a lost ack
    await road.wait_until(lambda: not road.broker.queues[runner.queue].ready)
    await asyncio.sleep(0.05)  # settled: acked as a duplicate

    assert stage.calls == 1
    assert road.audit(report_id) == events
    assert len(road.store.tables.artifacts) == 1


async def test_two_copies_at_once_are_worked_on_once(road: Road) -> None:
    stage = RecordingStage(["slow"])  # the second copy arrives while the first is worked on
    runner = await road.start_stage(stage)
    report_id = await road.submit()
    message = requested(report_id, road.report(report_id).tenant_id)
    bus = road.bus()
    await bus.send_to_queue(runner.queue, message)
    await bus.send_to_queue(runner.queue, message)

    await road.wait_for_final(report_id)
    await asyncio.sleep(0.05)

    assert stage.calls == 1
    assert [o for _, _, o in road.audit(report_id)].count("completed") == 1


async def test_a_failing_stage_is_retried_then_failed_with_a_phi_free_error(
    make_road: MakeRoad,
) -> None:
    road = make_road(max_attempts=3, retry_delays_ms=(20, 40))
    stage = RecordingStage(["crash", "crash", "crash"])
    report_id, report = await road.produce_one(stage)

    assert report.status is ReportStatus.FAILED
    assert stage.calls == 3
    assert report.retry_count == 2
    assert report.error_message == (
        "The ingestor stage failed with an internal error (RuntimeError)."
    )
    assert report.error_details is not None
    assert report.error_details["attempts"] == 3
    assert report.error_details["retryable"] is True
    outcomes = [o for _, _, o in road.audit(report_id)]
    assert outcomes == ["accepted", "started", "retrying", "retrying", "failed"]
    retries = [e.step.message for e in road.store.events_of(report_id) if e.step.retry]
    assert retries[0] is not None
    assert retries[0].endswith("Retrying in 0.02 s.")
    (letter,) = open_dead_letters(road)
    assert letter.parked.reason == "attempts_exhausted"
    assert letter.parked.error_class == "RuntimeError"
    stored = repr(road.store.tables)
    assert "John Smith" not in stored

    assert PHI_IN_AN_EXCEPTION not in stored


async def test_a_transient_failure_recovers_on_the_next_attempt(road: Road) -> None:
    stage = RecordingStage(["crash"])
    _, report = await road.produce_one(stage)

    assert report.status is ReportStatus.COMPLETE
    assert stage.calls == 2
    assert report.retry_count == 1
    assert not open_dead_letters(road)


async def test_a_permanent_failure_is_not_retried(road: Road) -> None:
    stage = RecordingStage(["permanent"])
    _, report = await road.produce_one(stage)

    assert report.status is ReportStatus.FAILED
    assert stage.calls == 1
    assert report.error_message == "The Bundle has no clinical note to code."
    assert report.retry_count == 0
    (letter,) = open_dead_letters(road)
    assert letter.parked.reason == "permanent_error"


async def test_a_stage_that_hangs_is_cut_off_by_the_stage_timeout(make_road: MakeRoad) -> None:
    road = make_road(stage_timeout_s=0.1, max_attempts=1)
    stage = RecordingStage(["hang"])
    _, report = await road.produce_one(stage)

    assert report.status is ReportStatus.FAILED
    assert report.error_message == "The ingestor stage did not finish within 0.1 s."
    assert report.error_details is not None
    assert report.error_details["cause"] == "timeout"


async def test_an_undecodable_message_is_parked_at_once(road: Road) -> None:
    stage = RecordingStage()
    runner = await road.start_stage(stage)
    bus = road.bus()
    await bus.send_to_queue(
        runner.queue, OutgoingMessage(routing_key="report.requested", body=b"{", message_id="x")
    )

    await road.wait_until(lambda: bool(open_dead_letters(road)))

    (letter,) = open_dead_letters(road)
    assert letter.parked.reason == "undecodable"
    assert letter.parked.report_id is None
    assert stage.calls == 0


async def test_a_message_for_no_report_is_parked_for_an_operator(road: Road) -> None:
    stage = RecordingStage()
    runner = await road.start_stage(stage)
    await road.bus().send_to_queue(runner.queue, requested(uuid4(), uuid4()))

    await road.wait_until(lambda: bool(open_dead_letters(road)))

    (letter,) = open_dead_letters(road)
    assert letter.parked.reason == "unknown_report"
    assert letter.parked.error_message.startswith("No report ")
    assert stage.calls == 0


async def test_a_report_already_final_takes_no_more_work(road: Road) -> None:
    stage = RecordingStage()
    runner = await road.start_stage(stage)
    report_id = await road.submit()
    road.report(report_id).status = ReportStatus.FAILED
    before = road.audit(report_id)

    await road.bus().send_to_queue(
        runner.queue, requested(report_id, road.report(report_id).tenant_id)
    )
    await asyncio.sleep(0.1)

    assert stage.calls == 0
    assert road.audit(report_id) == before


async def test_a_failed_database_step_is_a_failed_attempt_and_rolls_back(
    road: Road, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The artifact write fails once (a constraint, a trigger): nothing of that transaction
    stays — not the dedup claim, not the step — and the retry completes the report once."""
    real_store = MemoryArtifacts.store
    failures = [RuntimeError("value too long for type character varying(64)")]

    async def failing_store(self: MemoryArtifacts, *args: Any) -> None:
        if failures:
            raise failures.pop()
        await real_store(self, *args)

    monkeypatch.setattr(MemoryArtifacts, "store", failing_store)
    stage = RecordingStage()
    report_id, report = await road.produce_one(stage)

    assert report.status is ReportStatus.COMPLETE
    assert stage.calls == 2
    outcomes = [o for _, _, o in road.audit(report_id)]
    assert outcomes == ["accepted", "started", "retrying", "completed"]
    retry = next(e for e in road.store.events_of(report_id) if e.step.retry)
    assert retry.step.message is not None
    assert "failed storing the result in the database (RuntimeError)" in retry.step.message


async def test_a_database_outage_is_waited_out_without_using_up_an_attempt(
    make_road: MakeRoad, monkeypatch: pytest.MonkeyPatch
) -> None:
    road = make_road(max_attempts=1)
    real_check = MemoryProcessedMessages.seen_and_head
    outages = [ConnectionResetError("server closed the connection")]

    async def flaky_check(self: MemoryProcessedMessages, *args: Any) -> Any:
        if outages:
            raise outages.pop()
        return await real_check(self, *args)

    monkeypatch.setattr(MemoryProcessedMessages, "seen_and_head", flaky_check)
    stage = RecordingStage()
    _, report = await road.produce_one(stage)

    assert report.status is ReportStatus.COMPLETE  # with one attempt allowed, none was spent
    assert report.retry_count == 0


async def test_a_message_that_keeps_killing_its_worker_ends_failed(road: Road) -> None:
    """A worker that dies holding the message never reaches the runner's error handling: the
    work queue's delivery limit dead-letters it, and the recorder ends the report FAILED."""
    stage = RecordingStage()
    runner = await road.start_stage(stage)
    await runner.bus.cancel_consumers()
    recorder_bus = road.bus()
    from shared.delivery.parking import DeadLetterRecorder

    await DeadLetterRecorder(
        "ingestor", "ingesting", recorder_bus, road.store, runner.topology
    ).start()
    deliveries = 0

    async def dies(_: Any) -> None:
        nonlocal deliveries
        deliveries += 1
        raise SystemError("the worker died")

    await recorder_bus.consume(runner.queue, dies, prefetch=1)
    report_id = await road.submit()
    road.start_relay()

    report = await road.wait_for_final(report_id)

    assert report.status is ReportStatus.FAILED
    assert deliveries == road.settings.delivery_limit + 1
    assert report.error_message is not None
    assert "worker stopped" in report.error_message
    (letter,) = open_dead_letters(road)
    assert letter.parked.reason == "delivery_limit"
    assert letter.parked.grouped_as == "worker_lost"


async def test_every_step_is_told_to_subscribers_in_order(road: Road) -> None:
    await road.start_stage(RecordingStage())
    report_id = await road.submit()
    road.start_relay()
    await road.wait_for_final(report_id)

    notes = [note for _, _, note in road.store.tables.channel_events]
    assert [n.event_id for n in notes] == [1, 2, 3]
    assert [n.tenant_seq for n in notes] == [1, 2, 3]
    assert notes[-1].status is ReportStatus.COMPLETE


class GatedStage(RecordingStage):
    """Works until the test opens the gate, noting the report's step as the work begins."""

    def __init__(self, road: Road) -> None:
        super().__init__()
        self.road = road
        self.gate = asyncio.Event()
        self.step_at_start: list[str | None] = []

    async def handle(self, event: Envelope, ctx: Any) -> Any:
        self.step_at_start.append(self.road.report(event.report_id).current_step)
        await self.gate.wait()
        return await super().handle(event, ctx)


async def test_a_quick_stage_records_started_with_its_result_at_the_time_it_began(
    road: Road,
) -> None:
    stage = GatedStage(road)
    stage.gate.set()
    report_id, _ = await road.produce_one(stage)

    events = road.store.events_of(report_id)
    assert [(e.step.step, e.step.outcome) for e in events] == [
        ("accepted", "accepted"),
        ("ingesting", "started"),
        ("rendered", "completed"),
    ]
    assert events[0].at <= events[1].at <= events[2].at
    assert road.report(report_id).started_at == events[1].at
    assert stage.step_at_start == ["accepted"]


async def test_a_stage_still_at_work_shows_it_has_the_report(make_road: MakeRoad) -> None:
    road = make_road(stage_started_after_s=0.05)
    stage = GatedStage(road)
    await road.start_stage(stage)
    road.start_relay()
    report_id = await road.submit()

    await road.wait_until(lambda: road.report(report_id).current_step == "ingesting")
    assert road.report(report_id).status is ReportStatus.PROCESSING
    stage.gate.set()
    await road.wait_for_final(report_id)

    assert [o for _, _, o in road.audit(report_id)] == ["accepted", "started", "completed"]


async def test_started_can_be_recorded_before_the_work_begins(make_road: MakeRoad) -> None:
    road = make_road(stage_started_after_s=0)
    stage = GatedStage(road)
    stage.gate.set()
    report_id, _ = await road.produce_one(stage)

    assert stage.step_at_start == ["ingesting"]
    assert [o for _, _, o in road.audit(report_id)] == ["accepted", "started", "completed"]


async def test_a_quick_failure_still_says_the_stage_started(road: Road) -> None:
    stage = RecordingStage(["permanent"])
    report_id, report = await road.produce_one(stage)

    assert report.status is ReportStatus.FAILED
    assert [o for _, _, o in road.audit(report_id)] == ["accepted", "started", "failed"]


async def test_a_quick_hop_is_recorded_in_one_call_without_the_lock(
    road: Road, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The common case takes the one-call path (shared/db/stage_steps.py); the locked,
    step-by-step path is only for a report that moved since it was read."""
    calls: list[str] = []
    real_one_call = MemoryReports.record_steps_at
    real_step = MemoryReports.record_step

    async def one_call(self: MemoryReports, *args: Any, **kwargs: Any) -> Any:
        calls.append("one call")
        return await real_one_call(self, *args, **kwargs)

    async def step_by_step(self: MemoryReports, *args: Any, **kwargs: Any) -> Any:
        calls.append("under the lock")
        return await real_step(self, *args, **kwargs)

    monkeypatch.setattr(MemoryReports, "record_steps_at", one_call)
    monkeypatch.setattr(MemoryReports, "record_step", step_by_step)
    await road.start_stage(RecordingStage(final=False))
    await road.start_stage(CountingAnalyzer())
    road.start_relay()
    report_id = await road.submit()  # "accepted", as the gateway writes it

    await road.wait_for_final(report_id)

    assert calls == ["under the lock", "one call", "one call"]  # submit, ingestor, analyzer
    assert [o for _, _, o in road.audit(report_id)] == [
        "accepted",
        "started",
        "completed",
        "started",
        "completed",
    ]
