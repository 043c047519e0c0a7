"""A message delivered twice on purpose: each subscriber hears each event once, and a stage does
its work once."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from typing import Any

import orjson
import websockets

from tests.integration.doubles import RecordingStage, new_report
from tests.integration.harness import Pipeline


async def duplicate_outbox(pipe: Pipeline) -> int:
    """Copy every waiting outbox row: what a relay that died after the broker's confirm but before
    its commit leaves behind (it publishes the same rows again)."""
    pool = await pipe.pool()
    result: str = await pool.execute(
        """INSERT INTO outbox (message_id, routing_key, body, headers)
           SELECT message_id, routing_key, body, headers FROM outbox ORDER BY id"""
    )
    return int(result.rsplit(" ", 1)[-1])


async def test_the_tenant_feed_sends_a_twice_published_event_once(pipeline: Pipeline) -> None:
    await pipeline.start_notifier()
    key = await pipeline.api_key("acme")
    received: list[dict[str, Any]] = []
    async with websockets.connect(f"{pipeline.notifier_url}/v1/ws/reports?token={key}") as feed:
        await asyncio.sleep(0.2)  # subscribed
        reports = [await new_report(pipeline, "acme") for _ in range(3)]
        stage = RecordingStage()
        await pipeline.start_stage(stage)
        await duplicate_outbox(pipeline)
        relay = await pipeline.start_relay()
        for report_id in reports:
            await pipeline.wait_for_status(report_id)
        async with asyncio.timeout(15):
            while await (await pipeline.pool()).fetchval("SELECT count(*) FROM outbox"):
                await asyncio.sleep(0.05)
            while relay.published < 6:
                await asyncio.sleep(0.05)
        # The second relay pass publishes the completions' notifications; copy those too.
        await duplicate_outbox(pipeline)
        with contextlib.suppress(TimeoutError):
            while True:
                received.append(orjson.loads(await asyncio.wait_for(feed.recv(), 1.0)))

    per_event = Counter((m["report_id"], m["event_id"]) for m in received)
    completed = [m for m in received if m["status"] == "COMPLETE"]
    assert per_event, "the feed heard nothing"
    assert max(per_event.values()) == 1, per_event
    assert len(completed) == 3
    assert stage.calls == 3  # the duplicated report.requested was not worked on twice
