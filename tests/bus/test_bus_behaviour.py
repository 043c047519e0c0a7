"""What the delivery policy relies on from a bus, checked on the in-memory bus and RabbitMQ alike.

Routing by topic, confirms failing for what nobody listens to, bounded prefetch, redelivery with a
delivery count, dead-lettering past the delivery limit or on reject, delay tiers that come back
into the work queue, and private queues that live as long as their connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from uuid import uuid4

from shared.bus.protocol import Bus, IncomingMessage, OutgoingMessage, Refused
from shared.bus.topology import Topology
from shared.events import routing
from tests.bus.conftest import DELIVERY_LIMIT, RETRY_DELAYS_MS, Connect

WAIT_S = 10.0


def message(routing_key: str = routing.REPORT_REQUESTED, **headers: object) -> OutgoingMessage:
    return OutgoingMessage(
        routing_key=routing_key,
        body=b'{"n": 1}',
        message_id=str(uuid4()),
        headers=dict(headers),
    )


class Inbox:
    """A handler that keeps what it receives and settles it the way it is told."""

    def __init__(self, settle: Callable[[IncomingMessage], Awaitable[None]] | None = None) -> None:
        self.received: list[IncomingMessage] = []
        self._settle = settle
        self._arrived = asyncio.Condition()

    async def __call__(self, delivery: IncomingMessage) -> None:
        async with self._arrived:
            self.received.append(delivery)
            self._arrived.notify_all()
        if self._settle is not None:
            await self._settle(delivery)

    async def until(self, count: int) -> list[IncomingMessage]:
        async with asyncio.timeout(WAIT_S), self._arrived:
            await self._arrived.wait_for(lambda: len(self.received) >= count)
        return self.received


async def ack(delivery: IncomingMessage) -> None:
    await delivery.ack()


async def queue_depth(bus: Bus, queue: str, depth: int) -> None:
    async with asyncio.timeout(WAIT_S):
        while True:
            state = await bus.queue_state(queue)
            if state is not None and state.messages == depth:
                return
            await asyncio.sleep(0.02)


async def test_a_published_event_reaches_the_stage_bound_to_its_routing_key(
    bus: Bus, topology: Topology
) -> None:
    ingestor, analyzer = Inbox(ack), Inbox(ack)
    await bus.consume(topology.work_queue("ingestor"), ingestor, prefetch=5)
    await bus.consume(topology.work_queue("analyzer"), analyzer, prefetch=5)
    sent = message(routing.REPORT_REQUESTED, traceparent="00-abc-def-01")

    assert await bus.publish([sent]) == [None]

    [got] = await ingestor.until(1)
    assert (got.body, got.message_id, got.routing_key) == (
        sent.body,
        sent.message_id,
        routing.REPORT_REQUESTED,
    )
    assert got.headers["traceparent"] == "00-abc-def-01"
    assert not got.redelivered
    assert got.delivery_count == 0
    await queue_depth(bus, topology.work_queue("ingestor"), 0)
    assert analyzer.received == []


async def test_a_mandatory_message_nobody_is_bound_for_is_refused_alone(
    bus: Bus, topology: Topology
) -> None:
    inbox = Inbox(ack)
    await bus.consume(topology.work_queue("ingestor"), inbox, prefetch=5)
    lost, routed = message("nobody.listens"), message(routing.REPORT_REQUESTED)

    outcomes = await bus.publish([lost, routed])

    assert isinstance(outcomes[0], Refused)
    assert outcomes[0].error_class == "unroutable"
    assert outcomes[1] is None  # the rest of the batch is confirmed
    [got] = await inbox.until(1)
    assert got.message_id == routed.message_id


async def test_an_optional_message_nobody_is_bound_for_is_dropped_quietly(bus: Bus) -> None:
    optional = OutgoingMessage("nobody.listens", b"{}", str(uuid4()), mandatory=False)
    assert await bus.publish([optional]) == [None]


async def test_no_more_than_prefetch_deliveries_are_unsettled_at_once(
    bus: Bus, topology: Topology
) -> None:
    held = Inbox()  # never settles
    queue = topology.work_queue("ingestor")
    await bus.publish([message() for _ in range(5)])
    await queue_depth(bus, queue, 5)

    await bus.consume(queue, held, prefetch=2)

    await held.until(2)
    await queue_depth(bus, queue, 3)
    await asyncio.sleep(0.2)
    assert len(held.received) == 2
    state = await bus.queue_state(queue)
    assert state is not None
    assert state.consumers == 1
    await held.received[0].ack()
    await held.until(3)  # settling one lets the next through


async def test_a_requeued_delivery_comes_back_marked_as_redelivered(
    bus: Bus, topology: Topology
) -> None:
    async def reject_first(delivery: IncomingMessage) -> None:
        if delivery.redelivered:
            await delivery.ack()
        else:
            await delivery.reject(requeue=True)

    inbox = Inbox(reject_first)
    await bus.consume(topology.work_queue("ingestor"), inbox, prefetch=1)
    sent = message()
    await bus.publish([sent])

    first, second = await inbox.until(2)

    assert (first.redelivered, second.redelivered) == (False, True)
    assert second.message_id == sent.message_id
    assert second.delivery_count >= 1


async def test_a_handler_that_raises_without_settling_gets_the_message_again(
    bus: Bus, topology: Topology
) -> None:
    async def crash_once(delivery: IncomingMessage) -> None:
        if not delivery.redelivered:
            raise RuntimeError("worker bug")
        await delivery.ack()

    inbox = Inbox(crash_once)
    await bus.consume(topology.work_queue("ingestor"), inbox, prefetch=1)
    await bus.publish([message()])

    _, again = await inbox.until(2)
    assert again.redelivered


async def test_past_the_delivery_limit_a_message_is_parked_in_the_dead_queue(
    bus: Bus, topology: Topology
) -> None:
    async def always_return(delivery: IncomingMessage) -> None:
        await delivery.reject(requeue=True)

    work, parked = Inbox(always_return), Inbox(ack)
    await bus.consume(topology.work_queue("ingestor"), work, prefetch=1)
    await bus.consume(topology.dead_queue("ingestor"), parked, prefetch=1)
    sent = message()
    await bus.publish([sent])

    [dead] = await parked.until(1)

    assert dead.message_id == sent.message_id
    assert dead.body == sent.body
    assert len(work.received) == DELIVERY_LIMIT + 1
    await queue_depth(bus, topology.work_queue("ingestor"), 0)


async def test_a_message_rejected_without_requeue_is_parked_at_once(
    bus: Bus, topology: Topology
) -> None:
    async def refuse(delivery: IncomingMessage) -> None:
        await delivery.reject(requeue=False)

    work, parked = Inbox(refuse), Inbox(ack)
    await bus.consume(topology.work_queue("analyzer"), work, prefetch=1)
    await bus.consume(topology.dead_queue("analyzer"), parked, prefetch=1)
    await bus.publish([message(routing.REPORT_INGESTED)])

    [dead] = await parked.until(1)
    assert len(work.received) == 1
    assert dead.body == b'{"n": 1}'


async def test_a_message_sent_to_a_delay_tier_returns_to_the_work_queue(
    bus: Bus, topology: Topology
) -> None:
    delay_ms = RETRY_DELAYS_MS[0]
    work = Inbox(ack)
    sent = message(routing.REPORT_ANALYZED, **{"x-clinrelay-attempt": 2})

    await bus.send_delayed(topology.work_queue("renderer"), delay_ms, sent)
    await bus.consume(topology.work_queue("renderer"), work, prefetch=1)

    [back] = await work.until(1)
    assert back.message_id == sent.message_id
    assert back.headers["x-clinrelay-attempt"] == 2
    await queue_depth(bus, topology.retry_queue(delay_ms), 0)
    # the tier is shared: the analyzer's retries go through it back to the analyzer alone
    analyzer = Inbox(ack)
    await bus.consume(topology.work_queue("analyzer"), analyzer, prefetch=1)
    await bus.send_delayed(topology.work_queue("analyzer"), delay_ms, message())
    await analyzer.until(1)
    assert len(work.received) == 1


async def test_a_private_queue_gets_what_it_is_bound_to_and_goes_with_its_connection(
    connect: Connect, topology: Topology
) -> None:
    notifier, gateway = await connect(), await connect()
    name = topology.notifier_queue(uuid4().hex[:8])
    inbox = Inbox(ack)
    await notifier.bind_private_queue(name, ["report.#"], inbox, prefetch=10)

    await gateway.publish(
        [
            OutgoingMessage(routing.REPORT_PROGRESS, b"{}", str(uuid4()), mandatory=False),
            OutgoingMessage(routing.REPORT_COMPLETED, b"{}", str(uuid4()), mandatory=False),
            OutgoingMessage("batch.completed", b"{}", str(uuid4()), mandatory=False),
        ]
    )

    received = await inbox.until(2)
    await asyncio.sleep(0.2)
    assert sorted(d.routing_key for d in received) == sorted(
        [routing.REPORT_PROGRESS, routing.REPORT_COMPLETED]
    )
    await notifier.close()
    async with asyncio.timeout(WAIT_S):
        while await gateway.queue_state(name) is not None:
            await asyncio.sleep(0.05)


async def test_a_list_of_texts_in_a_header_arrives_as_that_list(
    connect: Connect, topology: Topology
) -> None:
    # How a notification carries the earlier ones of its call (x-clinrelay-notes, migration 0090).
    notifier, relay = await connect(), await connect()
    inbox = Inbox(ack)
    await notifier.bind_private_queue(
        topology.notifier_queue(uuid4().hex[:8]), [routing.REPORT_PROGRESS], inbox, prefetch=10
    )
    riders = ['{"event_id":2,"message":"ünïcode ✓"}', '{"event_id":3}']
    sent = OutgoingMessage(
        routing.REPORT_PROGRESS,
        b"{}",
        str(uuid4()),
        headers={"x-clinrelay-notes": riders},
        mandatory=False,
    )

    assert await relay.publish([sent]) == [None]

    [got] = await inbox.until(1)
    assert list(got.headers["x-clinrelay-notes"]) == riders
    await notifier.close()


async def test_after_cancelling_consumers_new_messages_wait_in_the_queue(
    bus: Bus, topology: Topology
) -> None:
    queue = topology.work_queue("ingestor")
    inbox = Inbox(ack)
    await bus.consume(queue, inbox, prefetch=1)
    await bus.publish([message()])
    await inbox.until(1)

    await bus.cancel_consumers()
    await bus.publish([message()])

    await queue_depth(bus, queue, 1)
    assert len(inbox.received) == 1


async def test_an_unknown_queue_has_no_state(bus: Bus) -> None:
    assert await bus.queue_state(f"nowhere-{uuid4().hex}") is None
    assert bus.is_connected
