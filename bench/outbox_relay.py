"""What the outbox relay costs per accepted report.

    .venv/bin/python -m bench.outbox_relay [--rate 150] [--seconds 8] [--rounds 3]

Reports are accepted the way ``POST /v1/reports`` accepts them (``create_report``: the report, its
raw input, its audit event, its notification and ``report.requested`` in one transaction) at a
steady ``--rate`` from this process, 8 at a time, on a scratch database and bus namespace. The
relay runs alone in a child process (as in every service, with the real broker and confirms) and
drains what they commit; a new child each of ``--rounds`` rounds. Printed: the relay process's
CPU per report, the CPU of the PostgreSQL backends serving it per report (read from ``/proc``),
rows per batch and how long the last rows waited after the writing stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import uvloop

from bench.common import scratch_database, settings_for
from bench.gateway import cpu_seconds, delete_topology
from shared.bus.amqp import AmqpBus
from shared.db.pool import create_pool
from shared.db.postgres import PgStore
from shared.db.submissions import create_report
from shared.delivery.relay import OutboxRelay
from shared.runtime import topology_of

ROOT = Path(__file__).resolve().parents[1]
RELAY_APP = "bench-relay"


def with_application(dsn: str, name: str) -> str:
    return f"{dsn}{'&' if '?' in dsn else '?'}application_name={name}"


async def run_relay(dsn: str, amqp_url: str, namespace: str) -> None:
    """The child: one relay until SIGTERM, then 'published batches' on stdout."""
    settings = settings_for(dsn, amqp_url, namespace)
    pool = await create_pool(with_application(dsn, RELAY_APP), max_size=2)
    bus = await AmqpBus.connect(amqp_url, topology_of(settings), name="bench-relay")
    relay = OutboxRelay(PgStore(pool, with_application(dsn, RELAY_APP)), bus)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    task = asyncio.create_task(relay.run())
    await stop.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    print(relay.published, relay.batches, flush=True)
    await bus.close()
    await pool.close()


async def backend_pids(conn: asyncpg.Connection, database: str) -> list[int]:
    rows = await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2",
        database,
        RELAY_APP,
    )
    return [row["pid"] for row in rows]


def start_relay(dsn: str, amqp_url: str, namespace: str) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "bench.outbox_relay", "--relay", dsn, amqp_url, namespace]
    return subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, text=True)


async def until_drained(conn: asyncpg.Connection) -> None:
    while await conn.fetchval("SELECT count(*) FROM outbox"):  # noqa: ASYNC110 - no event to wait on
        await asyncio.sleep(0.01)


async def one_round(
    dsn: str,
    amqp_url: str,
    namespace: str,
    tenant: UUID,
    rate: float,
    seconds: float,
) -> tuple[float, float, float, float]:
    child = start_relay(dsn, amqp_url, namespace)
    pool = await create_pool(dsn, max_size=8)
    watch = await asyncpg.connect(dsn)
    database = dsn.rsplit("/", 1)[1].split("?", maxsplit=1)[0]
    try:
        deadline = time.monotonic() + 30
        while not (pids := await backend_pids(watch, database)):
            if time.monotonic() > deadline:
                raise RuntimeError("the relay did not connect")
            await asyncio.sleep(0.2)
        from bench.gateway import small_bundle
        from services.gateway.intake import interpret

        submission = interpret(small_bundle(), "application/fhir+json")
        for _ in range(5):  # warm-up: the relay's first batches import and connect lazily
            async with pool.acquire() as conn:
                await create_report(conn, tenant, submission, None)
        await until_drained(watch)
        await asyncio.sleep(0.5)
        pids = await backend_pids(watch, database)
        cpu_before = cpu_seconds(child.pid)
        pg_before = sum(cpu_seconds(pid) for pid in pids)
        total = int(rate * seconds)
        started = time.monotonic()

        async def writer(offset: int) -> None:
            for number in range(offset, total, 8):
                due = started + number / rate
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                async with pool.acquire() as conn:
                    await create_report(conn, tenant, submission, None)

        await asyncio.gather(*(writer(offset) for offset in range(8)))
        written_at = time.monotonic()
        await until_drained(watch)
        drained_s = time.monotonic() - written_at
        pids = await backend_pids(watch, database)
        relay_cpu = cpu_seconds(child.pid) - cpu_before
        pg_cpu = sum(cpu_seconds(pid) for pid in pids) - pg_before
    finally:
        child.send_signal(signal.SIGTERM)
        out, _ = child.communicate(timeout=30)
        await watch.close()
        await pool.close()
    published, batches = (int(x) for x in out.split())
    return (
        relay_cpu / total * 1000,
        pg_cpu / total * 1000,
        published / max(batches, 1),
        drained_s * 1000,
    )


async def main(rate: float, seconds: float, rounds: int) -> None:
    async with scratch_database() as (dsn, amqp_url):
        namespace = f"bench{uuid4().hex[:8]}"
        settings = settings_for(dsn, amqp_url, namespace)
        bus = await AmqpBus.connect(amqp_url, topology_of(settings), name="bench-setup")
        await bus.close()
        conn = await asyncpg.connect(dsn)
        tenant = await conn.fetchval(
            "INSERT INTO tenants (id, name) VALUES ($1, $2) RETURNING id", uuid4(), "bench"
        )
        await conn.close()
        results = []
        try:
            for number in range(rounds):
                result = await one_round(dsn, amqp_url, namespace, tenant, rate, seconds)
                results.append(result)
                print(
                    f"round {number + 1}: relay {result[0]:.2f} ms CPU per report, its "
                    f"PostgreSQL backends {result[1]:.2f} ms, {result[2]:.1f} rows per batch, "
                    f"drained {result[3]:.0f} ms after the last commit "
                    f"(load {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
        finally:
            await delete_topology(amqp_url, namespace)
    relay = [r[0] for r in results]
    pg = [r[1] for r in results]
    print(
        f"relay {statistics.median(relay):.2f} ms CPU per report "
        f"({min(relay):.2f}–{max(relay):.2f}), its PostgreSQL backends "
        f"{statistics.median(pg):.2f} ms ({min(pg):.2f}–{max(pg):.2f}), "
        f"{statistics.median(r[2] for r in results):.1f} rows per batch"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--relay":
        # On uvloop, as the gateway's relay runs under uvicorn.
        uvloop.run(run_relay(sys.argv[2], sys.argv[3], sys.argv[4]))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=150, help="reports accepted per second")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    asyncio.run(main(options.rate, options.seconds, options.rounds))
