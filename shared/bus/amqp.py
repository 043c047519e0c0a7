"""The bus on RabbitMQ, through aio-pika. The only module in clinrelay that imports aio-pika.

Choices that matter for "nothing lost, nothing twice":
- every message is persistent and every publish waits for the broker's confirm (with a timeout,
  since a publish to a blocked or absent broker otherwise waits forever), but batches are
  confirmed together rather than one by one;
- each consumer has its own channel with a bounded prefetch, and the channels are kept referenced
  here so the robust connection can restore them (and their consumers) after a reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from typing import Any, cast

import aio_pika
import aiormq
import structlog
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)
from aio_pika.exceptions import ChannelClosed, DeliveryError, PublishError
from pamqp.commands import Basic
from pamqp.common import FieldValue

from shared.bus.protocol import (
    Handler,
    OutgoingMessage,
    PublishOutcome,
    QueueState,
    Refused,
    Unconfirmed,
)
from shared.bus.topology import QueueSpec, Topology

log = structlog.get_logger(__name__)

DEFAULT_HEARTBEAT_S = 15
"""Shorter than RabbitMQ's 60 s: a silently dead link is noticed in about 30 s, not 2 minutes."""


class _Delivery:
    """An aio-pika delivery seen through :class:`shared.bus.protocol.IncomingMessage`."""

    __slots__ = ("_message",)

    def __init__(self, message: AbstractIncomingMessage) -> None:
        self._message = message

    @property
    def body(self) -> bytes:
        return self._message.body

    @property
    def message_id(self) -> str | None:
        return self._message.message_id

    @property
    def routing_key(self) -> str:
        return self._message.routing_key or ""

    @property
    def headers(self) -> Mapping[str, Any]:
        return self._message.headers or {}

    @property
    def redelivered(self) -> bool:
        return bool(self._message.redelivered)

    @property
    def delivery_count(self) -> int:
        count = self.headers.get("x-delivery-count")
        return int(count) if isinstance(count, int) else (1 if self.redelivered else 0)

    async def ack(self) -> None:
        await self._message.ack()

    async def reject(self, *, requeue: bool) -> None:
        await self._message.reject(requeue=requeue)


def _outcome(message: OutgoingMessage, answer: object) -> PublishOutcome:
    if isinstance(answer, PublishError):  # returned: no queue is bound to its routing key
        return Refused("unroutable", f"no queue is bound to routing key {message.routing_key}")
    if isinstance(answer, DeliveryError):  # nacked (a queue refusing it, overflow, no leader)
        return Refused("refused_by_broker", "the broker nacked it")
    if isinstance(answer, BaseException):
        return Unconfirmed(type(answer).__name__)
    return None


def _properties(message: OutgoingMessage) -> Basic.Properties:
    """What :func:`_to_amqp` sends with the body, built directly."""
    return Basic.Properties(
        content_type=message.content_type,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT.value,
        headers={k: v for k, v in message.headers.items() if v is not None},
        message_id=message.message_id,
        message_type=message.routing_key,
        priority=0,  # as aio-pika's Message sends it
    )


def _to_amqp(message: OutgoingMessage) -> aio_pika.Message:
    headers: dict[str, FieldValue] = {k: v for k, v in message.headers.items() if v is not None}
    return aio_pika.Message(
        body=message.body,
        message_id=message.message_id,
        content_type=message.content_type,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        headers=headers,
        type=message.routing_key,
    )


class _PrivateBindings:
    """A private queue's bindings; the robust queue re-creates those in place after a reconnect."""

    def __init__(
        self, queue: AbstractQueue, exchange: str, keys: Sequence[str], timeout: float
    ) -> None:
        self._queue = queue
        self._exchange = exchange
        self._keys = tuple(keys)
        self._timeout = timeout

    async def bind(self) -> None:
        async with asyncio.timeout(self._timeout):
            for key in self._keys:
                await self._queue.bind(self._exchange, key)

    async def unbind(self) -> None:
        async with asyncio.timeout(self._timeout):
            for key in self._keys:
                await self._queue.unbind(self._exchange, key)


