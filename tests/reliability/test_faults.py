"""Faults an operator meets, on a broker and a database of the test's own: after each, every
accepted report ended exactly once (see :mod:`tests.reliability.outcomes`).

- RabbitMQ stopped and started: POSTs are still 202 while it is down; consumers come back.
- RabbitMQ restarted while a retry waits in a delay tier: the retry is not lost.
- PostgreSQL restarted with work in flight.
- The link between a stage and the broker freezes silently: the heartbeat notices, the stage
  reconnects and consumes again, the broker redelivers what the frozen link held.
- One outbox row the broker refuses: the rest go through once each.

Each is bounded in time; together a few minutes. Gated like the other disruptive tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import pytest

from shared.db import outbox
from shared.db.outage import through_outages
from tests.integration.bundles import note_bundle
from tests.integration.doubles import RecordingStage, new_report
from tests.integration.harness import Pipeline
from tests.reliability.conftest import faults
from tests.reliability.outcomes import PdfAnalyzer, assert_each_ended_once, until_final
from tests.reliability.private_services import PrivatePostgres, PrivateRabbit
from tests.reliability.tcp_proxy import TcpProxy, proxy_for, through

pytestmark = [pytest.mark.slow, faults, pytest.mark.timeout(420)]


async def post_reports(pipe: Pipeline, key: str, n: int) -> list[UUID]:
    ids = []
    async with pipe.client(key) as client:
        for _ in range(n):
            response = await client.post(
                "/v1/reports", json={"kind": "coding", "bundle": note_bundle()}
            )
            assert response.status_code == 202, response.text
            ids.append(UUID(response.json()["id"]))
    return ids


async def test_broker_stopped_and_started_posts_still_202_and_all_end_once(
    on_private_broker: Pipeline, private_rabbit: PrivateRabbit
) -> None:
    pipe = on_private_broker
    await pipe.start_gateway()
    await pipe.start_stage(RecordingStage(final=False))
    await pipe.start_stage(PdfAnalyzer())
    key = await pipe.api_key()
    before = await post_reports(pipe, key, 5)
    await until_final(pipe, before, 60)

    await private_rabbit.stop()
    during = await post_reports(pipe, key, 5)  # accepted into the outbox while it is down
    await private_rabbit.start()
    after = await post_reports(pipe, key, 5)

    everything = before + during + after
    await until_final(pipe, everything, 120)
    await assert_each_ended_once(pipe, everything)


async def test_broker_restart_while_a_retry_waits_in_its_delay_tier(
    on_private_broker: Pipeline, private_rabbit: PrivateRabbit
) -> None:
    pipe = on_private_broker
    pipe.overrides["retry_delays_ms"] = (4000,)
    await pipe.start_stage(RecordingStage(["crash", "crash"], final=False))
    await pipe.start_stage(PdfAnalyzer())
    await pipe.start_relay()
    reports = [await new_report(pipe) for _ in range(2)]
    bus = await pipe.bus()
    tier = bus.topology.retry_queue(4000)
    async with asyncio.timeout(30):  # both first attempts failed: their retries wait in the tier
        while ((state := await bus.queue_state(tier)) is None) or state.messages < 2:
            await asyncio.sleep(0.05)

    await private_rabbit.restart()

    await until_final(pipe, reports, 120)
    await assert_each_ended_once(pipe, reports)
    pool = await pipe.pool()
    retries = await pool.fetchval("SELECT count(*) FROM report_events WHERE outcome = 'retrying'")
    assert retries == 2


async def test_database_restart_with_work_in_flight(
    on_private_database: Pipeline, private_postgres: PrivatePostgres
) -> None:
    pipe = on_private_database
    await pipe.start_gateway()
    await pipe.start_stage(RecordingStage(final=False))
    await pipe.start_stage(PdfAnalyzer())
    key = await pipe.api_key()
    first = await post_reports(pipe, key, 10)

    await private_postgres.restart()
    second = [
        await through_outages(lambda: post_once(pipe, key), what="test submit", max_wait_s=60)
        for _ in range(5)
    ]

    everything = first + second
    await until_final(pipe, everything, 120)
    await assert_each_ended_once(pipe, everything)


async def post_once(pipe: Pipeline, key: str) -> UUID:
    """One POST; a 503 (the database still coming back) is an outage to wait out."""
    async with pipe.client(key) as client:
        response = await client.post(
            "/v1/reports", json={"kind": "coding", "bundle": note_bundle()}
        )
    if response.status_code == 503:
        assert response.json()["error"]["code"] == "database_unavailable"
        raise ConnectionRefusedError("database unavailable")
    assert response.status_code == 202, response.text
    return UUID(response.json()["id"])


@pytest.fixture
async def stage_link(pipeline: Pipeline) -> AsyncIterator[TcpProxy]:
    async with proxy_for(pipeline.amqp_url, 5672) as proxy:
        yield proxy


async def test_a_frozen_link_to_the_broker_is_noticed_and_the_stage_recovers(
    pipeline: Pipeline, stage_link: TcpProxy
) -> None:
    pipe = pipeline
    through_proxy = through(pipe.amqp_url, stage_link)
    await pipe.start_relay()  # the relay and the analyzer keep their direct links
    await pipe.start_stage(PdfAnalyzer())
    # The ingestor reaches the broker only through the proxy, with a 2 s heartbeat.
    await pipe.start_stage(RecordingStage(final=False), amqp_url=through_proxy, amqp_heartbeat_s=2)
    first = [await new_report(pipe) for _ in range(3)]
    await until_final(pipe, first, 60)

    assert stage_link.freeze() >= 1  # silently: no FIN, no RST, just nothing
    frozen_at = stage_link.accepted
    second = [await new_report(pipe) for _ in range(5)]
    await until_final(pipe, second, 90)

    assert stage_link.accepted > frozen_at  # it noticed, reconnected and consumed again
    await assert_each_ended_once(pipe, first + second)


async def test_an_unpublishable_outbox_row_does_not_hold_up_the_rest(pipeline: Pipeline) -> None:
    pipe = pipeline
    await pipe.start_stage(RecordingStage(final=False))
    analyzer = PdfAnalyzer()
    await pipe.start_stage(analyzer)
    pool = await pipe.pool()
    reports = [await new_report(pipe) for _ in range(5)]
    async with pool.acquire() as conn:
        await outbox.enqueue(
            conn, message_id=uuid4(), routing_key="report.nowhere", body=b'{"report_id": null}'
        )
    reports += [await new_report(pipe) for _ in range(5)]
    relay = await pipe.start_relay(max_refusals=3, first_hold_s=0.2)

    await until_final(pipe, reports, 60)
    async with asyncio.timeout(30):
        while relay.parked < 1:
            await asyncio.sleep(0.1)

    assert analyzer.calls == len(reports)  # each once: no batch published again
    parked = await pool.fetch("DELETE FROM dead_letters RETURNING stage, reason")
    assert [(p["stage"], p["reason"]) for p in parked] == [("relay", "unpublishable")]
    await assert_each_ended_once(pipe, reports)
