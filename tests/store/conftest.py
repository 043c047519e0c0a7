"""One behaviour suite, two stores: every test in this folder runs against the in-memory store
(shared/db/memory.py) and against PostgreSQL (shared/db/postgres.py), so the store the runner's and
relay's unit tests rely on is held to what the database does — as tests/bus holds the in-memory bus
to RabbitMQ. The PostgreSQL runs are marked ``integration``; each gets a database of its own,
cloned from a migrated template, and drops it afterwards."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from shared.db.audit import check_trail, first_problem
from shared.db.memory import MemoryStore
from shared.db.pool import create_pool
from shared.db.postgres import PgStore
from shared.db.store import Store
from shared.events import ReportKind, ReportStatus
from tests.integration.harness import database_from, migrated_template

SERVER_DSN = os.environ.get(
    "CLINRELAY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


class Subject:
    """A store under test, with what a test needs to set up and read back outside the protocol
    (what the gateway or an operator would write, what a test checks)."""

    store: Store

    async def new_report(self, tenant_id: UUID) -> UUID:
        raise NotImplementedError

    async def status(self, report_id: UUID) -> ReportStatus:
        raise NotImplementedError

    async def events(self, report_id: UUID) -> list[str]:
        """The audit trail's outcomes, in order."""
        raise NotImplementedError

    async def outbox_keys(self) -> list[str]:
        """The routing keys waiting in the outbox, oldest first."""
        raise NotImplementedError

    async def dead_letter_reports(self) -> list[UUID | None]:
        raise NotImplementedError

    async def outbox_bodies(self) -> list[bytes]:
        """The bodies waiting in the outbox, oldest first."""
        raise NotImplementedError

    async def outbox_headers(self) -> list[dict[str, Any]]:
        """The headers of the messages waiting in the outbox, oldest first."""
        raise NotImplementedError

    async def feed(self, tenant_id: UUID) -> list[tuple[int, dict[str, Any]]]:
        """The tenant feed's logged events (number, body), in order."""
        raise NotImplementedError

    async def trail_intact(self, report_id: UUID) -> bool:
        """Whether the audit trail verifies (every event, chained, up to the report's last)."""
        raise NotImplementedError

    async def artifact(self, report_id: UUID, name: str) -> bytes | None:
        raise NotImplementedError


class MemorySubject(Subject):
    def __init__(self) -> None:
        self.memory = MemoryStore()
        self.store = self.memory

    async def new_report(self, tenant_id: UUID) -> UUID:
        return self.memory.add_report(tenant_id, ReportKind.CODING).id

    async def status(self, report_id: UUID) -> ReportStatus:
        return self.memory.tables.reports[report_id].status

    async def events(self, report_id: UUID) -> list[str]:
        return [e.step.outcome for e in self.memory.events_of(report_id)]

    async def outbox_keys(self) -> list[str]:
        rows = sorted(self.memory.tables.outbox.values(), key=lambda r: r.id)
        return [r.routing_key for r in rows]

    async def dead_letter_reports(self) -> list[UUID | None]:
        return [d.parked.report_id for d in self.memory.tables.dead_letters.values()]

    async def outbox_bodies(self) -> list[bytes]:
        return [r.body for r in sorted(self.memory.tables.outbox.values(), key=lambda r: r.id)]

    async def outbox_headers(self) -> list[dict[str, Any]]:
        rows = sorted(self.memory.tables.outbox.values(), key=lambda r: r.id)
        return [dict(r.headers) for r in rows]

    async def feed(self, tenant_id: UUID) -> list[tuple[int, dict[str, Any]]]:
        return [
            (seq, note.model_dump(mode="json"))
            for channel, seq, note in self.memory.tables.channel_events
            if channel == f"tenant:{tenant_id}"
        ]

    async def trail_intact(self, report_id: UUID) -> bool:
        report = self.memory.tables.reports[report_id]
        rows = [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.step.actor,
                "step": e.step.step,
                "outcome": e.step.outcome,
                "status": e.step.status.value,
                "progress_percent": e.step.progress_percent,
                "message": e.step.message,
                "details": e.step.details,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in self.memory.events_of(report_id)
        ]
        return first_problem(report_id, rows, report.event_seq, report.event_hash) is None

    async def artifact(self, report_id: UUID, name: str) -> bytes | None:
        found = self.memory.tables.artifacts.get((report_id, name))
        return found.content if found is not None else None


