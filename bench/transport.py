"""Per-stage transport overhead: clinrelay's runner against a bare RabbitMQ+PostgreSQL hop.

    .venv/bin/python -m bench.transport [--reports 400] [--repeat 3]

Baseline ("bare hop", as in ../shared/brief/dependencies.md): consume with prefetch 50 → one
UPDATE → publish with confirm → ack, written directly on aio-pika and asyncpg. clinrelay: three
no-op stages (ingestor → analyzer → renderer) behind the real StageRunner and outbox relay, so every
hop pays for de-duplication, the audit event, the outbox row and the relay's confirmed publish.
Both run in this one process against the local broker and database, in the same run; the figure
that matters is the ratio. The reports are created in one transaction before the clock starts, so
the figure is the hops alone (their report.requested events reach the broker through the relay
once the clock runs, as the bare hop's input is already queued when its clock starts).

Database round trips per hop are counted on the client (every statement, BEGIN and COMMIT and
any reset on release; the bench's own polling excluded) over the clinrelay run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, ClassVar
from uuid import uuid4

import aio_pika
import asyncpg
from pamqp.common import FieldValue
from pydantic import BaseModel

from bench.common import scratch_database, settings_for
from shared import logging as clinrelay_logging
from shared.bus.amqp import AmqpBus
from shared.db.pool import create_pool
from shared.db.postgres import PgStore
from shared.db.repositories import StageRepositories
from shared.db.submissions import Submission, create_report
from shared.delivery.relay import OutboxRelay
from shared.delivery.runner import StageRunner
from shared.events import Envelope, ReportKind, routing
from shared.runtime import topology_of
from shared.stage import NextEvent, StageContext, StageOutcome


class _Empty(BaseModel):
    """No payload: the benchmark measures transport alone."""


class NoOp:
    working_progress: ClassVar[int] = 10
    handles_phi: ClassVar[bool] = False
    prefetch = 50

    def __init__(self, name: str, working_step: str, next_type: str | None) -> None:
        self.name = name
        self.working_step = working_step
        self.next_type = next_type

    async def handle(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        if self.next_type is None:
            return StageOutcome(step="done", progress_percent=100, message="", result={})
        return StageOutcome(
            step=f"{self.name}-done",
            progress_percent=50,
            message="",
            next_event=NextEvent(self.next_type, _Empty()),
        )


async def bare_hops(amqp_url: str, dsn: str, count: int) -> float:
    """Hops per second of the baseline: consume → UPDATE → confirmed publish → ack."""
    connection = await aio_pika.connect(amqp_url)
    conn = await asyncpg.connect(dsn)
    name = f"bench.bare.{uuid4().hex[:8]}"
    try:
        await conn.execute("CREATE TABLE IF NOT EXISTS bench_hop (id int PRIMARY KEY, n int)")
        await conn.execute("INSERT INTO bench_hop VALUES (1, 0) ON CONFLICT DO NOTHING")
        pool = await create_pool(dsn, max_size=10)
        publish = await connection.channel(publisher_confirms=True)
        args: dict[str, FieldValue] = {"x-queue-type": "quorum"}
        source = await publish.declare_queue(f"{name}.a", durable=True, arguments=args)
        sink = await publish.declare_queue(f"{name}.b", durable=True, arguments=args)
        body = b"x" * 512
        await asyncio.gather(
            *(
                publish.default_exchange.publish(
                    aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                    routing_key=source.name,
                )
                for _ in range(count)
            )
        )
        consume = await connection.channel()
        await consume.set_qos(prefetch_count=50)
        queue = await consume.get_queue(source.name)
        done = asyncio.Event()
        moved = 0

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal moved
            async with pool.acquire() as c:
                await c.execute("UPDATE bench_hop SET n = n + 1 WHERE id = 1")
            await publish.default_exchange.publish(
                aio_pika.Message(message.body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key=sink.name,
            )
            await message.ack()
            moved += 1
            if moved == count:
                done.set()

        started = time.perf_counter()
        await queue.consume(on_message)
        await done.wait()
        elapsed = time.perf_counter() - started
        await source.delete(if_unused=False, if_empty=False)
        await sink.delete(if_unused=False, if_empty=False)
        await pool.close()
        return count / elapsed
    finally:
        await conn.close()
        await connection.close()


@asynccontextmanager
async def clinrelay_road(dsn: str, amqp_url: str) -> AsyncIterator[tuple[asyncpg.Pool, AmqpBus]]:
    settings = settings_for(dsn, amqp_url, f"bench{uuid4().hex[:8]}")
    pool = await create_pool(dsn, max_size=20)
    bus = await AmqpBus.connect(amqp_url, topology_of(settings), name="bench")
    stages = [
        NoOp("ingestor", "ingesting", routing.REPORT_INGESTED),
        NoOp("analyzer", "analyzing", routing.REPORT_ANALYZED),
        NoOp("renderer", "rendering", None),
    ]
    for stage in stages:
        runner = StageRunner(
            stage,  # type: ignore[arg-type]
            bus,
            PgStore(pool),
            settings,
            repos=StageRepositories.on(pool),
        )
        await runner.start()
    relay = OutboxRelay(PgStore(pool, dsn), bus)
    relay_task = asyncio.create_task(relay.run())
    try:
        yield pool, bus
    finally:
        relay_task.cancel()
        # Consumers first: a queue deleted under a robust consumer can be declared again by it,
        # which left a few bench…work queues on the broker after some runs.
        await bus.cancel_consumers()
        await bus.delete_topology()
        await bus.close()
        await pool.close()


class RoundTrips:
    """Counts the database round trips of every asyncpg connection in this process."""

    count = 0
    _patched = False

    @classmethod
    def install(cls) -> None:
        if cls._patched:
            return
        cls._patched = True
        # asyncpg sends a statement with arguments through the private _execute, a bare one
        # (BEGIN, COMMIT, a reset) through execute's simple-query path: count both, once each.
        execute = asyncpg.Connection.execute
        query = getattr(asyncpg.Connection, "_execute")  # noqa: B009 (private, untyped)

        async def counted_execute(self: asyncpg.Connection, sql: str, *args: Any, **kw: Any) -> Any:
            if not args:  # a simple query (BEGIN, COMMIT, resets); with args it goes via _execute
                cls.count += 1
            return await execute(self, sql, *args, **kw)

        async def counted_query(self: asyncpg.Connection, *args: Any, **kw: Any) -> Any:
            cls.count += 1
            return await query(self, *args, **kw)

        setattr(asyncpg.Connection, "execute", counted_execute)  # noqa: B010
        setattr(asyncpg.Connection, "_execute", counted_query)  # noqa: B010


async def clinrelay_hops(dsn: str, amqp_url: str, count: int) -> tuple[float, float]:
    """Stage hops per second through three no-op stages (3 hops per report), and database
    round trips per hop."""
    RoundTrips.install()
    async with clinrelay_road(dsn, amqp_url) as (pool, _bus):
        async with pool.acquire() as conn, conn.transaction():
            tenant = await conn.fetchval(
                "INSERT INTO tenants (id, name) VALUES (gen_random_uuid(), $1) RETURNING id",
                f"bench-{uuid4().hex[:6]}",
            )
            ids = [
                (
                    await create_report(
                        conn, tenant, Submission(ReportKind.CODING, b"x", {}, b"{}"), None
                    )
                ).id
                for _ in range(count)
            ]
        started, trips_before, polls = time.perf_counter(), RoundTrips.count, 0
        while True:
            polls += 1
            left = await pool.fetchval(
                "SELECT count(*) FROM reports WHERE id = ANY($1) AND status <> 'COMPLETE'", ids
            )
            if left == 0:
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        # Each poll is one query plus whatever the pool's release costs (counted on a poll alone).
        before_probe = RoundTrips.count
        await pool.fetchval("SELECT 1")
        per_poll = RoundTrips.count - before_probe
        trips = before_probe - trips_before - polls * per_poll
        return 3 * count / elapsed, trips / (3 * count)


async def main(reports: int, repeat: int) -> None:
    clinrelay_logging.configure("bench", "WARNING", "json")  # a log line per hop is not transport

    async with scratch_database() as (dsn, amqp_url):
        result = await hop_ratio(dsn, amqp_url, reports, repeat)
    print(
        f"bare hop (consume→UPDATE→confirmed publish→ack, prefetch 50): {result.bare:,.0f} hops/s"
    )
    print(f"clinrelay runner + outbox relay, 3 no-op stages:             {result.ours:,.0f} hops/s")
    print(
        f"ratio clinrelay / bare: {result.ratio:.2f} (median of {repeat} runs, {reports} reports "
        f"each; per-run ratios {', '.join(f'{r:.2f}' for r in result.ratios)})"
    )
    print(f"database round trips per clinrelay hop: {result.round_trips:.1f}")


@dataclass(frozen=True)
class HopRatio:
    bare: float
    ours: float
    ratios: tuple[float, ...]
    """clinrelay / bare of each run (the two sides of a run measured back to back)."""
    round_trips: float

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)


async def hop_ratio(dsn: str, amqp_url: str, reports: int, repeat: int) -> HopRatio:
    """Bare and clinrelay hops, taking turns ``repeat`` times (see the module docstring)."""
    bare, ours, trips = [], [], []
    for _ in range(repeat):
        bare.append(await bare_hops(amqp_url, dsn, 3 * reports))
        rate, per_hop = await clinrelay_hops(dsn, amqp_url, reports)
        ours.append(rate)
        trips.append(per_hop)
    return HopRatio(
        bare=statistics.median(bare),
        ours=statistics.median(ours),
        ratios=tuple(o / b for o, b in zip(ours, bare, strict=True)),
        round_trips=statistics.median(trips),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    asyncio.run(main(options.reports, options.repeat))
