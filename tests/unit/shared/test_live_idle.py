"""A hub nobody follows skips the notifications it is fed, and a subscriber who joins later
still gets everything: the backlog from history, then the live events after it, once each."""

from __future__ import annotations

from uuid import uuid4

import orjson

from shared.live.channels import ChannelKey, ChannelKind
from shared.live.feed import feed_hub
from shared.live.hub import Backlog, Hub
from shared.live.messages import LiveMessage, notification_fields, report_event
from tests.stage_doubles import CountingAnalyzer, RecordingStage
from tests.unit.shared.road import Road


class Logged:
    """History read from the road's tenant feed log, as the PostgreSQL one reads channel_events."""

    def __init__(self, road: Road) -> None:
        self._road = road

    def _events(self, key: ChannelKey) -> list[LiveMessage]:
        return [
            report_event(key, seq, notification_fields(note))
            for channel, seq, note in self._road.store.tables.channel_events
            if channel == f"tenant:{key.id}"
        ]

    async def catch_up(self, key: ChannelKey, since: int | None) -> Backlog:
        events = [e for e in self._events(key) if since is None or e.seq > since]
        return Backlog(events, max((e.seq for e in events), default=since or 0))

    async def between(self, key: ChannelKey, after: int, before: int) -> list[LiveMessage]:
        return [e for e in self._events(key) if after < e.seq < before]


class Told:
    def __init__(self) -> None:
        self.seqs: list[int] = []

    def deliver(self, message: LiveMessage) -> None:
        self.seqs.append(message.seq)
        assert orjson.loads(message.payload)

    def lagging(self) -> None:
        raise AssertionError("the subscriber fell behind")


async def test_a_subscriber_joining_an_idle_hub_misses_nothing(road: Road) -> None:
    hub = Hub(Logged(road))
    await feed_hub(road.bus(), road.topology, hub, "gateway")
    tenant = uuid4()
    await road.start_stage(RecordingStage(final=False))
    await road.start_stage(CountingAnalyzer())
    road.start_relay()

    first = await road.submit(tenant)
    await road.wait_for_final(first)
    assert hub.delivered == 0  # followed by no one: nothing was passed on

    told = Told()
    await hub.subscribe(ChannelKey(ChannelKind.TENANT, tenant), told, since=None)
    second = await road.submit(tenant)
    await road.wait_for_final(second)
    logged = [seq for channel, seq, _ in road.store.tables.channel_events]
    await road.wait_until(lambda: len(told.seqs) == len(logged))

    assert told.seqs == sorted(logged)  # the first report's from history, then live, once each
    assert hub.delivered > 0
