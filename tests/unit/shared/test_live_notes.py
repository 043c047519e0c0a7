"""Live subscribers are told every step of a report once, in order, with what the tenant feed
logged: also now that a hop's "started" rides on the message of the step that follows it
(migration 0090), through the real runner, relay and hub feed on the in-memory road."""

from __future__ import annotations

from uuid import uuid4

import orjson

from shared.live.channels import ChannelKey, ChannelKind
from shared.live.feed import feed_hub
from shared.live.hub import Backlog, Hub
from shared.live.messages import LiveMessage
from tests.stage_doubles import CountingAnalyzer, RecordingStage
from tests.unit.shared.road import Road


class NothingBefore:
    """A history with nothing logged before the subscription, and no gap filling: every event
    must arrive live."""

    async def catch_up(self, key: ChannelKey, since: int | None) -> Backlog:
        return Backlog([], 0)

    async def between(self, key: ChannelKey, after: int, before: int) -> list[LiveMessage]:
        return []


class Told:
    def __init__(self) -> None:
        self.messages: list[dict[str, object]] = []

    def deliver(self, message: LiveMessage) -> None:
        self.messages.append(orjson.loads(message.payload))

    def lagging(self) -> None:
        raise AssertionError("the subscriber fell behind")


async def test_every_step_reaches_a_live_subscriber_once_in_order(road: Road) -> None:
    hub = Hub(NothingBefore())
    await feed_hub(road.bus(), road.topology, hub, "notifier")
    tenant = uuid4()
    told = Told()
    await hub.subscribe(ChannelKey(ChannelKind.TENANT, tenant), told, since=None)
    await road.start_stage(RecordingStage(final=False))
    await road.start_stage(CountingAnalyzer())
    relay = road.start_relay()

    report = await road.submit(tenant)
    await road.wait_for_final(report)
    logged = [note for channel, _, note in road.store.tables.channel_events]
    await road.wait_until(lambda: len(told.messages) == len(logged))

    assert [(m["current_step"], m["outcome"]) for m in told.messages] == [
        ("accepted", "accepted"),
        ("ingesting", "started"),
        ("ingested", "completed"),
        ("analyzing", "started"),
        ("analyzed", "completed"),
    ]
    assert [m["seq"] for m in told.messages] == [1, 2, 3, 4, 5]
    for message, note in zip(told.messages, logged, strict=True):
        assert {k: message[k] for k in ("event_id", "tenant_seq", "status", "at")} == {
            "event_id": note.event_id,
            "tenant_seq": note.tenant_seq,
            "status": note.status.value,
            "at": note.at.isoformat().replace("+00:00", "Z"),
        }
    # report.requested and "accepted"; then per hop one message for its two notifications
    # (and the ingestor's next event): 5 messages, where each notification alone made 7.
    assert relay.published == 5
