"""Queue depth and consumers per stage, read from the real broker: through the management API
where it is enabled, else through AMQP; a broker that does not answer never holds a read up."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from unittest import mock

import httpx
import pytest

from shared.bus.protocol import OutgoingMessage
from shared.events import routing
from shared.metrics.broker import BrokerStats, management_url_for
from tests.integration.harness import Pipeline


def _management_enabled(amqp_url: str) -> bool:
    base, _, auth = management_url_for(amqp_url)
    try:
        return httpx.get(f"{base}/api/overview", auth=auth, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


async def _three_waiting(pipeline: Pipeline) -> None:
    bus = await pipeline.bus()
    await bus.publish(
        [
            OutgoingMessage(routing_key=routing.REPORT_REQUESTED, body=b"{}", message_id=str(i))
            for i in range(3)
        ]
    )


@contextlib.asynccontextmanager
async def _silent_server() -> AsyncIterator[int]:
    """A TCP port that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()


async def test_the_management_api_shows_messages_waiting_for_a_stage(pipeline: Pipeline) -> None:
    if not _management_enabled(pipeline.amqp_url):
        pytest.skip("RabbitMQ's management plugin is off (scripts/ensure-services enables it)")
    await _three_waiting(pipeline)
    bus = await pipeline.bus()
    stats = BrokerStats(bus.topology, pipeline.amqp_url, passive_declare=bus.queue_state)
    try:
        # The management API's figures lag the broker by its statistics interval (5 s).
        async with asyncio.timeout(30):
            while True:
                snapshot = await stats.refresh()
                ingestor = snapshot.stages.get("ingestor")
                if ingestor is not None and ingestor.messages == 3:
                    break
                await asyncio.sleep(0.5)
    finally:
        await stats.close()
    assert snapshot.source == "management"
    assert ingestor.ready == 3
    assert ingestor.consumers == 0
    assert snapshot.stages["analyzer"].messages == 0


async def test_without_the_management_api_amqp_still_counts_what_waits(
    pipeline: Pipeline,
) -> None:
    await _three_waiting(pipeline)
    bus = await pipeline.bus()
    async with _silent_server() as port:
        stats = BrokerStats(
            bus.topology,
            pipeline.amqp_url,
            management_url=f"http://127.0.0.1:{port}",
            passive_declare=bus.queue_state,
            timeout_s=1.0,
        )
        try:
            started = time.monotonic()
            snapshot = await stats.refresh()
            took = time.monotonic() - started
        finally:
            await stats.close()
    assert snapshot.source == "amqp"
    assert snapshot.stages["ingestor"].messages == 3
    assert snapshot.stages["ingestor"].unacknowledged is None  # AMQP cannot see those
    assert took < 5  # a hung management API costs one timeout, not a stalled read


async def test_after_a_slow_answer_the_management_api_is_asked_again(pipeline: Pipeline) -> None:
    if not _management_enabled(pipeline.amqp_url):
        pytest.skip("RabbitMQ's management plugin is off (scripts/ensure-services enables it)")
    bus = await pipeline.bus()
    stats = BrokerStats(bus.topology, pipeline.amqp_url, passive_declare=bus.queue_state)
    try:
        with mock.patch.object(stats, "_read_management", side_effect=httpx.ReadTimeout("slow")):
            assert (await stats.refresh()).source == "amqp"
        assert (await stats.refresh()).source == "amqp"  # not asked again at once
        stats._management_again_at = 0.0  # the retry interval has passed
        assert (await stats.refresh()).source == "management"
    finally:
        await stats.close()
