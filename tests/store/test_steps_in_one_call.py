"""A stage's steps recorded in one call from the report as it was read (shared/db/stage_steps.py),
on both stores: the same trail, notifications and feed numbers as record_step writes, the
de-duplication claim with them, and nothing at all when the report moved on or the message was
already processed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import orjson

from shared.db.outbox import event_row
from shared.db.reports import ReportHead, Step
from shared.db.stage_steps import NotRecorded, StepsCall, StepsRecorded, TimedStep
from shared.events import Envelope, ReportKind, ReportStatus, StatusNotification, routing
from shared.events.envelope import utcnow
from shared.events.notification import ALERT_OUTCOME, EARLIER_NOTES_HEADER
from tests.store.conftest import Subject


def started() -> Step:
    return Step("ingestor", "ingesting", "started", ReportStatus.PROCESSING, 10)


def done(**extra: Any) -> Step:
    return Step("ingestor", "ingested", "completed", ReportStatus.PROCESSING, 35, **extra)


async def read_head(subject: Subject, report: UUID, message: UUID) -> ReportHead:
    async with subject.store.connection() as db:
        seen, head = await db.processed.seen_and_head(message, "ingestor", report)
    assert not seen
    assert head is not None
    return head


async def accepted(subject: Subject, tenant: UUID) -> UUID:
    report = await subject.new_report(tenant)
    async with subject.store.transaction() as db:
        await db.reports.record_step(
            report, Step("gateway", "accepted", "accepted", ReportStatus.PENDING, 0)
        )
    return report


def next_event(report: UUID, tenant: UUID) -> Envelope:
    return Envelope(
        type=routing.REPORT_INGESTED,
        report_id=report,
        tenant_id=tenant,
        kind=ReportKind.CODING,
        payload={"value": 1},
    )


async def test_started_the_result_the_next_event_and_the_claim_go_in_one_call(
    subject: Subject,
) -> None:
    tenant = uuid4()
    report = await accepted(subject, tenant)
    message = uuid4()
    head = await read_head(subject, report, message)
    began = utcnow()
    follow = next_event(report, tenant)
    # A result that itself holds a "tenant_seq" key: the feed's number goes in the right place.
    result_details = {"tenant_seq": 1111111111111111, "note": "ünïcode"}

    async with subject.store.connection() as db:
        recorded = await db.reports.record_steps_at(
            report,
            head,
            [
                TimedStep(started(), began, unless_step="ingesting"),
                TimedStep(done(details=result_details), began + timedelta(milliseconds=3)),
            ],
            claim=(message, "ingestor"),
            enqueue=[event_row(follow)],
            artifacts=[("analysis.json", "application/json", b'{"codes": []}')],
        )

    assert isinstance(recorded, StepsRecorded)
    assert [(n.event_id, n.tenant_seq) for n in recorded.notes] == [(2, 2), (3, 3)]
    assert recorded.notes[0].at == began
    assert (recorded.head.event_seq, recorded.head.current_step) == (3, "ingested")
    assert recorded.duration_s is None
    assert await subject.events(report) == ["accepted", "started", "completed"]
    assert await subject.trail_intact(report)
    assert await subject.status(report) is ReportStatus.PROCESSING
    # "started" rides on the step's own notification: one message tells both, in order.
    assert await subject.outbox_keys() == [
        routing.REPORT_PROGRESS,  # accepted
        routing.REPORT_PROGRESS,  # started, then the step
        routing.REPORT_INGESTED,
    ]
    bodies = await subject.outbox_bodies()
    riders = (await subject.outbox_headers())[1][EARLIER_NOTES_HEADER]
    told = [StatusNotification.model_validate_json(body) for body in [*riders, bodies[1]]]
    assert told == list(recorded.notes)
    assert [r.encode() for r in riders] + [bodies[1]] == [
        n.model_dump_json().encode() for n in told
    ]
    assert bodies[2] == follow.to_bytes()
    assert [
        (seq, body["tenant_seq"], body["current_step"]) for seq, body in await subject.feed(tenant)
    ] == [(1, 1, "accepted"), (2, 2, "ingesting"), (3, 3, "ingested")]
    assert await subject.artifact(report, "analysis.json") == b'{"codes": []}'
    async with subject.store.connection() as db:
        seen, _ = await db.processed.seen_and_head(message, "ingestor", report)
    assert seen


async def test_the_feed_numbers_the_events_of_every_report_of_the_tenant_in_order(
    subject: Subject,
) -> None:
    tenant = uuid4()
    first, second = await accepted(subject, tenant), await accepted(subject, tenant)
    for report in (first, second):
        head = await read_head(subject, report, uuid4())
        async with subject.store.connection() as db:
            recorded = await db.reports.record_steps_at(
                report, head, [TimedStep(started(), utcnow()), TimedStep(done(), utcnow())]
            )
        assert isinstance(recorded, StepsRecorded)

    feed = await subject.feed(tenant)
    assert [seq for seq, _ in feed] == [1, 2, 3, 4, 5, 6]
    assert [body["tenant_seq"] for _, body in feed] == [1, 2, 3, 4, 5, 6]
    assert [body["report_id"] for _, body in feed][2:] == [str(first)] * 2 + [str(second)] * 2


async def test_a_report_that_moved_since_it_was_read_gets_nothing_and_claims_nothing(
    subject: Subject,
) -> None:
    tenant = uuid4()
    report = await accepted(subject, tenant)
    message = uuid4()
    head = await read_head(subject, report, message)
    async with subject.store.transaction() as db:  # another step lands meanwhile
        await db.reports.record_step(report, started())
    keys = await subject.outbox_keys()

    async with subject.store.connection() as db:
        recorded = await db.reports.record_steps_at(
            report,
            head,
            [TimedStep(done(), utcnow())],
            claim=(message, "ingestor"),
            enqueue=[event_row(next_event(report, tenant))],
        )

    assert recorded is NotRecorded.MOVED
    assert await subject.events(report) == ["accepted", "started"]
    assert await subject.outbox_keys() == keys
    async with subject.store.connection() as db:
        seen, now = await db.processed.seen_and_head(message, "ingestor", report)
    assert not seen  # the locked path claims it when it records the step
    assert now is not None
    assert now.event_seq == 2


async def test_a_message_already_processed_writes_nothing(subject: Subject) -> None:
    tenant = uuid4()
    report = await accepted(subject, tenant)
    message = uuid4()
    head = await read_head(subject, report, message)
    async with subject.store.transaction() as db:
        assert await db.processed.claim(message, "ingestor")

    async with subject.store.connection() as db:
        recorded = await db.reports.record_steps_at(
            report, head, [TimedStep(done(), utcnow())], claim=(message, "ingestor")
        )

    assert recorded is NotRecorded.DUPLICATE
    assert await subject.events(report) == ["accepted"]
    assert await subject.outbox_keys() == [routing.REPORT_PROGRESS]


async def test_steps_record_step_would_leave_out_are_left_out(subject: Subject) -> None:
    tenant = uuid4()
    report = await accepted(subject, tenant)
    async with subject.store.transaction() as db:  # a retry finds the stage at work already
        await db.reports.record_step(report, started())
    head = await read_head(subject, report, uuid4())
    lower = Step("ingestor", "ingesting", "late", ReportStatus.PROCESSING, 5)

    async with subject.store.connection() as db:
        again = await db.reports.record_steps_at(
            report,
            head,
            [
                TimedStep(started(), utcnow(), unless_step="ingesting"),
                TimedStep(lower, utcnow()),
                TimedStep(done(), utcnow()),
            ],
        )
    head = await read_head(subject, report, uuid4())
    async with subject.store.connection() as db:
        going_back = await db.reports.record_steps_at(report, head, [TimedStep(lower, utcnow())])

    assert isinstance(again, StepsRecorded)
    assert [n.outcome for n in again.notes] == ["completed"]
    assert going_back is NotRecorded.MOVED  # the last step would not be recorded
    assert await subject.events(report) == ["accepted", "started", "completed"]
    assert await subject.trail_intact(report)


async def test_a_final_step_ends_the_report_and_says_how_long_it_took(subject: Subject) -> None:
    tenant = uuid4()
    report = await accepted(subject, tenant)
    head = await read_head(subject, report, uuid4())
    final = Step(
        "renderer", "rendered", "completed", ReportStatus.COMPLETE, 100, result={"pages": 2}
    )

    async with subject.store.connection() as db:
        recorded = await db.reports.record_steps_at(
            report, head, [TimedStep(started(), utcnow()), TimedStep(final, utcnow())]
        )

    assert isinstance(recorded, StepsRecorded)
    assert recorded.duration_s is not None
    assert recorded.duration_s >= 0
    assert recorded.head.status is ReportStatus.COMPLETE
    assert await subject.status(report) is ReportStatus.COMPLETE
    keys = await subject.outbox_keys()
    assert keys[-1] == routing.REPORT_COMPLETED
    completed = orjson.loads((await subject.outbox_bodies())[-1])
    assert completed["result"] == {"pages": 2}
    assert await subject.trail_intact(report)


async def test_an_alert_in_the_call_sends_every_notification_on_its_own(subject: Subject) -> None:
    # The outbound worker consumes alerts and final notifications: they never ride in a header,
    # and a progress note before an alert goes alone so subscribers get them in order.
    tenant = uuid4()
    report = await accepted(subject, tenant)
    head = await read_head(subject, report, uuid4())
    alert = Step(
        "ingestor", "ingested", ALERT_OUTCOME, ReportStatus.PROCESSING, message="a trend alert"
    )

    async with subject.store.connection() as db:
        recorded = await db.reports.record_steps_at(
            report,
            head,
            [
                TimedStep(started(), utcnow()),
                TimedStep(alert, utcnow()),
                TimedStep(done(), utcnow()),
            ],
        )

    assert isinstance(recorded, StepsRecorded)
    assert await subject.outbox_keys() == [
        routing.REPORT_PROGRESS,  # accepted
        routing.REPORT_PROGRESS,
        routing.REPORT_ALERT,
        routing.REPORT_PROGRESS,
    ]
    assert all(EARLIER_NOTES_HEADER not in h for h in await subject.outbox_headers())
    told = [StatusNotification.model_validate_json(b) for b in await subject.outbox_bodies()]
    assert told[1:] == list(recorded.notes)


async def test_the_final_notification_carries_the_started_one(subject: Subject) -> None:
    tenant = uuid4()
    report = await accepted(subject, tenant)
    head = await read_head(subject, report, uuid4())
    final = Step("renderer", "rendered", "completed", ReportStatus.COMPLETE, 100, result={})

    async with subject.store.connection() as db:
        recorded = await db.reports.record_steps_at(
            report, head, [TimedStep(started(), utcnow()), TimedStep(final, utcnow())]
        )

    assert isinstance(recorded, StepsRecorded)
    assert await subject.outbox_keys() == [routing.REPORT_PROGRESS, routing.REPORT_COMPLETED]
    riders = (await subject.outbox_headers())[1][EARLIER_NOTES_HEADER]
    assert [StatusNotification.model_validate_json(r) for r in riders] == [recorded.notes[0]]


async def test_several_results_in_one_statement_each_as_alone(subject: Subject) -> None:
    # Group commit (shared/delivery/result_group.py): the results of several reports of a tenant
    # in one statement, each with what it would get alone, its feed numbers in call order.
    tenant = uuid4()
    first, second, moved, duplicate = [await accepted(subject, tenant) for _ in range(4)]
    messages = [uuid4() for _ in range(4)]
    heads = [
        await read_head(subject, r, m)
        for r, m in zip((first, second, moved, duplicate), messages, strict=True)
    ]
    async with subject.store.transaction() as db:
        await db.reports.record_step(moved, started())  # moved on since it was read
        assert await db.processed.claim(messages[3], "ingestor")  # done already
    follow = next_event(second, tenant)

    def call(report: UUID, at: int, **extra: Any) -> StepsCall:
        steps = [
            TimedStep(started(), utcnow(), unless_step="ingesting"),
            TimedStep(done(), utcnow()),
        ]
        return StepsCall(report, heads[at], steps, claim=(messages[at], "ingestor"), **extra)

    async with subject.store.connection() as db:
        outcomes = await db.reports.record_calls(
            [
                call(first, 0),
                call(moved, 2),
                call(second, 1, enqueue=[event_row(follow)], artifacts=[("a.json", "x", b"{}")]),
                call(duplicate, 3),
            ]
        )

    recorded_first, not_moved, recorded_second, not_again = outcomes
    assert (not_moved, not_again) == (NotRecorded.MOVED, NotRecorded.DUPLICATE)
    assert isinstance(recorded_first, StepsRecorded)
    assert isinstance(recorded_second, StepsRecorded)
    # accepted ×4 and "started" of the moved report took 1–5
    assert [n.tenant_seq for n in recorded_first.notes] == [6, 7]
    assert [n.tenant_seq for n in recorded_second.notes] == [8, 9]
    assert [seq for seq, _ in await subject.feed(tenant)] == list(range(1, 10))
    for report in (first, second):
        assert await subject.events(report) == ["accepted", "started", "completed"]
        assert await subject.trail_intact(report)
    assert await subject.events(moved) == ["accepted", "started"]
    assert await subject.events(duplicate) == ["accepted"]
    assert (await subject.outbox_keys())[-1] == routing.REPORT_INGESTED
    assert (await subject.outbox_bodies())[-1] == follow.to_bytes()
    assert await subject.artifact(second, "a.json") == b"{}"
    async with subject.store.connection() as db:
        claimed = [
            (await db.processed.seen_and_head(m, "ingestor", r))[0]
            for m, r in zip(messages, (first, second, moved, duplicate), strict=True)
        ]
    assert claimed == [True, True, False, True]  # the moved one is claimed by the locked path


async def test_several_admission_reads_in_one_round_trip_answer_each_in_order(
    subject: Subject,
) -> None:
    tenant = uuid4()
    fresh, processed = await accepted(subject, tenant), await accepted(subject, tenant)
    done_message, new_message, missing = uuid4(), uuid4(), uuid4()
    async with subject.store.transaction() as db:
        assert await db.processed.claim(done_message, "ingestor")
        await db.reports.record_step(processed, started())

    async with subject.store.connection() as db:
        answers = await db.processed.seen_and_heads(
            [
                (new_message, "ingestor", processed),
                (done_message, "ingestor", fresh),
                (done_message, "analyzer", fresh),  # another stage has not seen it
                (new_message, "ingestor", missing),
            ]
        )
        alone = [await db.processed.seen_and_head(new_message, "ingestor", processed)]

    assert [seen for seen, _ in answers] == [False, True, False, False]
    heads = [head for _, head in answers]
    assert heads[3] is None  # no such report
    assert heads[0] is not None
    assert heads[1] is not None
    assert (heads[0].event_seq, heads[0].current_step) == (2, "ingesting")
    assert (heads[1].event_seq, heads[1].current_step) == (1, "accepted")
    assert heads[1].tenant_id == tenant
    assert answers[:1] == alone
