"""One outbox row the broker will not take must not hold the others hostage.

Before: the relay published its batch as one unit, so a single unroutable row failed the whole
batch, which was rolled back and published again, forever (13,730 deliveries of 846 messages in
57 s). Now the refused row is held back with a growing delay, then parked in the dead letters
(stage ``relay``) for an operator; the rest are published — once each.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from uuid import uuid4

from shared.bus.protocol import IncomingMessage
from shared.db import outbox
from shared.events import routing
from tests.integration.doubles import new_report
from tests.integration.harness import Pipeline


async def test_an_unpublishable_row_is_set_aside_and_the_rest_go_once_each(
    pipeline: Pipeline,
) -> None:
    seen: Counter[str] = Counter()
    listener = await pipeline.bus()

    async def count(message: IncomingMessage) -> None:
        seen[message.message_id or ""] += 1
        await message.ack()

    await listener.bind_private_queue(
        f"{pipeline.namespace}.spy", [routing.REPORT_REQUESTED], count, prefetch=50
    )
    pool = await pipeline.pool()
    reports = [await new_report(pipeline) for _ in range(3)]
    poison = uuid4()
    async with pool.acquire() as conn:  # a work event no queue is bound to: always returned
        await outbox.enqueue(
            conn, message_id=poison, routing_key="report.nowhere", body=b'{"not": "routable"}'
        )
    reports += [await new_report(pipeline) for _ in range(3)]
    expected = {
        str(r["message_id"])
        for r in await pool.fetch(
            "SELECT message_id FROM outbox WHERE routing_key = $1", routing.REPORT_REQUESTED
        )
    }

    relay = await pipeline.start_relay(max_refusals=3, first_hold_s=0.2)
    async with asyncio.timeout(30):
        while await pool.fetchval("SELECT count(*) FROM outbox"):
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # anything published twice would have arrived by now

    parked = await pool.fetch("SELECT * FROM dead_letters")
    assert set(seen) == expected
    assert set(seen.values()) == {1}
    assert len(expected) == 6
    assert [(p["stage"], p["message_id"], p["attempts"]) for p in parked] == [("relay", poison, 3)]
    assert parked[0]["error_class"] == "unroutable"
    assert "report.nowhere" in parked[0]["error_message"]
    assert relay.parked == 1
    # the reports' own progress was not touched by the one that could not go
    statuses = {await pool.fetchval("SELECT status FROM reports WHERE id = $1", r) for r in reports}
    assert statuses == {"PENDING"}
