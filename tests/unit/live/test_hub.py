"""The hub: one stream per channel, duplicates dropped once, gaps filled from history, joiners
get their backlog then what arrived meanwhile, in order, without repeats."""

from __future__ import annotations

import asyncio
from uuid import uuid4

from shared.live.channels import ChannelKey, ChannelKind
from shared.live.hub import Backlog, Hub
from shared.live.messages import LiveMessage, report_event

KEY = ChannelKey(ChannelKind.TENANT, uuid4())


def event(seq: int) -> LiveMessage:
    return report_event(KEY, seq, {"n": seq, "status": "PROCESSING"})


class FakeHistory:
    def __init__(self, head: int) -> None:
        self.head = head
        self.read = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()
        self.between_calls: list[tuple[int, int]] = []

    async def catch_up(self, key: ChannelKey, since: int | None) -> Backlog:
        self.read.set()
        await self.release.wait()
        start = since if since is not None else self.head
        return Backlog([event(s) for s in range(start + 1, self.head + 1)], self.head)

    async def between(self, key: ChannelKey, after: int, before: int) -> list[LiveMessage]:
        self.between_calls.append((after, before))
        return [event(s) for s in range(after + 1, before)]


class Recorder:
    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.lagged = False

    def deliver(self, message: LiveMessage) -> None:
        self.seqs.append(message.seq)

    def lagging(self) -> None:
        self.lagged = True


async def test_duplicates_are_dropped_and_gaps_filled_before_what_follows() -> None:
    history = FakeHistory(head=3)
    hub = Hub(history)
    subscriber = Recorder()
    await hub.subscribe(KEY, subscriber, since=1)
    for seq in (4, 4, 3, 7, 8):
        hub.publish_message(KEY, event(seq))
    await asyncio.sleep(0.01)
    hub.publish_message(KEY, event(5))  # the late original of a filled gap
    assert subscriber.seqs == [2, 3, 4, 5, 6, 7, 8]
    assert history.between_calls == [(4, 7)]
    assert hub.duplicates == 3


async def test_a_joiner_gets_backlog_then_what_arrived_during_the_read_once_each() -> None:
    history = FakeHistory(head=5)
    hub = Hub(history)
    live = Recorder()
    await hub.subscribe(KEY, live, since=None)
    history.read.clear()
    history.release.clear()
    joiner = Recorder()
    join = asyncio.create_task(hub.subscribe(KEY, joiner, since=2))
    await history.read.wait()
    hub.publish_message(KEY, event(6))
    hub.publish_message(KEY, event(7))
    history.release.set()
    backlog = await join
    hub.publish_message(KEY, event(8))
    assert backlog.head == 5
    assert joiner.seqs == [3, 4, 5, 6, 7, 8]
    assert live.seqs == [6, 7, 8]


async def test_one_encoding_serves_every_subscriber() -> None:
    hub = Hub(FakeHistory(head=0))
    frames = []

    class Writer(Recorder):
        def deliver(self, message: LiveMessage) -> None:
            frames.append(message.ws_frame)

    for _ in range(50):
        await hub.subscribe(KEY, Writer(), since=None)
    hub.publish_message(KEY, event(1))
    assert len(frames) == 50
    assert len({id(f) for f in frames}) == 1


async def test_a_joiner_too_far_behind_is_told_to_go_and_the_channel_forgotten() -> None:
    history = FakeHistory(head=0)
    history.release.clear()
    hub = Hub(history, max_held=3)
    joiner = Recorder()
    join = asyncio.create_task(hub.subscribe(KEY, joiner, since=None))
    await history.read.wait()
    for seq in range(1, 6):
        hub.publish_message(KEY, event(seq))
    history.release.set()
    await join
    assert joiner.lagged
    assert hub.channel_count == 0
