"""What the delivery layer relies on from its store, on both stores (see conftest.py): a step is
recorded by record_step's rules with its notification first in the outbox; a transaction that
fails leaves nothing; dedup and parking keys are unique; the outbox is claimed oldest first,
without held-back rows, with per-tenant admission; a commit with outbox rows wakes a listener."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID, uuid4

import pytest

from shared.db.deadletters import ParkedMessage
from shared.db.outbox import event_row
from shared.db.reports import Step
from shared.events import Envelope, ReportKind, ReportStatus, routing
from tests.store.conftest import Subject


def step(outcome: str, status: ReportStatus, progress: int | None, **extra: Any) -> Step:
    return Step(
        actor="ingestor",
        step=f"step-{outcome}",
        outcome=outcome,
        status=status,
        progress_percent=progress,
        **extra,
    )


def parked(report_id: UUID | None, message_id: UUID | None = None) -> ParkedMessage:
    return ParkedMessage(
        stage="ingestor",
        message_id=message_id or uuid4(),
        report_id=report_id,
        routing_key=routing.REPORT_REQUESTED,
        body=b"{}",
        headers={},
        reason="attempts_exhausted",
        error_message="The ingestor stage failed.",
        attempts=3,
    )


async def test_a_step_applies_and_a_late_or_lower_one_does_not(subject: Subject) -> None:
    report = await subject.new_report(uuid4())
    async with subject.store.transaction() as db:
        first = await db.reports.record_step(report, step("started", ReportStatus.PROCESSING, 10))
        lower = await db.reports.record_step(report, step("late", ReportStatus.PROCESSING, 5))
        again = await db.reports.record_step(
            report, step("started", ReportStatus.PROCESSING, 10), unless_step="step-started"
        )
        done = await db.reports.record_step(report, step("completed", ReportStatus.COMPLETE, 100))
        after = await db.reports.record_step(report, step("late", ReportStatus.PROCESSING, 100))
        reopened = await db.reports.record_step(
            report, step("replayed", ReportStatus.PROCESSING, None, reopen=True)
        )

    assert first is not None
    assert (first.event_id, first.tenant_seq) == (1, 1)
    assert lower is None
    assert again is None
    assert done is not None
    assert (done.event_id, done.tenant_seq, done.progress_percent) == (2, 2, 100)
    assert after is None
    assert reopened is not None
    assert (reopened.event_id, reopened.progress_percent) == (3, 100)  # progress kept
    assert await subject.events(report) == ["started", "completed", "replayed"]
    assert await subject.status(report) is ReportStatus.PROCESSING


async def test_the_notification_goes_first_then_the_rows_the_step_carries(
    subject: Subject,
) -> None:
    tenant = uuid4()
    report = await subject.new_report(tenant)
    follow = Envelope(
        type=routing.REPORT_INGESTED,
        report_id=report,
        tenant_id=tenant,
        kind=ReportKind.CODING,
        payload={},
    )
    async with subject.store.transaction() as db:
        await db.reports.record_step(
            report, step("completed", ReportStatus.PROCESSING, 40), enqueue=[event_row(follow)]
        )
    assert await subject.outbox_keys() == [routing.REPORT_PROGRESS, routing.REPORT_INGESTED]


async def test_a_transaction_that_fails_leaves_nothing(subject: Subject) -> None:
    report = await subject.new_report(uuid4())
    message = uuid4()

    async def write_then_fail() -> None:
        async with subject.store.transaction() as db:
            assert await db.processed.claim(message, "ingestor")
            await db.reports.record_step(report, step("completed", ReportStatus.COMPLETE, 100))
            raise RuntimeError("after the writes")

    with pytest.raises(RuntimeError, match="after the writes"):
        await write_then_fail()

    async with subject.store.connection() as db:
        seen, head = await db.processed.seen_and_head(message, "ingestor", report)
    assert head is not None
    assert (seen, head.status, head.event_seq) == (False, ReportStatus.PENDING, 0)
    assert await subject.events(report) == []
    assert await subject.outbox_keys() == []


async def test_a_message_is_claimed_once_per_stage(subject: Subject) -> None:
    report = await subject.new_report(uuid4())
    message = uuid4()
    async with subject.store.transaction() as db:
        claims = [
            await db.processed.claim(message, "ingestor"),
            await db.processed.claim(message, "ingestor"),
            await db.processed.claim(message, "analyzer"),
        ]
    async with subject.store.connection() as db:
        seen, head = await db.processed.seen_and_head(message, "ingestor", report)
        unknown = await db.processed.seen_and_head(uuid4(), "ingestor", uuid4())
    assert claims == [True, False, True]
    assert seen
    assert head is not None
    assert head.status is ReportStatus.PENDING
    assert unknown == (False, None)


async def test_a_give_up_is_parked_once_and_fails_its_report_once(subject: Subject) -> None:
    report = await subject.new_report(uuid4())
    message = uuid4()
    async with subject.store.transaction() as db:
        first = await db.dead_letters.park_and_fail(
            parked(report, message), working_step="ingesting", error_details={"cause": "x"}
        )
        second = await db.dead_letters.park_and_fail(
            parked(report, message), working_step="ingesting", error_details={"cause": "x"}
        )
        duration = await db.reports.duration_s(report)
    assert (first, second) == (True, False)
    assert await subject.status(report) is ReportStatus.FAILED
    assert await subject.events(report) == ["failed"]
    assert duration is not None
    assert duration >= 0


async def test_a_parked_message_naming_no_report_keeps_no_report(subject: Subject) -> None:
    async with subject.store.connection() as db:
        assert await db.dead_letters.park(parked(uuid4()))
    assert await subject.dead_letter_reports() == [None]


async def test_the_outbox_is_claimed_oldest_first_without_held_back_rows(
    subject: Subject,
) -> None:
    reports = [await subject.new_report(uuid4()) for _ in range(3)]
    for report in reports:
        async with subject.store.transaction() as db:
            await db.reports.record_step(report, step("started", ReportStatus.PROCESSING, 10))
    async with subject.store.transaction() as db:
        claimed = await db.outbox.claim_batch(2)
        await db.outbox.hold_back(claimed[0].id, 60.0, "unroutable")
    async with subject.store.transaction() as db:
        again = await db.outbox.claim_batch(10)
        await db.outbox.delete_published([row.id for row in again])

    assert [row.refusals for row in claimed] == [0, 0]
    assert claimed[0].id < claimed[1].id
    assert claimed[0].id not in {row.id for row in again}  # held back for a minute
    assert [row.id for row in again] == sorted(row.id for row in again)
    assert len(again) == 2
    assert len(await subject.outbox_keys()) == 1


async def test_a_tenant_is_admitted_up_to_its_quota(subject: Subject) -> None:
    busy, quiet = uuid4(), uuid4()
    reports = [await subject.new_report(busy) for _ in range(3)] + [await subject.new_report(quiet)]
    for report, tenant in zip(reports, [busy, busy, busy, quiet], strict=True):
        requested = Envelope(
            type=routing.REPORT_REQUESTED,
            report_id=report,
            tenant_id=tenant,
            kind=ReportKind.CODING,
            payload={},
        )
        async with subject.store.transaction() as db:
            await db.reports.record_step(
                report,
                step("accepted", ReportStatus.PENDING, 0),
                enqueue=[event_row(requested)],
            )
    async with subject.store.transaction() as db:
        claimed = await db.outbox.claim_batch(100, tenant_in_flight=2)

    requests = [r for r in claimed if r.message.routing_key == routing.REPORT_REQUESTED]
    assert len(requests) == 3  # two of the busy tenant's three, and the quiet tenant's one
    assert len(claimed) == 7  # and the four notifications, which no quota holds


async def test_a_commit_with_outbox_rows_wakes_a_listener(subject: Subject) -> None:
    report = await subject.new_report(uuid4())
    woken = asyncio.Event()
    listener = await subject.store.listen_outbox(woken.set)
    try:
        async with subject.store.transaction() as db:
            await db.reports.record_step(report, step("started", ReportStatus.PROCESSING, 10))
        async with asyncio.timeout(5):
            await woken.wait()
    finally:
        await listener.close()
    assert listener.is_closed()
