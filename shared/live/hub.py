"""Fan-out of live events to the subscribers of this process, channel by channel.

Every replica receives every notification from its own queue and hands each to the channels
that have subscribers here: the report's channel and the tenant's feed. A channel keeps the last
sequence number it passed on, so a duplicate (at-least-once delivery) is dropped once for all its
subscribers, and a gap (a message lost while the broker connection was down, or overtaken) is
filled from PostgreSQL before anything after it goes out. The message is encoded once per
channel and the same bytes go to every subscriber; subscribers buffer nothing of their own here
(:meth:`Subscriber.deliver` must not block), so this costs no task per subscriber.

A subscriber joins in two steps: it is registered first and what arrives meanwhile is held for
it, then its backlog is read from PostgreSQL and sent, then the held messages it had not seen.
Nothing between the read and the live stream is lost, and nothing is sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import structlog

from shared.events import StatusNotification
from shared.events.batch import BatchNotification
from shared.live.channels import ChannelKey, ChannelKind
from shared.live.messages import LiveMessage, feed_event, notification_fields, report_event

log = structlog.get_logger(__name__)


class Subscriber(Protocol):
    def deliver(self, message: LiveMessage) -> None:
        """Send (or buffer, boundedly) without waiting; a subscriber too far behind drops itself."""

    def lagging(self) -> None:
        """Called when the subscriber fell too far behind while joining: it should go."""


@dataclass
class Backlog:
    """What a joining subscriber is sent before the live stream, and where that leaves it."""

    messages: list[LiveMessage]
    head: int
    """The channel's sequence number as of the read: live messages up to it are not sent again."""
    recovered: bool = True
    """False when a snapshot stands in for events that could not be replayed."""


class History(Protocol):
    async def catch_up(self, key: ChannelKey, since: int | None) -> Backlog:
        """The backlog of a subscriber that last saw ``since`` (None: a new subscriber)."""

    async def between(self, key: ChannelKey, after: int, before: int) -> list[LiveMessage] | None:
        """The channel's events numbered strictly between ``after`` and ``before``, or None."""


class Demand(Protocol):
    """Told when the hub starts and stops having subscribers (the live feed binds its queue)."""

    async def wanted(self) -> None:
        """A subscriber is joining: return once live events flow (or will, as soon as they can)."""

    def idle(self) -> None:
        """The last subscriber left."""


class _Channel:
    __slots__ = ("filling", "head", "held", "joining", "key", "live")

    def __init__(self, key: ChannelKey) -> None:
        self.key = key
        self.head: int | None = None
        self.live: dict[Subscriber, None] = {}
        self.joining: dict[Subscriber, list[LiveMessage]] = {}
        self.held: list[LiveMessage] = []
        self.filling = False

    @property
    def empty(self) -> bool:
        return not self.live and not self.joining


