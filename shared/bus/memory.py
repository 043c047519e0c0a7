"""The bus in memory: the same protocol and the same topology semantics as RabbitMQ, in-process.

For tests of the runner, the relay and the stages without a broker (the behaviour suite in
``tests/bus`` runs against this and :class:`~shared.bus.amqp.AmqpBus` alike). What it keeps of
RabbitMQ, because the delivery policy relies on it:

- the events exchange routes by topic (``*`` one word, ``#`` any number); a *mandatory* message no
  queue is bound for is refused as ``unroutable`` (the others of the batch are delivered), an
  optional one goes nowhere;
- a work queue counts returned deliveries (``delivery_count``, RabbitMQ's ``x-delivery-count``)
  and, past its delivery limit, or when a delivery is rejected without requeue, dead-letters the
  message to the dead exchange under the stage's name, into the stage's parking queue;
- a delay tier (a fanout exchange in front of one queue shared by every worker) holds each
  message for its TTL, then dead-letters it under its own routing key (the work queue's name)
  back through the default exchange;
- at most ``prefetch`` deliveries of a consumer are unsettled at once; a handler that raises
  with its delivery unsettled has it requeued; closing the bus returns unsettled deliveries.

Several :class:`MemoryBus` connections to one :class:`MemoryBroker` behave as several services
on one broker. Nothing is persistent: a broker restart is not something this bus can show.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import structlog

from shared.bus.protocol import Handler, OutgoingMessage, PublishOutcome, QueueState, Refused
from shared.bus.topology import QueueSpec, Topology

log = structlog.get_logger(__name__)

DEFAULT_EXCHANGE = ""


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: words split on ".", ``*`` is one word, ``#`` zero or more."""
    want, words = pattern.split("."), routing_key.split(".")

    def match(i: int, j: int) -> bool:
        if i == len(want):
            return j == len(words)
        if want[i] == "#":
            return any(match(i + 1, k) for k in range(j, len(words) + 1))
        return j < len(words) and want[i] in ("*", words[j]) and match(i + 1, j + 1)

    return match(0, 0)


@dataclass
class _Message:
    routing_key: str
    body: bytes
    message_id: str | None
    headers: dict[str, Any]
    content_type: str
    delivery_count: int = 0
    redelivered: bool = False


@dataclass
class _Queue:
    name: str
    delivery_limit: int | None = None
    dead_letter: tuple[str, str] | None = None
    """(exchange, routing key) a dead message goes to."""
    ttl_ms: int | None = None
    exclusive_to: MemoryBus | None = None
    ready: deque[_Message] = field(default_factory=deque)
    consumers: list[_Consumer] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def from_spec(cls, spec: QueueSpec) -> _Queue:
        args = spec.arguments
        dead_letter = None
        if "x-dead-letter-exchange" in args:
            dead_letter = (
                args["x-dead-letter-exchange"],
                args.get("x-dead-letter-routing-key", ""),
            )
        return cls(
            name=spec.name,
            delivery_limit=args.get("x-delivery-limit"),
            dead_letter=dead_letter,
            ttl_ms=args.get("x-message-ttl"),
        )


class Unroutable(Exception):
    """A mandatory send with no queue to take it (RabbitMQ fails the publish likewise)."""


