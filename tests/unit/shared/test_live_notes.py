"""Live subscribers are told every step of a report once, in order, with what the tenant feed
logged: also now that a hop's "started" rides on the message of the step that follows it
(migration 0090) and a tenant's progress notes of one relay batch share a message
(shared/delivery/note_carriers.py), through the real runner, relay and hub feed on the in-memory
road; a hub that reads only each message's own note fills the rest from the feed's log."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import orjson

from shared.bus.protocol import Handler, IncomingMessage
from shared.events import StatusNotification, routing
from shared.live import feed
from shared.live.channels import ChannelKey, ChannelKind
from shared.live.feed import feed_hub
from shared.live.hub import Backlog, Hub
from shared.live.messages import LiveMessage, notification_fields, report_event
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
    # report.requested and "accepted"; then per hop one row for its two notifications (and the
    # ingestor's next event): 5 outbox rows, where each notification alone made 7.
    assert relay.published == 5


class LoggedFeed:
    """The history a hub reads a gap from: what the in-memory store's tenant feed logged."""

    def __init__(self, road: Road) -> None:
        self._road = road

    async def catch_up(self, key: ChannelKey, since: int | None) -> Backlog:
        return Backlog([], 0)

    async def between(self, key: ChannelKey, after: int, before: int) -> list[LiveMessage]:
        logged = [note for _, _, note in self._road.store.tables.channel_events]
        if key.kind is ChannelKind.TENANT:
            found = [(n.tenant_seq or 0, n) for n in logged if n.tenant_id == key.id]
        else:
            found = [(n.event_id, n) for n in logged if n.report_id == key.id]
        return [
            report_event(key, seq, notification_fields(n))
            for seq, n in sorted(found, key=lambda pair: pair[0])
            if after < seq < before
        ]


def own_note_only(hub: Hub) -> Handler:
    """A hub from before notes rode on others' messages: it passes on each message's own."""

    async def on_notification(message: IncomingMessage) -> None:
        if message.routing_key in routing.NOTIFICATIONS:
            hub.publish(StatusNotification.model_validate_json(message.body))
        await message.ack()

    return on_notification


async def test_a_tenants_reports_share_messages_and_each_subscriber_hears_its_own_in_order(
    road: Road,
) -> None:
    new_hub, old_hub = Hub(NothingBefore()), Hub(LoggedFeed(road))
    await feed_hub(road.bus(), road.topology, new_hub, "notifier")
    await road.bus().bind_private_queue(
        f"{road.settings.bus_namespace}.old-hub",
        feed.LIVE_KEYS,
        own_note_only(old_hub),
        prefetch=50,
    )
    tenant = uuid4()
    await road.start_stage(RecordingStage(final=False))
    await road.start_stage(CountingAnalyzer())
    relay = road.relay()
    reports = [await road.submit(tenant) for _ in range(3)]
    followed = reports[1]
    feeds, one_report = {hub: Told() for hub in (new_hub, old_hub)}, {}
    for hub, told in feeds.items():
        await hub.subscribe(ChannelKey(ChannelKind.TENANT, tenant), told, since=0)
        one_report[hub] = Told()
        await hub.subscribe(ChannelKey(ChannelKind.REPORT, followed), one_report[hub], since=0)

    await relay.drain_once()
    # Three report.requested and one message for the three reports' "accepted".
    assert (relay.published, relay.messages) == (6, 4)
    while not all(road.report(r).status.is_final for r in reports):
        await relay.drain_once()
        await asyncio.sleep(0.005)
    await relay.drain_once()
    logged = [note for _, _, note in road.store.tables.channel_events]
    await road.wait_until(lambda: all(len(t.messages) == len(logged) for t in feeds.values()))

    assert relay.messages < relay.published
    for hub in (new_hub, old_hub):
        assert [(m["report_id"], m["event_id"]) for m in feeds[hub].messages] == [
            (str(n.report_id), n.event_id) for n in logged
        ]
        assert [m["seq"] for m in feeds[hub].messages] == list(range(1, len(logged) + 1))
        assert [(m["report_id"], m["seq"]) for m in one_report[hub].messages] == [
            (str(followed), seq) for seq in range(1, 6)
        ]
    assert new_hub.gaps_filled == 0  # every note arrived live
    assert old_hub.gaps_filled > 0  # what rode on others' messages came from the log
