"""PostgreSQL's CPU per statement of a stage hop, against the bare hop's UPDATE.

    .venv/bin/python -m bench.hop_statements [--calls 600]

On a scratch database, one connection calls each statement ``--calls`` times in a row, and the
CPU time of the database's backends (from ``/proc``) is divided by the calls: the bare hop's
``UPDATE`` (with its commit), the runner's admission read (``seen_and_head``), the result call of
an ingestor hop that records "started" with its result and the next event
(``record_stage_steps``), and the relay's claim and delete of what those calls wrote, in batches
of 25. Sequential calls on one connection, so the wall time is the commit's flush, not a rate.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from uuid import UUID, uuid4

import asyncpg

from bench.common import scratch_database
from bench.gateway import cpu_seconds, database_backends
from shared import logging as clinrelay_logging
from shared.db import outbox, processed_messages, stage_steps
from shared.db.pool import connect
from shared.db.reports import ReportHead, Step
from shared.db.stage_steps import TimedStep
from shared.db.submissions import Submission, create_report
from shared.events import Envelope, ReportKind, ReportStatus, routing
from shared.events.envelope import utcnow


async def measured(
    database: str, calls: int, what: str, run: Callable[[], Awaitable[object]]
) -> None:
    def backends() -> float:
        return sum(cpu_seconds(pid) for pid in database_backends(database))

    cpu, started = backends(), time.perf_counter()
    await run()
    wall, cpu = time.perf_counter() - started, backends() - cpu
    print(
        f"{what:<44} PostgreSQL CPU {1000 * cpu / calls:.3f} ms per call "
        f"(wall {1000 * wall / calls:.2f} ms)",
        flush=True,
    )


async def main(calls: int) -> None:
    clinrelay_logging.configure("bench", "WARNING", "json")
    async with scratch_database() as (dsn, _amqp_url):
        database = dsn.rsplit("/", 1)[1]
        conn: asyncpg.Connection = await connect(dsn)
        try:
            tenant: UUID = await conn.fetchval(
                "INSERT INTO tenants (id, name) VALUES (gen_random_uuid(), 'bench') RETURNING id"
            )
            submission = Submission(ReportKind.CODING, b"x", {}, b"{}")
            reports = [
                (await create_report(conn, tenant, submission, None)).id for _ in range(calls)
            ]
            await conn.execute("CREATE TABLE bench_hop (id int PRIMARY KEY, n int)")
            await conn.execute("INSERT INTO bench_hop VALUES (1, 0)")
            heads: list[tuple[UUID, ReportHead]] = []

            async def bare() -> None:
                for _ in range(calls):
                    await conn.execute("UPDATE bench_hop SET n = n + 1 WHERE id = 1")

            async def admission() -> None:
                for report in reports:
                    message = uuid4()
                    _, head = await processed_messages.seen_and_head(
                        conn, message, "ingestor", report
                    )
                    assert head is not None
                    heads.append((message, head))

            async def result() -> None:
                for report, (message, head) in zip(reports, heads, strict=True):
                    follow = Envelope(
                        type=routing.REPORT_INGESTED,
                        report_id=report,
                        tenant_id=tenant,
                        kind=ReportKind.CODING,
                        payload={},
                    )
                    began = utcnow()
                    await stage_steps.record_steps_at(
                        conn,
                        report,
                        head,
                        [
                            TimedStep(
                                Step(
                                    "ingestor", "ingesting", "started", ReportStatus.PROCESSING, 10
                                ),
                                began,
                                unless_step="ingesting",
                            ),
                            TimedStep(
                                Step(
                                    "ingestor", "ingested", "completed", ReportStatus.PROCESSING, 35
                                ),
                                utcnow(),
                            ),
                        ],
                        claim=(message, "ingestor"),
                        enqueue=[outbox.event_row(follow)],
                    )

            async def relay() -> None:
                while True:
                    async with conn.transaction():
                        rows = await outbox.claim_batch(conn, 25, tenant_in_flight=0)
                        if not rows:
                            return
                        await outbox.delete_published(conn, [row.id for row in rows])

            await measured(database, calls, "bare hop: UPDATE (autocommit)", bare)
            await measured(database, calls, "admission read (seen_and_head)", admission)
            await measured(database, calls, "result call (record_stage_steps, 2 steps)", result)
            await measured(database, calls, "relay: claim + delete of one call's rows", relay)
        finally:
            await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=600)
    asyncio.run(main(parser.parse_args().calls))
