"""The delivery :class:`~shared.db.store.Store` on PostgreSQL: each repository is bound to one
connection and calls its table's module, where the SQL lives."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import asyncpg

from shared.db import (
    artifacts,
    deadletters,
    outbox,
    outbox_parking,
    processed_messages,
    reports,
    stage_steps,
)
from shared.db.deadletters import ParkedMessage
from shared.db.outbox import ClaimedRow, OutboxRow
from shared.db.pipeline_figures import report_duration_s
from shared.db.pool import Pool, connect
from shared.db.processed_messages import Admission
from shared.db.reports import ReportHead, Step
from shared.db.stage_steps import ArtifactRow, NotRecorded, StepsCall, StepsRecorded, TimedStep
from shared.events import StatusNotification

if TYPE_CHECKING:
    from shared.db.pool import Connection


@dataclass(frozen=True)
class PgReports:
    conn: Connection

    async def record_step(
        self,
        report_id: UUID,
        step: Step,
        *,
        unless_step: str | None = None,
        enqueue: Sequence[OutboxRow] = (),
        at: datetime | None = None,
    ) -> StatusNotification | None:
        return await reports.record_step(
            self.conn, report_id, step, unless_step=unless_step, enqueue=enqueue, at=at
        )

    async def record_steps_at(
        self,
        report_id: UUID,
        head: ReportHead,
        steps: Sequence[TimedStep],
        *,
        claim: tuple[UUID, str] | None = None,
        enqueue: Sequence[OutboxRow] = (),
        artifacts: Sequence[ArtifactRow] = (),
    ) -> StepsRecorded | NotRecorded:
        return await stage_steps.record_steps_at(
            self.conn, report_id, head, steps, claim=claim, enqueue=enqueue, artifacts=artifacts
        )

    async def record_calls(self, calls: Sequence[StepsCall]) -> list[StepsRecorded | NotRecorded]:
        return await stage_steps.record_calls(self.conn, calls)

    async def duration_s(self, report_id: UUID) -> float | None:
        return await report_duration_s(self.conn, report_id)


@dataclass(frozen=True)
class PgProcessedMessages:
    conn: Connection

    async def claim(self, message_id: UUID, stage: str) -> bool:
        return await processed_messages.claim(self.conn, message_id, stage)

    async def seen_and_head(
        self, message_id: UUID, stage: str, report_id: UUID
    ) -> tuple[bool, ReportHead | None]:
        return await processed_messages.seen_and_head(self.conn, message_id, stage, report_id)

    async def seen_and_heads(
        self, asks: Sequence[Admission]
    ) -> list[tuple[bool, ReportHead | None]]:
        return await processed_messages.seen_and_heads(self.conn, asks)


@dataclass(frozen=True)
class PgArtifacts:
    conn: Connection

    async def store(self, report_id: UUID, name: str, media_type: str, content: bytes) -> None:
        await artifacts.store_artifact(self.conn, report_id, name, media_type, content)


@dataclass(frozen=True)
class PgDeadLetters:
    conn: Connection

    async def park(self, parked: ParkedMessage) -> bool:
        return await deadletters.park_message(self.conn, parked)

    async def park_and_fail(
        self, parked: ParkedMessage, *, working_step: str, error_details: dict[str, Any]
    ) -> bool:
        return await deadletters.park_and_fail(
            self.conn, parked, working_step=working_step, error_details=error_details
        )


@dataclass(frozen=True)
class PgOutbox:
    conn: Connection

    async def claim_batch(self, limit: int, *, tenant_in_flight: int = 0) -> list[ClaimedRow]:
        return await outbox.claim_batch(self.conn, limit, tenant_in_flight=tenant_in_flight)

    async def delete_published(self, ids: list[int]) -> None:
        await outbox.delete_published(self.conn, ids)

    async def hold_back(self, row_id: int, hold_s: float, refusal: str) -> None:
        await outbox.hold_back(self.conn, row_id, hold_s, refusal)

    async def set_aside(self, row: ClaimedRow, refusal: str, error_class: str) -> bool:
        return await outbox_parking.set_aside(self.conn, row, refusal, error_class)


class PgTables:
    """The delivery tables on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.reports = PgReports(conn)
        self.processed = PgProcessedMessages(conn)
        self.artifacts = PgArtifacts(conn)
        self.dead_letters = PgDeadLetters(conn)
        self.outbox = PgOutbox(conn)


class _Listener:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    def is_closed(self) -> bool:
        return self._conn.is_closed()

    async def close(self) -> None:
        if not self._conn.is_closed():
            await self._conn.close()


class PgStore:
    """The delivery tables on the service's pool; ``dsn`` (for a LISTEN connection of its own)
    only where a relay runs."""

    def __init__(self, pool: Pool, dsn: str | None = None) -> None:
        self.pool = pool
        self._dsn = dsn

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgTables]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield PgTables(conn)

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[PgTables]:
        async with self.pool.acquire() as conn:
            yield PgTables(conn)

    async def listen_outbox(self, on_rows: Callable[[], None]) -> _Listener:
        """LISTEN on a connection of its own (a pool connection never LISTENs)."""
        if self._dsn is None:
            raise RuntimeError("This store was made without a DSN: it cannot LISTEN.")
        conn = await connect(self._dsn)

        def on_notify(*_: object) -> None:
            on_rows()

        try:
            await conn.add_listener(outbox.NOTIFY_CHANNEL, on_notify)
        except BaseException:  # cancelled (shutdown) or failed: do not leak the connection
            conn.terminate()
            raise
        return _Listener(conn)
