"""The report state machine in PostgreSQL: what a late or duplicate message may not do."""

from __future__ import annotations

from shared.db import outbox
from shared.db.reports import Step, record_step
from shared.events import ReportStatus, StatusNotification
from tests.integration.doubles import new_report
from tests.integration.harness import Pipeline


def started(stage: str = "analyzer") -> Step:
    return Step(
        actor=stage,
        step="analyzing",
        outcome="started",
        status=ReportStatus.PROCESSING,
        progress_percent=40,
    )


async def test_a_late_started_step_never_reopens_a_finished_report(pipeline: Pipeline) -> None:
    # Two copies of one message (the relay republished it after a database restart) run side by
    # side: copy A completes the report; copy B's "started" arrives after. It must change nothing.
    report_id = await new_report(pipeline)
    pool = await pipeline.pool()
    async with pool.acquire() as conn, conn.transaction():
        await record_step(conn, report_id, started())
        done = Step(
            actor="analyzer",
            step="analyzed",
            outcome="completed",
            status=ReportStatus.COMPLETE,
            progress_percent=100,
            result={"n": 1},
        )
        await record_step(conn, report_id, done)
    async with pool.acquire() as conn, conn.transaction():
        late = await record_step(conn, report_id, started(), unless_step="analyzing")
        failed = await record_step(
            conn,
            report_id,
            Step(
                actor="renderer",
                step="rendering",
                outcome="failed",
                status=ReportStatus.FAILED,
                error_message="late failure",
            ),
        )

    row = await pool.fetchrow(
        "SELECT status, current_step, event_seq FROM reports WHERE id = $1", report_id
    )
    assert row is not None
    assert late is None
    assert failed is None
    assert (row["status"], row["current_step"], row["event_seq"]) == ("COMPLETE", "analyzed", 3)


async def test_only_a_replay_reopens_a_failed_report(pipeline: Pipeline) -> None:
    report_id = await new_report(pipeline)
    pool = await pipeline.pool()
    failure = Step(
        actor="ingestor",
        step="ingesting",
        outcome="failed",
        status=ReportStatus.FAILED,
        error_message="broken",
    )
    replay = Step(
        actor="admin:cr_abcde",
        step="replayed",
        outcome="replayed",
        status=ReportStatus.PROCESSING,
        reopen=True,
    )
    async with pool.acquire() as conn, conn.transaction():
        await record_step(conn, report_id, failure)
        assert await record_step(conn, report_id, started("ingestor")) is None
        assert await record_step(conn, report_id, replay) is not None

    row = await pool.fetchrow("SELECT status, error_message FROM reports WHERE id = $1", report_id)
    assert row is not None
    assert row["status"] == "PROCESSING"
    assert row["error_message"] is None


async def test_a_duplicate_started_step_never_moves_a_report_backwards(pipeline: Pipeline) -> None:
    # Two copies of one message arrive together: copy A starts and completes the analysis
    # (analyzed, 70 %); copy B passed the de-duplication check before A committed, and now records
    # "started". The report must stay at analyzed 70 %, not go back to analyzing 40 %.
    report_id = await new_report(pipeline)
    pool = await pipeline.pool()
    analyzed = Step(
        actor="analyzer",
        step="analyzed",
        outcome="completed",
        status=ReportStatus.PROCESSING,
        progress_percent=70,
    )
    async with pool.acquire() as conn, conn.transaction():
        await record_step(conn, report_id, started())
        await record_step(conn, report_id, analyzed)
    async with pool.acquire() as conn, conn.transaction():
        late = await record_step(conn, report_id, started(), unless_step="analyzing")

    row = await pool.fetchrow(
        "SELECT current_step, progress_percent, event_seq FROM reports WHERE id = $1", report_id
    )
    assert row is not None
    assert late is None
    assert (row["current_step"], row["progress_percent"], row["event_seq"]) == ("analyzed", 70, 3)
    progress = [
        r["progress_percent"]
        for r in await pool.fetch(
            "SELECT progress_percent FROM report_events WHERE report_id = $1 ORDER BY seq",
            report_id,
        )
    ]
    assert progress == sorted(progress)


async def test_an_accepted_report_is_written_whole_in_one_statement(pipeline: Pipeline) -> None:
    # create_report writes in one statement what record_step would have for the "accepted" step:
    # the report in that state, the event, the feed's entry and the notification carrying the same
    # feed number, report.requested, and the raw input — and a later step chains on it.
    first = await new_report(pipeline, tenant="one-statement")
    second = await new_report(pipeline, tenant="one-statement")
    pool = await pipeline.pool()
    report = await pool.fetchrow(
        "SELECT status, progress_percent, current_step, event_seq, event_hash FROM reports "
        "WHERE id = $1",
        second,
    )
    event = await pool.fetchrow(
        "SELECT seq, step, status, prev_hash, hash FROM report_events WHERE report_id = $1", second
    )
    assert report is not None
    assert event is not None
    assert (report["status"], report["progress_percent"], report["current_step"]) == (
        "PENDING",
        0,
        "accepted",
    )
    assert (report["event_seq"], event["seq"], event["prev_hash"]) == (1, 1, None)
    assert report["event_hash"] == event["hash"]
    assert (
        await pool.fetchval("SELECT body FROM report_inputs WHERE report_id = $1", second) == b"{}"
    )

    rows = await pool.fetch(
        "SELECT routing_key, body, admission_tenant FROM outbox "
        "WHERE convert_from(body, 'UTF8') LIKE '%' || $1 || '%' ORDER BY id",
        str(second),
    )
    assert [r["routing_key"] for r in rows] == ["report.progress", "report.requested"]
    note = StatusNotification.model_validate_json(rows[0]["body"])
    assert rows[0]["body"] == outbox.notification_row(note)[2]  # the bytes record_step writes
    feed = await pool.fetch(
        "SELECT seq, body FROM channel_events WHERE body ->> 'report_id' = ANY($1::text[]) "
        "ORDER BY seq",
        [str(first), str(second)],
    )
    assert [f["body"]["report_id"] for f in feed] == [str(first), str(second)]
    assert note.tenant_seq == feed[1]["seq"] == feed[0]["seq"] + 1 == feed[1]["body"]["tenant_seq"]
    assert (note.status, note.current_step, note.event_id) == (ReportStatus.PENDING, "accepted", 1)
    assert rows[0]["admission_tenant"] is None
    assert rows[1]["admission_tenant"] is not None

    async with pool.acquire() as conn, conn.transaction():
        await record_step(conn, second, started())
    assert (
        await pool.fetchval(
            "SELECT prev_hash FROM report_events WHERE report_id = $1 AND seq = 2", second
        )
        == event["hash"]
    )
