"""WebSocket subscribers: snapshot, live events, close on the final state, resume, refusals."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from uuid import UUID

import orjson
import pytest
import websockets

from tests.integration.doubles import RecordingStage, new_report
from tests.integration.harness import Pipeline


async def read_all(url: str, timeout: float = 15.0) -> tuple[list[dict[str, Any]], int | None]:
    """Every message until the server closes the socket, and the close code."""
    messages: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout), websockets.connect(url) as socket:
        try:
            async for raw in socket:
                messages.append(orjson.loads(raw))
        except websockets.ConnectionClosed:
            pass
        return messages, socket.close_code


async def ws_url(pipe: Pipeline, report_id: UUID, key: str, **query: Any) -> str:
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    return f"{pipe.notifier_url}/v1/ws/reports/{report_id}?token={key}{extra}"


async def test_subscriber_gets_snapshot_then_live_events_then_close(pipeline: Pipeline) -> None:
    await pipeline.start_notifier()
    await pipeline.start_relay()
    key = await pipeline.api_key("acme")
    report_id = await new_report(pipeline, "acme")

    async with websockets.connect(await ws_url(pipeline, report_id, key)) as socket:
        snapshot = orjson.loads(await asyncio.wait_for(socket.recv(), 10))
        assert snapshot["type"] == "snapshot"
        assert snapshot["status"] == "PENDING"
        assert snapshot["event_id"] == 1
        await pipeline.start_stage(RecordingStage())
        events = []
        async with asyncio.timeout(15):
            async for raw in socket:
                events.append(orjson.loads(raw))
        close_code = socket.close_code

    assert [(e["type"], e["status"], e["current_step"]) for e in events] == [
        ("event", "PROCESSING", "ingesting"),
        ("event", "COMPLETE", "rendered"),
    ]
    assert [e["event_id"] for e in events] == [2, 3]
    assert events[-1]["result"] == {"pages": 1}
    assert close_code == 1000


async def test_reconnecting_subscriber_resumes_from_last_event_id(pipeline: Pipeline) -> None:
    await pipeline.start_notifier()
    await pipeline.start_relay()
    await pipeline.start_stage(RecordingStage())
    key = await pipeline.api_key("acme")
    report_id = await new_report(pipeline, "acme")
    await pipeline.wait_for_status(report_id)

    missed, code = await read_all(await ws_url(pipeline, report_id, key, last_event_id=1))

    assert [(m["type"], m["event_id"], m["outcome"]) for m in missed] == [
        ("event", 2, "started"),
        ("event", 3, "completed"),
    ]
    assert missed[-1]["status"] == "COMPLETE"
    assert code == 1000


async def test_late_subscriber_receives_the_final_state_and_close(pipeline: Pipeline) -> None:
    await pipeline.start_notifier()
    await pipeline.start_relay()
    await pipeline.start_stage(RecordingStage(["permanent"]))
    key = await pipeline.api_key("acme")
    report_id = await new_report(pipeline, "acme")
    await pipeline.wait_for_status(report_id)

    messages, code = await read_all(await ws_url(pipeline, report_id, key))

    assert len(messages) == 1
    assert messages[0]["type"] == "snapshot"
    assert messages[0]["status"] == "FAILED"
    assert messages[0]["error"]["message"] == "The Bundle has no clinical note to code."
    assert code == 1000


@pytest.mark.parametrize(
    ("token", "tenant", "code", "error"),
    [
        ("cr_not-a-real-key-at-all-000000000000000", "acme", 4401, "unauthenticated"),
        (None, "other", 4404, "not_found"),
    ],
)
async def test_refusals_name_the_reason(
    pipeline: Pipeline, token: str | None, tenant: str, code: int, error: str
) -> None:
    await pipeline.start_notifier()
    report_id = await new_report(pipeline, "acme")
    key = token or await pipeline.api_key(tenant)

    messages, close_code = await read_all(await ws_url(pipeline, report_id, key))

    assert messages == [messages[0]]
    assert messages[0]["type"] == "error"
    assert messages[0]["code"] == error
    assert close_code == code


async def test_tenant_feed_hears_every_report_of_its_tenant_and_only_those(
    pipeline: Pipeline,
) -> None:
    # How a client learns of reports it did not submit (the scheduler's CER refreshes).
    await pipeline.start_notifier()
    await pipeline.start_relay()
    key = await pipeline.api_key("acme")
    received: list[dict[str, Any]] = []
    async with websockets.connect(f"{pipeline.notifier_url}/v1/ws/reports?token={key}") as feed:
        await asyncio.sleep(0.2)  # subscribed
        ours = [await new_report(pipeline, "acme") for _ in range(2)]
        theirs = await new_report(pipeline, "globex")
        await pipeline.start_stage(RecordingStage())
        async with asyncio.timeout(15):
            while sum(m["status"] == "COMPLETE" for m in received) < 2:
                received.append(orjson.loads(await feed.recv()))
        await pipeline.wait_for_status(theirs)
        # Drain what else arrives: a wrongly delivered foreign event would show up here.
        with contextlib.suppress(TimeoutError):
            while True:
                received.append(orjson.loads(await asyncio.wait_for(feed.recv(), 0.5)))

    report_ids = {m["report_id"] for m in received}
    assert report_ids == {str(r) for r in ours}
    assert {m["type"] for m in received} == {"event"}
    assert all(m["kind"] == "coding" for m in received)


async def test_tenant_feed_refuses_a_bad_key(pipeline: Pipeline) -> None:
    await pipeline.start_notifier()
    messages, code = await read_all(f"{pipeline.notifier_url}/v1/ws/reports?token=cr_nope")
    assert messages[0]["code"] == "unauthenticated"
    assert code == 4401
