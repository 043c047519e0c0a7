"""Accepting reports one statement each, against the gateway's group commit, in one process.

    .venv/bin/python -m bench.accept_group [--concurrency 8] [--seconds 4] [--rounds 3]

``--concurrency`` tasks accept the 3 KB Bundle as fast as they can for ``--seconds``, on a scratch
database: first each report in a statement of its own (``create_report`` on a pool connection, as
``POST /v1/reports`` did before session 6), then through :class:`GroupAccept` (a tenant's reports
that arrive while its statement runs go into the next one); the two take turns for ``--rounds``.
Printed per side: reports/s, this process's CPU per report, the CPU of the PostgreSQL backends
serving it per report (from ``/proc``) and reports per statement. No HTTP and no relay: only what
the database path costs the gateway and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import time
from collections.abc import Awaitable, Callable
from uuid import UUID

import orjson

from bench import gateway as post_bench
from bench.common import scratch_database
from services.gateway.group_accept import GroupAccept
from shared.db.pool import create_pool
from shared.db.submissions import Acceptance, Submission, create_report, request_fingerprint
from shared.events import ReportKind


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def main(concurrency: int, seconds: float, rounds: int) -> None:
    raw = post_bench.small_bundle()
    submission = Submission(
        kind=ReportKind.CODING,
        fingerprint=request_fingerprint(orjson.loads(raw)),
        raw_input=raw,
    )
    async with scratch_database() as (dsn, _):
        database = dsn.rsplit("/", 1)[1]
        pool = await create_pool(dsn, max_size=concurrency + 2)
        try:
            tenant: UUID = await pool.fetchval(
                "INSERT INTO tenants (id, name) VALUES (gen_random_uuid(), 'bench') RETURNING id"
            )
            group = GroupAccept(pool)

            async def alone() -> None:
                async with pool.acquire() as conn:
                    await create_report(conn, tenant, submission, None)

            async def grouped() -> None:
                await group.accept(tenant, Acceptance(submission))

            sides: dict[str, Callable[[], Awaitable[None]]] = {"alone": alone, "grouped": grouped}
            figures: dict[str, list[tuple[float, float, float, float]]] = {s: [] for s in sides}
            for number in range(rounds):
                order = list(sides) if number % 2 == 0 else list(reversed(sides))
                for side in order:
                    figures[side].append(
                        await _run(sides[side], group, concurrency, seconds, database)
                    )
        finally:
            await pool.close()
    for side, runs in figures.items():
        rate, client, db, per = (statistics.median(column) for column in zip(*runs, strict=True))
        low, high = min(r[0] for r in runs), max(r[0] for r in runs)
        print(
            f"{side}: {rate:,.0f} reports/s ({low:,.0f}–{high:,.0f}), {client:.3f} ms CPU per "
            f"report in this process, {db:.3f} ms in PostgreSQL, {per:.1f} reports per statement"
        )


async def _run(
    accept: Callable[[], Awaitable[None]],
    group: GroupAccept,
    concurrency: int,
    seconds: float,
    database: str,
) -> tuple[float, float, float, float]:
    await asyncio.gather(*(accept() for _ in range(concurrency)))  # every connection open
    backends = post_bench.database_backends(database)
    stop = time.monotonic() + seconds
    count = 0

    async def worker() -> None:
        nonlocal count
        while time.monotonic() < stop:
            await accept()
            count += 1

    statements = group.statements
    database_before = sum(post_bench.cpu_seconds(pid) for pid in backends)
    client_before, started = cpu_seconds(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    client = cpu_seconds() - client_before
    database_cpu = sum(post_bench.cpu_seconds(pid) for pid in backends) - database_before
    grouped = group.statements - statements
    per_statement = count / grouped if grouped else 1.0
    return count / elapsed, client / count * 1000, database_cpu / count * 1000, per_statement


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    asyncio.run(main(options.concurrency, options.seconds, options.rounds))