class Hub:
    """The channels with subscribers in this process."""

    def __init__(self, history: History, *, max_held: int = 1000) -> None:
        self._history = history
        self._max_held = max_held
        self._channels: dict[ChannelKey, _Channel] = {}
        self._fills: set[asyncio.Task[None]] = set()
        self.delivered = 0
        self.duplicates = 0
        self.gaps_filled = 0
        self._demand: Demand | None = None

    def on_demand(self, demand: Demand) -> None:
        """Tell ``demand`` when subscribers come (before their backlog is read) and go."""
        self._demand = demand

    # -- events in ----------------------------------------------------------------------------

    def publish(self, note: StatusNotification) -> None:
        """Pass a report's event to its channel and its tenant's feed (where subscribed here)."""
        fields = None
        targets = (
            (ChannelKey(ChannelKind.REPORT, note.report_id), note.event_id),
            (ChannelKey(ChannelKind.TENANT, note.tenant_id), note.tenant_seq),
        )
        for key, seq in targets:
            channel = self._channels.get(key)
            if channel is None or seq is None:
                continue
            if fields is None:
                fields = notification_fields(note)
            self._offer(channel, report_event(key, seq, fields))

    def publish_batch(self, note: BatchNotification, tenant_seq: int | None) -> None:
        """Pass a batch's change to its channel and (numbered ``tenant_seq``) its tenant's feed."""
        fields = None
        targets = (
            (ChannelKey(ChannelKind.BATCH, note.batch_id), note.event_id),
            (ChannelKey(ChannelKind.TENANT, note.tenant_id), tenant_seq),
        )
        for key, seq in targets:
            channel = self._channels.get(key)
            if channel is None or seq is None:
                continue
            if fields is None:
                fields = {**note.model_dump(mode="json"), "tenant_seq": tenant_seq}
            self._offer(channel, feed_event(key, seq, fields))

    def publish_message(self, key: ChannelKey, message: LiveMessage) -> None:
        """Pass an already built message (a batch's or an alert's event) to its channel."""
        channel = self._channels.get(key)
        if channel is not None:
            self._offer(channel, message)

    def _offer(self, channel: _Channel, message: LiveMessage) -> None:
        if channel.filling:
            channel.held.append(message)
            return
        head = channel.head
        if head is not None and message.seq <= head:
            self.duplicates += 1
            return
        if head is not None and message.seq > head + 1:
            channel.filling = True
            channel.held.append(message)
            task = asyncio.create_task(self._fill(channel, head, message.seq))
            self._fills.add(task)
            task.add_done_callback(self._fills.discard)
            return
        self._send(channel, message)

    def _send(self, channel: _Channel, message: LiveMessage) -> None:
        channel.head = message.seq
        for subscriber in list(channel.live):
            subscriber.deliver(message)
        self.delivered += len(channel.live)
        for subscriber, held in list(channel.joining.items()):
            if len(held) >= self._max_held:
                del channel.joining[subscriber]
                subscriber.lagging()
            else:
                held.append(message)

    async def _fill(self, channel: _Channel, after: int, before: int) -> None:
        try:
            missing = await self._history.between(channel.key, after, before)
        except Exception:
            log.exception("live.gap_fill_failed", channel=channel.key.public_name)
            missing = None
        if missing is None:
            log.warning("live.gap_unfilled", channel=channel.key.public_name, after=after)
            missing = []
            channel.head = None  # accept what comes next as it is
        else:
            self.gaps_filled += 1
        held, channel.held, channel.filling = channel.held, [], False
        for message in [*missing, *sorted(held, key=lambda m: m.seq)]:
            self._offer(channel, message)

    # -- subscribers --------------------------------------------------------------------------

    async def subscribe(
        self,
        key: ChannelKey,
        subscriber: Subscriber,
        since: int | None,
        *,
        on_backlog: Callable[[Backlog], None] | None = None,
    ) -> Backlog:
        """Join ``key``: send the backlog, then what arrived meanwhile, then live. Returns the
        backlog sent (its ``head`` is where the subscriber now stands); ``on_backlog`` is called
        with it just before it is sent."""
        channel = self._channels.get(key)
        if channel is None:
            channel = self._channels[key] = _Channel(key)
        channel.live.pop(subscriber, None)
        channel.joining[subscriber] = []
        try:
            if self._demand is not None:  # live events flow before the backlog is read
                await self._demand.wanted()
            backlog = await self._history.catch_up(key, since)
        except BaseException:
            self.unsubscribe(key, subscriber)
            raise
        sent = backlog.head
        if on_backlog is not None and subscriber in channel.joining:
            on_backlog(backlog)
        for message in backlog.messages:
            subscriber.deliver(message)
        while True:
            held = channel.joining.get(subscriber)
            if held is None:  # unsubscribed or dropped meanwhile
                self._forget_if_empty(channel)
                return backlog
            fresh = [m for m in held if m.seq > sent]
            if fresh and fresh[0].seq > sent + 1:
                # Events committed after our read but not seen live (yet): read them too.
                missing = await self._history.between(key, sent, fresh[0].seq)
                if not missing:  # no longer kept: go on from what arrived
                    sent = fresh[0].seq - 1
                for message in missing or ():
                    subscriber.deliver(message)
                    sent = message.seq
                continue
            for message in fresh:
                subscriber.deliver(message)
                sent = message.seq
            del channel.joining[subscriber]
            channel.live[subscriber] = None
            if channel.head is None or channel.head < sent:
                channel.head = sent
            return backlog

    def unsubscribe(self, key: ChannelKey, subscriber: Subscriber) -> None:
        channel = self._channels.get(key)
        if channel is None:
            return
        channel.live.pop(subscriber, None)
        channel.joining.pop(subscriber, None)
        self._forget_if_empty(channel)

    def _forget_if_empty(self, channel: _Channel) -> None:
        if channel.empty and self._channels.get(channel.key) is channel:
            del self._channels[channel.key]
            if not self._channels and self._demand is not None:
                self._demand.idle()

    @property
    def subscriber_count(self) -> int:
        return sum(len(c.live) + len(c.joining) for c in self._channels.values())

    @property
    def channel_count(self) -> int:
        return len(self._channels)

    async def close(self) -> None:
        for task in list(self._fills):
            task.cancel()
        for task in list(self._fills):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