class MemoryBroker:
    """Exchanges, queues and bindings shared by every :class:`MemoryBus` connected to it."""

    def __init__(self) -> None:
        self.queues: dict[str, _Queue] = {}
        self.bindings: dict[str, list[tuple[str, str]]] = {}
        """exchange -> [(binding key, queue name)]"""
        self.exchange_types: dict[str, str] = {DEFAULT_EXCHANGE: "direct"}
        self._timers: set[asyncio.TimerHandle] = set()

    def declare(self, topology: Topology) -> None:
        self.exchange_types.setdefault(topology.events_exchange, "topic")
        self.exchange_types.setdefault(topology.dead_exchange, "direct")
        for exchange, _ in topology.delay_exchanges():
            self.exchange_types.setdefault(exchange, "fanout")
        for spec in topology.all_queues():
            self.declare_queue(_Queue.from_spec(spec), spec.bindings)

    def declare_queue(self, queue: _Queue, bindings: Sequence[tuple[str, str]]) -> _Queue:
        existing = self.queues.setdefault(queue.name, queue)
        for exchange, key in bindings:
            bound = self.bindings.setdefault(exchange, [])
            if (key, queue.name) not in bound:
                bound.append((key, queue.name))
        return existing

    def delete_queue(self, name: str) -> None:
        self.queues.pop(name, None)
        for bound in self.bindings.values():
            bound[:] = [(key, queue) for key, queue in bound if queue != name]

    def route(self, exchange: str, routing_key: str) -> list[_Queue]:
        if exchange == DEFAULT_EXCHANGE:
            queue = self.queues.get(routing_key)
            return [queue] if queue is not None else []
        kind = self.exchange_types.get(exchange)
        names = {
            name
            for key, name in self.bindings.get(exchange, [])
            if kind == "fanout"
            or (topic_matches(key, routing_key) if kind == "topic" else key == routing_key)
        }
        return [self.queues[name] for name in sorted(names) if name in self.queues]

    def enqueue(self, queue: _Queue, message: _Message, *, front: bool = False) -> None:
        if front:
            queue.ready.appendleft(message)
        else:
            queue.ready.append(message)
        if queue.ttl_ms is not None:
            loop = asyncio.get_running_loop()
            timer = loop.call_later(queue.ttl_ms / 1000, self._expire, queue, message)
            self._timers.add(timer)
        queue.changed.set()

    def _expire(self, queue: _Queue, message: _Message) -> None:
        if message in queue.ready:
            queue.ready.remove(message)
            self.dead_letter(queue, message, reason="expired")

    def dead_letter(self, queue: _Queue, message: _Message, *, reason: str) -> None:
        """Move ``message`` out of ``queue`` the way RabbitMQ dead-letters (or drop it)."""
        if queue.dead_letter is None:
            return
        exchange, key = queue.dead_letter
        routing_key = key or message.routing_key
        death = {"queue": queue.name, "reason": reason, "count": 1, "exchange": exchange}
        headers = {**message.headers, "x-death": [death, *message.headers.get("x-death", [])]}
        headers.setdefault("x-first-death-queue", queue.name)
        headers.setdefault("x-first-death-reason", reason)
        moved = _Message(
            routing_key=routing_key,
            body=message.body,
            message_id=message.message_id,
            headers=headers,
            content_type=message.content_type,
        )
        for target in self.route(exchange, routing_key):
            self.enqueue(target, moved)

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()


class _Delivery:
    """One delivery of a message to a consumer, settled exactly once."""

    def __init__(self, consumer: _Consumer, message: _Message) -> None:
        self._consumer = consumer
        self._message = message
        self.settled = False
        # as the broker stamps them on this delivery: a later return changes the message only
        self._redelivered = message.redelivered
        self._delivery_count = message.delivery_count

    @property
    def body(self) -> bytes:
        return self._message.body

    @property
    def message_id(self) -> str | None:
        return self._message.message_id

    @property
    def routing_key(self) -> str:
        return self._message.routing_key

    @property
    def headers(self) -> Mapping[str, Any]:
        if self._delivery_count:
            return {**self._message.headers, "x-delivery-count": self._delivery_count}
        return self._message.headers

    @property
    def redelivered(self) -> bool:
        return self._redelivered

    @property
    def delivery_count(self) -> int:
        return self._delivery_count

    async def ack(self) -> None:
        self._settle()

    async def reject(self, *, requeue: bool) -> None:
        self._settle()
        self._consumer.returned(self._message, requeue=requeue)

    def _settle(self) -> None:
        if self.settled:
            raise RuntimeError("delivery already settled")  # RabbitMQ closes the channel
        self.settled = True
        self._consumer.settled(self)


class _Consumer:
    def __init__(
        self, broker: MemoryBroker, queue: _Queue, handler: Handler, prefetch: int
    ) -> None:
        self.broker = broker
        self.queue = queue
        self.handler = handler
        self.prefetch = prefetch
        self.unsettled: set[_Delivery] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.active = True
        self.loop_task = asyncio.create_task(self._deliver(), name=f"memory-bus:{queue.name}")

    async def _deliver(self) -> None:
        queue = self.queue
        while self.active:
            while self.active and queue.ready and len(self.unsettled) < self.prefetch:
                delivery = _Delivery(self, queue.ready.popleft())
                self.unsettled.add(delivery)
                task = asyncio.create_task(self._handle(delivery))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            queue.changed.clear()
            await queue.changed.wait()

    async def _handle(self, delivery: _Delivery) -> None:
        try:
            await self.handler(delivery)
        except Exception:
            log.exception("bus.handler_crashed", routing_key=delivery.routing_key)
            if not delivery.settled:
                await delivery.reject(requeue=True)

    def settled(self, delivery: _Delivery) -> None:
        self.unsettled.discard(delivery)
        self.queue.changed.set()

    def returned(self, message: _Message, *, requeue: bool) -> None:
        queue = self.queue
        message.delivery_count += 1
        message.redelivered = True
        over_limit = queue.delivery_limit is not None and message.delivery_count > (
            queue.delivery_limit
        )
        if requeue and not over_limit:
            self.broker.enqueue(queue, message, front=True)
        else:
            self.broker.dead_letter(
                queue, message, reason="delivery_limit" if requeue else "rejected"
            )

    def cancel(self) -> None:
        self.active = False
        self.loop_task.cancel()
        if self in self.queue.consumers:
            self.queue.consumers.remove(self)
        self.queue.changed.set()

    def return_unsettled(self) -> None:
        """The connection is gone: what this consumer held goes back to the queue."""
        for delivery in list(self.unsettled):
            delivery.settled = True
            self.unsettled.discard(delivery)
            self.returned(delivery._message, requeue=True)


