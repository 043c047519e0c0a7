"""CPU per stage hop, two versions of ``record_stage_steps`` side by side in one run.

    .venv/bin/python -m bench.hop_cpu [--reports 300] [--rounds 6] [--hub]

The road of ``bench.transport`` (three no-op stages behind the real runner and outbox relay, one
process), its clinrelay side only, taking turns between the function as migration 0080 wrote it
(one outbox message per notification) and as 0090 writes it (a hop's progress notifications ride
on one message), swapped in the scratch database between rounds. Per round: hops/s and CPU ms per
hop of this process and of the scratch database's PostgreSQL backends (from ``/proc``), over the
timed section only (the reports are created before it), and RabbitMQ's (``beam.smp`` from
``/proc``: the shared server, so indicative only). ``--hub`` binds a live hub's queue to the
notifications in this process, as every notifier and gateway replica does in a deployment (the
plain road has none, so its notifications are routed nowhere). Wall-clock rates on a shared
machine are noise; the CPU columns are what to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from uuid import uuid4

import asyncpg

from bench.common import scratch_database
from bench.gateway import cpu_seconds, database_backends
from bench.transport import clinrelay_road
from shared import logging as clinrelay_logging
from shared.db.outbox import ClaimedRow
from shared.db.pool import connect
from shared.db.processed_messages import Admission
from shared.db.stage_steps import NotRecorded, StepsCall, StepsRecorded
from shared.db.submissions import Submission, create_report
from shared.delivery import relay as relay_module
from shared.delivery.admissions import AdmissionReads, Seen
from shared.delivery.note_carriers import MAX_NOTES, Carrier, carriers
from shared.delivery.result_group import ResultGroup
from shared.events import ReportKind
from shared.live.channels import ChannelKey
from shared.live.feed import feed_hub
from shared.live.hub import Backlog, Hub
from shared.live.messages import LiveMessage


def _function_of(migration: str) -> str:
    sql = resources.files("shared.db").joinpath("migrations", migration).read_text("utf-8")
    return sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


SIDES = {
    "0080": _function_of("0080_stage_steps_in_one_call.sql"),
    "0090": _function_of("0090_hop_notes_in_one_message.sql"),
}


class _NoHistory:
    """A hub with no subscriber never reads history; this one has nothing to give."""

    async def catch_up(self, key: ChannelKey, since: int | None) -> Backlog:
        return Backlog([], 0)

    async def between(self, key: ChannelKey, after: int, before: int) -> list[LiveMessage]:
        return []


def _cpu(pids: list[int]) -> dict[int, float]:
    found = {}
    for pid in pids:
        try:
            found[pid] = cpu_seconds(pid)
        except OSError:  # gone meanwhile
            continue
    return found


def _broker_pids() -> list[int]:
    """RabbitMQ's Erlang VM on this machine (the shared server: its CPU is indicative only)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "beam.smp":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


_broker_ms: list[float] = []
"""RabbitMQ's CPU ms per hop of the last round (indicative: other people's work counts too)."""


async def one_round(dsn: str, amqp_url: str, reports: int, hub: bool) -> tuple[float, float, float]:
    """Hops/s, this process's and the database backends' CPU ms per hop."""
    database = dsn.rsplit("/", 1)[1]
    async with clinrelay_road(dsn, amqp_url) as (pool, bus):
        if hub:  # bound, as a notifier's queue is while anyone follows a channel there
            await (await feed_hub(bus, bus.topology, Hub(_NoHistory()), "bench")).wanted()
        async with pool.acquire() as conn, conn.transaction():
            tenant = await conn.fetchval(
                "INSERT INTO tenants (id, name) VALUES (gen_random_uuid(), $1) RETURNING id",
                f"bench-{uuid4().hex[:6]}",
            )
            submission = Submission(ReportKind.CODING, b"x", {}, b"{}")
            ids = [(await create_report(conn, tenant, submission, None)).id for _ in range(reports)]
        backends = _cpu(database_backends(database))
        broker = _cpu(_broker_pids())
        mine, started = cpu_seconds(os.getpid()), time.perf_counter()
        while True:
            left = await pool.fetchval(
                "SELECT count(*) FROM reports WHERE id = ANY($1) AND status <> 'COMPLETE'", ids
            )
            if left == 0:
                break
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
        mine = cpu_seconds(os.getpid()) - mine
        broker_after = _cpu(_broker_pids())
        after = _cpu(database_backends(database))
        theirs = sum(cpu - backends.get(pid, 0.0) for pid, cpu in after.items())
    hops = 3 * reports
    spent = sum(cpu - broker[pid] for pid, cpu in broker_after.items() if pid in broker)
    _broker_ms[:] = [1000 * spent / hops]
    return hops / elapsed, 1000 * mine / hops, 1000 * theirs / hops


_grouped = ResultGroup.record
_counted = {"statements": 0, "calls": 0}


async def _alone(self: ResultGroup, call: StepsCall) -> StepsRecorded | NotRecorded:
    """Each result in a statement of its own, at once, as before group commit."""
    (outcome,) = await self._statement([call])
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


_statement = ResultGroup._statement


async def _counting(
    self: ResultGroup, calls: list[StepsCall]
) -> Sequence[StepsRecorded | NotRecorded | BaseException]:
    _counted["statements"] += 1
    _counted["calls"] += len(calls)
    return await _statement(self, calls)


