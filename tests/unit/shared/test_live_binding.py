"""A replica's live queue is bound only while someone follows a channel there: a gateway taking
POSTs with no subscriber is sent no notification to drop, a subscriber still misses nothing, and
a broker that cannot bind does not keep a subscriber from its backlog."""

from __future__ import annotations

import asyncio
from uuid import uuid4

from shared.backoff import Backoff
from shared.events import routing
from shared.live.channels import ChannelKey, ChannelKind
from shared.live.feed import LiveBinding, feed_hub
from shared.live.hub import Backlog, Hub
from shared.live.messages import LiveMessage
from tests.unit.shared.road import Road

KEY = ChannelKey(ChannelKind.TENANT, uuid4())


class Empty:
    async def catch_up(self, key: ChannelKey, since: int | None) -> Backlog:
        return Backlog([], 0)

    async def between(self, key: ChannelKey, after: int, before: int) -> list[LiveMessage]:
        return []


class Quiet:
    def deliver(self, message: LiveMessage) -> None:
        pass

    def lagging(self) -> None:
        raise AssertionError("the subscriber fell behind")


class Counted:
    """Bindings that count what was asked of them, and refuse the first ``failures`` binds."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.binds = 0
        self.unbinds = 0

    async def bind(self) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the broker is away")
        self.binds += 1

    async def unbind(self) -> None:
        self.unbinds += 1


async def until_bound(live: LiveBinding) -> None:
    while not live.bound:
        await asyncio.sleep(0.01)


def private_queue_routed(road: Road) -> bool:
    """Whether a report's progress notification would reach the replica's own queue."""
    queues = road.broker.route(road.topology.events_exchange, routing.REPORT_PROGRESS)
    return any(queue.exclusive_to is not None for queue in queues)


async def test_the_queue_is_bound_only_while_someone_follows(road: Road) -> None:
    hub = Hub(Empty())
    live = await feed_hub(road.bus(), road.topology, hub, "gateway", linger_s=0.01)
    assert not private_queue_routed(road)

    subscriber = Quiet()
    await hub.subscribe(KEY, subscriber, since=None)
    assert private_queue_routed(road)

    hub.unsubscribe(KEY, subscriber)
    await road.wait_until(lambda: not live.bound)
    assert not private_queue_routed(road)
    await live.close()


async def test_a_subscriber_back_within_the_linger_keeps_the_binding() -> None:
    bindings = Counted()
    hub = Hub(Empty())
    live = LiveBinding(bindings, linger_s=60.0)
    hub.on_demand(live)
    for _ in range(3):  # a client reconnecting
        subscriber = Quiet()
        await hub.subscribe(KEY, subscriber, since=None)
        hub.unsubscribe(KEY, subscriber)
    assert (bindings.binds, bindings.unbinds) == (1, 0)
    await live.close()


async def test_a_broker_that_cannot_bind_does_not_hold_back_the_backlog() -> None:
    bindings = Counted(failures=2)
    hub = Hub(Empty())
    live = LiveBinding(bindings, wait_s=0.01, retry=Backoff(0.05, 0.05))
    hub.on_demand(live)

    backlog = await hub.subscribe(KEY, Quiet(), since=None)

    assert backlog.head == 0  # joined on its backlog
    assert not live.bound  # while the broker still refuses the binding
    await until_bound(live)  # once the broker takes it
    assert bindings.binds == 1
    await live.close()
