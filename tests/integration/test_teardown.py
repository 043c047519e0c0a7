"""A test's bus namespace is gone after its pipeline closes, even when a service run as its own
process declared it with the default settings (leaked quorum queues hold broker file descriptors
and, run after run, exhaust them)."""

from __future__ import annotations

from shared.bus.amqp import AmqpBus
from shared.runtime import topology_of
from shared.settings import Settings
from tests.integration.harness import Pipeline
from tests.integration.live_gateway import live_gateway


async def test_no_queue_is_left_when_a_gateway_process_declared_the_namespace(
    pipeline: Pipeline,
) -> None:
    async with live_gateway(
        pipeline.database_url, pipeline.amqp_url, pipeline.namespace, outbox_relay="false"
    ):
        pass
    await pipeline.close()

    # the names the gateway process declared: the default retry delays, not the test's
    default_delays = Settings.model_fields["retry_delays_ms"].default
    topology = topology_of(pipeline.settings(retry_delays_ms=default_delays))
    bus = await AmqpBus.connect(pipeline.amqp_url, topology, declare=False, name="check")
    try:
        left = [q.name for q in topology.all_queues() if await bus.queue_state(q.name)]
    finally:
        await bus.close()
    assert left == []
