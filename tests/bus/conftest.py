"""One behaviour suite, two buses: every test in this folder runs against the in-memory bus and
against RabbitMQ (FastStream's pattern), so the in-memory bus other unit tests rely on is held to
what the broker does. The RabbitMQ runs are marked ``integration``; each gets a bus namespace of
its own and deletes its queues and exchanges afterwards."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from uuid import uuid4

import pytest

from shared.bus.amqp import AmqpBus
from shared.bus.memory import MemoryBroker, MemoryBus
from shared.bus.protocol import Bus
from shared.bus.topology import Topology

AMQP_URL = os.environ.get("CLINRELAY_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
DELIVERY_LIMIT = 2
RETRY_DELAYS_MS = (200,)

Connect = Callable[[], Awaitable[Bus]]


@pytest.fixture
def topology() -> Topology:
    return Topology(f"b{uuid4().hex[:10]}", DELIVERY_LIMIT, RETRY_DELAYS_MS)


@pytest.fixture(
    params=[
        pytest.param("memory"),
        pytest.param("rabbitmq", marks=pytest.mark.integration),
    ]
)
async def connect(request: pytest.FixtureRequest, topology: Topology) -> AsyncIterator[Connect]:
    """Opens connections to one broker (several connections = several services)."""
    opened: list[Bus] = []
    broker = MemoryBroker()

    async def open_one() -> Bus:
        bus: Bus
        if request.param == "memory":
            bus = MemoryBus(broker, topology)
        else:
            bus = await AmqpBus.connect(AMQP_URL, topology, publish_timeout=5, name="bus-suite")
        opened.append(bus)
        return bus

    yield open_one
    for bus in opened:
        await bus.close()
    broker.close()
    if request.param == "rabbitmq":
        cleanup = await AmqpBus.connect(AMQP_URL, topology, publish_timeout=5, name="cleanup")
        try:
            await cleanup.delete_topology()
        finally:
            await cleanup.close()


@pytest.fixture
async def bus(connect: Connect) -> Bus:
    return await connect()