class AmqpBus:
    """RabbitMQ implementation of :class:`shared.bus.protocol.Bus`."""

    def __init__(
        self,
        connection: AbstractRobustConnection,
        topology: Topology,
        *,
        publish_timeout: float,
    ) -> None:
        self._connection = connection
        self._topology = topology
        self._publish_timeout = publish_timeout
        self._rpc_timeout = publish_timeout
        """Bound on every other broker round trip (declare, delete, passive declare)."""
        self._publish_channel: AbstractChannel | None = None
        self._events: AbstractExchange | None = None
        self._consumer_channels: list[AbstractChannel] = []
        self._consumers: list[tuple[AbstractQueue, str]] = []
        self._publish_lock = asyncio.Lock()

    @classmethod
    async def connect(
        cls,
        url: str,
        topology: Topology,
        *,
        publish_timeout: float = 10.0,
        name: str = "clinrelay",
        heartbeat_s: int = DEFAULT_HEARTBEAT_S,
        declare: bool = True,
    ) -> AmqpBus:
        """Connect (robustly: reconnects and restores consumers) and declare the topology
        (``declare=False`` for a connection that only deletes it: declaring fails when another
        process declared the namespace's queues with other arguments).

        The AMQP heartbeat is what notices a link that went silent without being closed (a
        frozen network path, a paused broker): after about two missed heartbeats the connection
        is dropped and re-established. A ``heartbeat`` in the URL's query wins.
        """
        extra: dict[str, Any] = {}
        if "heartbeat=" not in url.partition("?")[2]:
            extra["heartbeat"] = heartbeat_s
        connection = await aio_pika.connect_robust(
            url, timeout=10, client_properties={"connection_name": name}, **extra
        )
        bus = cls(connection, topology, publish_timeout=publish_timeout)
        if declare:
            await bus.declare_topology()
        return bus

    @property
    def topology(self) -> Topology:
        return self._topology

    async def declare_topology(self) -> None:
        """Declare every exchange and queue (idempotent; every service does it at start-up)."""
        async with asyncio.timeout(self._rpc_timeout * 3):
            await self._declare_all()

    async def _declare_all(self) -> None:
        channel = await self._connection.channel()
        try:
            await channel.declare_exchange(
                self._topology.events_exchange, aio_pika.ExchangeType.TOPIC, durable=True
            )
            await channel.declare_exchange(
                self._topology.dead_exchange, aio_pika.ExchangeType.DIRECT, durable=True
            )
            for exchange, _ in self._topology.delay_exchanges():
                await channel.declare_exchange(exchange, aio_pika.ExchangeType.FANOUT, durable=True)
            for spec in self._topology.all_queues():
                await self._declare(channel, spec)
        finally:
            await channel.close()

    async def delete_topology(self) -> None:
        """Delete every queue and exchange of this namespace (tests, tearing down a deployment).

        Each deletion gets its own channel: a failed one (already gone) closes its channel and
        must not stop the others.
        """
        for spec in self._topology.all_queues():
            await self._delete("queue", spec.name)
        delay = [exchange for exchange, _ in self._topology.delay_exchanges()]
        for exchange in (self._topology.events_exchange, self._topology.dead_exchange, *delay):
            await self._delete("exchange", exchange)

    async def _delete(self, what: str, name: str) -> None:
        async with asyncio.timeout(self._rpc_timeout):
            await self._delete_now(what, name)

    async def _delete_now(self, what: str, name: str) -> None:
        channel = await self._connection.channel()
        try:
            if what == "queue":
                await channel.queue_delete(name)
            else:
                await channel.exchange_delete(name)
        except ChannelClosed:
            return
        if not channel.is_closed:
            await channel.close()

    async def _declare(self, channel: AbstractChannel, spec: QueueSpec) -> AbstractQueue:
        queue = await channel.declare_queue(
            spec.name, durable=spec.durable, arguments=spec.arguments
        )
        for exchange, key in spec.bindings:
            await queue.bind(exchange, key)
        return queue

    async def _events_exchange(self) -> tuple[AbstractChannel, AbstractExchange]:
        if self._publish_channel is None or self._publish_channel.is_closed:
            # on_return_raises: an unroutable mandatory message fails its publish instead of
            # being confirmed and silently dropped.
            self._publish_channel = await self._connection.channel(
                publisher_confirms=True, on_return_raises=True
            )
            self._events = await self._publish_channel.get_exchange(
                self._topology.events_exchange, ensure=False
            )
        assert self._events is not None
        return self._publish_channel, self._events

    async def publish(self, messages: Sequence[OutgoingMessage]) -> list[PublishOutcome]:
        if not messages:
            return []
        channel, _ = await self._events_exchange()
        underlay = cast(aiormq.Channel, await channel.get_underlay_channel())
        # aiormq's publish, not aio-pika's Exchange.publish: that one waits, under the channel's
        # lock, until its frames are written before the next message may be queued, so a batch
        # cost a writer round and a drain per message (issue 15). With wait=False the whole batch
        # is queued at once and written in one pass; each publish still waits for its own
        # confirm (or return, or nack), under the same timeout.
        answers = await asyncio.gather(
            *(
                underlay.basic_publish(
                    m.body,
                    exchange=self._topology.events_exchange,
                    routing_key=m.routing_key,
                    properties=_properties(m),
                    mandatory=m.mandatory,
                    timeout=self._publish_timeout,
                    wait=False,
                )
                for m in messages
            ),
            return_exceptions=True,
        )
        return [_outcome(m, answer) for m, answer in zip(messages, answers, strict=True)]

    async def send_to_queue(self, queue: str, message: OutgoingMessage) -> None:
        channel, _ = await self._events_exchange()
        await channel.default_exchange.publish(
            _to_amqp(message), routing_key=queue, timeout=self._publish_timeout
        )

    async def send_delayed(self, queue: str, delay_ms: int, message: OutgoingMessage) -> None:
        """Through the ``delay_ms`` tier to ``queue`` (a work queue): confirmed, and mandatory,
        so a missing tier fails the publish rather than dropping the message."""
        channel, _ = await self._events_exchange()
        exchange = await channel.get_exchange(self._topology.delay_exchange(delay_ms), ensure=False)
        await exchange.publish(
            _to_amqp(message), routing_key=queue, mandatory=True, timeout=self._publish_timeout
        )

    async def consume(self, queue: str, handler: Handler, *, prefetch: int) -> None:
        spec = next((s for s in self._topology.all_queues() if s.name == queue), None)
        if spec is None:
            raise ValueError(f"{queue} is not a queue of this topology")
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=prefetch)
        declared = await self._declare(channel, spec)
        self._consumer_channels.append(channel)

        async def on_message(message: AbstractIncomingMessage) -> None:
            await _settle_safely(message, handler)

        tag = await declared.consume(on_message)
        self._consumers.append((declared, tag))

    async def bind_private_queue(
        self,
        name: str,
        routing_keys: Sequence[str],
        handler: Handler,
        *,
        prefetch: int,
        bound: bool = True,
    ) -> _PrivateBindings:
        """A queue of this connection alone (auto-deleted with it), bound to ``routing_keys``."""
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=prefetch)
        queue = await channel.declare_queue(name, exclusive=True, auto_delete=True, durable=False)
        bindings = _PrivateBindings(
            queue, self._topology.events_exchange, routing_keys, self._rpc_timeout
        )
        if bound:
            await bindings.bind()
        self._consumer_channels.append(channel)

        async def on_message(message: AbstractIncomingMessage) -> None:
            await _settle_safely(message, handler)

        tag = await queue.consume(on_message)
        self._consumers.append((queue, tag))
        return bindings

    async def queue_state(self, queue: str) -> QueueState | None:
        async with asyncio.timeout(self._rpc_timeout):
            return await self._queue_state(queue)

    async def _queue_state(self, queue: str) -> QueueState | None:
        channel = await self._connection.channel()
        try:
            declared = await channel.declare_queue(queue, passive=True)
        except ChannelClosed:
            return None
        result = declared.declaration_result
        state = QueueState(messages=result.message_count or 0, consumers=result.consumer_count or 0)
        await channel.close()
        return state

    async def cancel_consumers(self) -> None:
        """Stop receiving new deliveries (in-flight ones can still be settled)."""
        for queue, tag in self._consumers:
            with contextlib.suppress(Exception):
                await queue.cancel(tag)
        self._consumers.clear()

    @property
    def is_connected(self) -> bool:
        """Connected right now: a robust connection that lost the broker is not closed (it is
        reconnecting), but it is not connected either."""
        return not self._connection.is_closed and self._connection.connected.is_set()

    async def close(self) -> None:
        for channel in self._consumer_channels:
            if not channel.is_closed:
                await channel.close()
        self._consumer_channels.clear()
        await self._connection.close()


async def _settle_safely(message: AbstractIncomingMessage, handler: Handler) -> None:
    """Run the handler; if it escapes unsettled, requeue (the delivery limit bounds loops)."""
    delivery = _Delivery(message)
    try:
        await handler(delivery)
    except Exception:
        log.exception("bus.handler_crashed", routing_key=delivery.routing_key)
        if not message.processed:
            await message.reject(requeue=True)