class PostgresSubject(Subject):
    def __init__(self, pool: asyncpg.Pool, dsn: str) -> None:
        self.pool = pool
        self.store = PgStore(pool, dsn)

    async def new_report(self, tenant_id: UUID) -> UUID:
        report_id = uuid4()
        async with self.pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO tenants (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                tenant_id,
                f"t-{tenant_id}",
            )
            await conn.execute(
                "INSERT INTO reports (id, tenant_id, kind) VALUES ($1, $2, 'coding')",
                report_id,
                tenant_id,
            )
        return report_id

    async def status(self, report_id: UUID) -> ReportStatus:
        value = await self.pool.fetchval("SELECT status FROM reports WHERE id = $1", report_id)
        return ReportStatus(value)

    async def events(self, report_id: UUID) -> list[str]:
        rows = await self.pool.fetch(
            "SELECT outcome FROM report_events WHERE report_id = $1 ORDER BY seq", report_id
        )
        return [r["outcome"] for r in rows]

    async def outbox_keys(self) -> list[str]:
        rows = await self.pool.fetch("SELECT routing_key FROM outbox ORDER BY id")
        return [r["routing_key"] for r in rows]

    async def dead_letter_reports(self) -> list[UUID | None]:
        rows = await self.pool.fetch("SELECT report_id FROM dead_letters ORDER BY parked_at")
        return [r["report_id"] for r in rows]

    async def outbox_bodies(self) -> list[bytes]:
        return [r["body"] for r in await self.pool.fetch("SELECT body FROM outbox ORDER BY id")]

    async def outbox_headers(self) -> list[dict[str, Any]]:
        rows = await self.pool.fetch("SELECT headers FROM outbox ORDER BY id")
        return [dict(r["headers"]) for r in rows]

    async def feed(self, tenant_id: UUID) -> list[tuple[int, dict[str, Any]]]:
        rows = await self.pool.fetch(
            "SELECT seq, body FROM channel_events WHERE channel = $1 ORDER BY seq",
            f"tenant:{tenant_id}",
        )
        return [(r["seq"], r["body"]) for r in rows]

    async def trail_intact(self, report_id: UUID) -> bool:
        async with self.pool.acquire() as conn:
            check = await check_trail(conn, report_id)
        return check is not None and check.intact

    async def artifact(self, report_id: UUID, name: str) -> bytes | None:
        found: bytes | None = await self.pool.fetchval(
            "SELECT content FROM artifacts WHERE report_id = $1 AND name = $2", report_id, name
        )
        return found


@pytest.fixture(scope="session")
async def store_template() -> AsyncIterator[str]:
    async with migrated_template(SERVER_DSN, "clinrelay_stpl_") as name:
        yield name


@pytest.fixture
async def postgres_subject(store_template: str) -> AsyncIterator[PostgresSubject]:
    name = f"clinrelay_s_{uuid4().hex[:10]}"
    async with database_from(SERVER_DSN, store_template, name) as dsn:
        pool = await create_pool(dsn, max_size=4)
        try:
            yield PostgresSubject(pool, dsn)
        finally:
            await pool.close()


@pytest.fixture(
    params=[
        pytest.param("memory"),
        pytest.param("postgresql", marks=pytest.mark.integration),
    ]
)
def subject(request: pytest.FixtureRequest) -> Subject:
    if request.param == "memory":
        return MemorySubject()
    found: Subject = request.getfixturevalue("postgres_subject")
    return found