setattr(ResultGroup, "_statement", _counting)  # noqa: B010


_read_grouped = AdmissionReads.read


async def _read_alone(self: AdmissionReads, ask: Admission) -> Seen:
    """Each admission read in a statement of its own, at once, as before."""
    async with self._store.connection() as db:
        return await db.processed.seen_and_head(*ask)


_carried = {"rows": 0, "messages": 0}


def _carriers(alone: bool) -> Callable[..., list[Carrier]]:
    """The relay's carriers, counted; ``alone``: every row in a message of its own, as before a
    tenant's progress notes of one batch shared one."""

    def carry(rows: Sequence[ClaimedRow], *, max_notes: int = MAX_NOTES) -> list[Carrier]:
        sent = carriers(rows, max_notes=1 if alone else max_notes)
        _carried["rows"] += len(rows)
        _carried["messages"] += len(sent)
        return sent

    return carry


setattr(relay_module, "carriers", _carriers(alone=False))  # noqa: B010


COMPARED = {
    "notes": list(SIDES),
    "group": ["alone", "grouped"],
    "admission": ["reads alone", "reads grouped"],
    "hot": ["0070 index", "HOT updates"],
    "carriers": ["notes alone", "notes together"],
}
HOT = {
    "0070 index": """ALTER TABLE reports RESET (fillfactor);
        CREATE INDEX IF NOT EXISTS reports_unfinished ON reports (current_step, updated_at)
        WHERE status IN ('PENDING', 'PROCESSING')""",
    "HOT updates": """ALTER TABLE reports SET (fillfactor = 70);
        DROP INDEX IF EXISTS reports_unfinished""",
}


async def _side(admin: asyncpg.Connection, compare: str, side: str) -> None:
    if compare == "notes":
        await admin.execute(SIDES[side])
    elif compare == "group":
        setattr(ResultGroup, "record", _grouped if side == "grouped" else _alone)  # noqa: B010
    elif compare == "carriers":
        together = side == "notes together"
        setattr(relay_module, "carriers", _carriers(alone=not together))  # noqa: B010
    elif compare == "hot":  # a round's reports are new rows: on pages of the new fillfactor
        await admin.execute(HOT[side])
    else:  # results grouped on both sides
        read = _read_grouped if side == "reads grouped" else _read_alone
        setattr(AdmissionReads, "read", read)  # noqa: B010


async def main(reports: int, rounds: int, hub: bool, compare: str = "notes") -> None:
    clinrelay_logging.configure("bench", "WARNING", "json")
    sides = COMPARED[compare]
    figures: dict[str, list[tuple[float, float, float]]] = {side: [] for side in sides}
    brokers: dict[str, list[float]] = {side: [] for side in sides}
    async with scratch_database() as (dsn, amqp_url):
        admin: asyncpg.Connection = await connect(dsn)
        try:
            await one_round(dsn, amqp_url, 50, hub)  # warm-up
            for turn in range(rounds):
                order = sides if turn % 2 == 0 else list(reversed(sides))
                for side in order:
                    await _side(admin, compare, side)
                    _counted.update(statements=0, calls=0)
                    _carried.update(rows=0, messages=0)
                    rate, mine, theirs = await one_round(dsn, amqp_url, reports, hub)
                    figures[side].append((rate, mine, theirs))
                    brokers[side].append(_broker_ms[0])
                    per = _counted["calls"] / max(_counted["statements"], 1)
                    carried = _carried["messages"] / max(_carried["rows"], 1)
                    print(
                        f"{side}: {rate:,.0f} hops/s, CPU ms per hop: this process {mine:.2f}, "
                        f"PostgreSQL {theirs:.2f}, RabbitMQ {_broker_ms[0]:.2f}; "
                        f"{per:.2f} results per result statement, "
                        f"{carried:.2f} messages per outbox row",
                        flush=True,
                    )
        finally:
            await admin.close()
    print(f"median of {rounds} rounds each ({reports} reports x 3 hops, hub bound: {hub}):")
    for side, runs in figures.items():
        rate, mine, theirs = (statistics.median(run[i] for run in runs) for i in range(3))
        spread = f"{min(r[1] for r in runs):.2f}-{max(r[1] for r in runs):.2f}"
        print(
            f"  {side}: {rate:,.0f} hops/s, this process {mine:.2f} ms "
            f"({spread}), PostgreSQL {theirs:.2f} ms, sum {mine + theirs:.2f} ms per hop; "
            f"RabbitMQ {statistics.median(brokers[side]):.2f} ms (the shared server: indicative)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--hub", action="store_true", help="bind a live hub, as a notifier does")
    parser.add_argument(
        "--compare",
        choices=list(COMPARED),
        default="notes",
        help="notes: record_stage_steps of 0080 against 0090; group: each result in a statement "
        "of its own against group commit (shared/delivery/result_group.py); admission: each "
        "admission read alone against grouped (shared/delivery/admissions.py); carriers: every "
        "outbox row in a message of its own against a tenant's progress notes of one relay "
        "batch in one (shared/delivery/note_carriers.py)",
    )
    options = parser.parse_args()
    asyncio.run(main(options.reports, options.rounds, options.hub, options.compare))