class _PrivateBindings:
    def __init__(
        self, broker: MemoryBroker, queue: str, bindings: Sequence[tuple[str, str]]
    ) -> None:
        self._broker = broker
        self._queue = queue
        self._bindings = bindings

    async def bind(self) -> None:
        if self._queue in self._broker.queues:
            self._broker.declare_queue(self._broker.queues[self._queue], self._bindings)

    async def unbind(self) -> None:
        for exchange, key in self._bindings:
            bound = self._broker.bindings.get(exchange, [])
            if (key, self._queue) in bound:
                bound.remove((key, self._queue))


class MemoryBus:
    """In-memory implementation of :class:`shared.bus.protocol.Bus` (see the module docstring)."""

    def __init__(self, broker: MemoryBroker, topology: Topology) -> None:
        self._broker = broker
        self._topology = topology
        self._consumers: list[_Consumer] = []
        self._private: list[str] = []
        self._closed = False
        broker.declare(topology)

    @property
    def topology(self) -> Topology:
        return self._topology

    @property
    def broker(self) -> MemoryBroker:
        return self._broker

    async def publish(self, messages: Sequence[OutgoingMessage]) -> list[PublishOutcome]:
        self._check_open()
        exchange = self._topology.events_exchange
        outcomes: list[PublishOutcome] = []
        for message in messages:
            queues = self._broker.route(exchange, message.routing_key)
            if message.mandatory and not queues:
                outcomes.append(
                    Refused("unroutable", f"no queue is bound to routing key {message.routing_key}")
                )
                continue
            for queue in queues:
                self._broker.enqueue(queue, _copy(message))
            outcomes.append(None)
        return outcomes

    async def send_to_queue(self, queue: str, message: OutgoingMessage) -> None:
        self._check_open()
        for target in self._broker.route(DEFAULT_EXCHANGE, queue):
            self._broker.enqueue(target, _copy(message))

    async def send_delayed(self, queue: str, delay_ms: int, message: OutgoingMessage) -> None:
        self._check_open()
        exchange = self._topology.delay_exchange(delay_ms)
        tiers = self._broker.route(exchange, queue)
        if exchange not in self._broker.exchange_types or not tiers:
            raise Unroutable(f"no delay tier of {delay_ms} ms")  # mandatory, as on RabbitMQ
        delayed = replace(message, routing_key=queue)
        for tier in tiers:
            self._broker.enqueue(tier, _copy(delayed))

    async def consume(self, queue: str, handler: Handler, *, prefetch: int) -> None:
        self._check_open()
        if not any(spec.name == queue for spec in self._topology.all_queues()):
            raise ValueError(f"{queue} is not a queue of this topology")
        self._start(self._broker.queues[queue], handler, prefetch)

    async def bind_private_queue(
        self,
        name: str,
        routing_keys: Sequence[str],
        handler: Handler,
        *,
        prefetch: int,
        bound: bool = True,
    ) -> _PrivateBindings:
        self._check_open()
        queue = self._broker.declare_queue(_Queue(name=name, exclusive_to=self), [])
        bindings = _PrivateBindings(
            self._broker, name, [(self._topology.events_exchange, key) for key in routing_keys]
        )
        if bound:
            await bindings.bind()
        self._private.append(name)
        self._start(queue, handler, prefetch)
        return bindings

    def _start(self, queue: _Queue, handler: Handler, prefetch: int) -> None:
        if prefetch < 1:
            raise ValueError("prefetch must be at least 1")
        consumer = _Consumer(self._broker, queue, handler, prefetch)
        queue.consumers.append(consumer)
        self._consumers.append(consumer)

    async def queue_state(self, queue: str) -> QueueState | None:
        found = self._broker.queues.get(queue)
        if found is None:
            return None
        return QueueState(messages=len(found.ready), consumers=len(found.consumers))

    async def cancel_consumers(self) -> None:
        for consumer in self._consumers:
            consumer.cancel()

    @property
    def is_connected(self) -> bool:
        return not self._closed

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for consumer in self._consumers:
            consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await consumer.loop_task
            consumer.return_unsettled()
        self._consumers.clear()
        for name in self._private:
            self._broker.delete_queue(name)
        self._private.clear()

    def _check_open(self) -> None:
        if self._closed:
            raise ConnectionError("the memory bus is closed")


def _copy(message: OutgoingMessage) -> _Message:
    return _Message(
        routing_key=message.routing_key,
        body=message.body,
        message_id=message.message_id,
        headers={k: v for k, v in message.headers.items() if v is not None},
        content_type=message.content_type,
    )
