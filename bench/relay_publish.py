"""What publishing a relay batch with confirms costs per message: the bus's publish against
aio-pika's ``Exchange.publish`` (what it used before session 6), in one process.

    .venv/bin/python -m bench.relay_publish [--batch 8] [--batches 250] [--rounds 6]

On a scratch bus namespace (its topology declared, then deleted), ``--batches`` batches of
``--batch`` report.requested messages (600-byte bodies, a traceparent header, mandatory,
persistent) are published and confirmed by each side in turn, ``--rounds`` times. Printed per
side: this process's CPU per message and messages per second (median of the rounds, lowest and
highest).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from uuid import uuid4

from bench.common import AMQP_URL
from shared.bus.amqp import AmqpBus, _to_amqp
from shared.messages import OutgoingMessage
from shared.runtime import topology_of
from shared.settings import Settings


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def batch_of(size: int) -> list[OutgoingMessage]:
    return [
        OutgoingMessage(
            routing_key="report.requested",
            body=b"x" * 600,
            message_id=str(uuid4()),
            headers={"traceparent": f"00-{uuid4().hex}-{uuid4().hex[:16]}-01"},
            mandatory=True,
        )
        for _ in range(size)
    ]


async def main(batch: int, batches: int, rounds: int) -> None:
    settings = Settings(amqp_url=AMQP_URL, bus_namespace=f"bench{uuid4().hex[:8]}")
    bus = await AmqpBus.connect(AMQP_URL, topology_of(settings), name="bench-relay-publish")
    try:
        _, exchange = await bus._events_exchange()  # the way publish went before, for the A/B

        async def aio_pika_publish(messages: Sequence[OutgoingMessage]) -> None:
            answers = await asyncio.gather(
                *(
                    exchange.publish(_to_amqp(m), routing_key=m.routing_key, mandatory=True)
                    for m in messages
                )
            )
            assert all(a is not None for a in answers)

        async def bus_publish(messages: Sequence[OutgoingMessage]) -> None:
            assert all(outcome is None for outcome in await bus.publish(messages))

        sides: dict[str, Callable[[Sequence[OutgoingMessage]], Awaitable[None]]] = {
            "aio-pika Exchange.publish": aio_pika_publish,
            "AmqpBus.publish": bus_publish,
        }
        figures: dict[str, list[tuple[float, float]]] = {side: [] for side in sides}
        for number in range(rounds):
            order = list(sides) if number % 2 == 0 else list(reversed(sides))
            for side in order:
                prepared = [batch_of(batch) for _ in range(batches)]
                before, started = cpu_seconds(), time.perf_counter()
                for messages in prepared:
                    await sides[side](messages)
                count = batch * batches
                figures[side].append(
                    (
                        (cpu_seconds() - before) / count * 1e6,
                        count / (time.perf_counter() - started),
                    )
                )
    finally:
        await bus.delete_topology()
        await bus.close()
    for side, runs in figures.items():
        cpu = [r[0] for r in runs]
        rate = [r[1] for r in runs]
        print(
            f"{side}: {statistics.median(cpu):.0f} µs CPU per message ({min(cpu):.0f}–"
            f"{max(cpu):.0f}), {statistics.median(rate):,.0f} messages/s"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--batches", type=int, default=250)
    parser.add_argument("--rounds", type=int, default=6)
    options = parser.parse_args()
    asyncio.run(main(options.batch, options.batches, options.rounds))
