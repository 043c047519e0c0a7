"""kill -9 of each stage and of a pool worker of each pool, one after another, with at least 50
reports in flight each time, and messages delivered twice on purpose meanwhile: every accepted
report ends COMPLETE exactly once.

The services run as ``clinrelay up`` runs them (separate processes under its supervisor), so this
also proves the supervisor brings a killed stage back although its pool workers outlive it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any

import pytest

from shared.bus.protocol import OutgoingMessage
from shared.events import Envelope, routing
from tests.integration.harness import Pipeline
from tests.reliability.services import Road, assert_each_ended_exactly_once, running_services

REPORTS = 70
IN_FLIGHT = 50


async def copy_events(pipe: Pipeline, road: Road) -> list[OutgoingMessage]:
    """Start keeping a copy of every stage-to-stage event published from now on."""
    kept: list[OutgoingMessage] = []
    bus = await pipe.bus()

    async def keep(message: Any) -> None:
        kept.append(
            OutgoingMessage(
                routing_key=message.routing_key,
                body=message.body,
                message_id=str(Envelope.from_bytes(message.body).message_id),
            )
        )
        await message.ack()

    keys = [routing.REPORT_REQUESTED, routing.REPORT_INGESTED, routing.REPORT_ANALYZED]
    await bus.bind_private_queue(f"{pipe.namespace}.copies", keys, keep, prefetch=100)
    return kept


async def deliver_again(pipe: Pipeline, kept: list[OutgoingMessage], sent: set[str]) -> None:
    """Publish again (same message ids) what the stages were already sent and is not in ``sent``
    yet: a duplicate of each kind of hand-over, as a relay that died between the broker's confirm
    and its commit sends. ``sent`` gains their ids."""
    bus = await pipe.bus()
    again = [message for message in kept if message.message_id not in sent]
    await bus.publish(again)
    sent.update(message.message_id for message in again)


def requested(messages: list[OutgoingMessage]) -> int:
    """How many distinct report.requested messages (our own copies come back here too)."""
    return len({m.message_id for m in messages if m.routing_key == routing.REPORT_REQUESTED})


@pytest.mark.timeout(900)
async def test_kill_9_of_every_stage_and_pool_worker_under_load_ends_each_report_once(
    pipeline: Pipeline,
) -> None:
    async with running_services(pipeline) as road:
        kept = await copy_events(pipeline, road)
        started = time.monotonic()
        await road.submit(REPORTS)
        at_kill: dict[str, int] = {}
        async with asyncio.timeout(600):
            # Each stage process dies (kill -9) while it works, with its prefetched messages
            # unacknowledged; the supervisor starts it again.
            for stage in ("ingestor", "analyzer", "renderer"):
                await road.until_working(stage)
                at_kill[stage] = await road.in_flight()
                road.kill(stage)
                restarts = road.restarts(stage)
                while road.restarts(stage) == restarts:
                    await asyncio.sleep(0.1)
            sent_again: set[str] = set()
            await deliver_again(pipeline, kept, sent_again)

            # One worker of each pool dies mid-job: the job is a retriable attempt, the pool
            # replaces the worker.
            for stage in ("analyzer", "renderer"):
                before = await road.started(stage)
                while not road.pool_workers(stage) or await road.started(stage) == before:
                    await asyncio.sleep(0.05)
                at_kill[f"{stage} worker"] = await road.in_flight()
                os.kill(road.pool_workers(stage)[0], signal.SIGKILL)

            # Reports held back by the tenant's in-flight cap are requested later: once every
            # report.requested has been seen, the ones not yet sent twice are.
            while requested(kept) < REPORTS:
                await asyncio.sleep(0.1)
            await deliver_again(pipeline, kept, sent_again)
            await road.until_all_final()
        elapsed = time.monotonic() - started

        await assert_each_ended_exactly_once(pipeline, road.accepted)
        for victim, in_flight in at_kill.items():
            assert in_flight >= IN_FLIGHT, (
                f"only {in_flight} reports in flight at the {victim} kill"
            )
        twice = [message for message in kept if message.message_id in sent_again]
        assert requested(twice) == REPORTS  # every report.requested was sent twice
        for stage in ("ingestor", "analyzer", "renderer"):
            assert road.restarts(stage) == 1
        print(f"{REPORTS} reports through 5 kills in {elapsed:.0f} s; in flight: {at_kill}")
