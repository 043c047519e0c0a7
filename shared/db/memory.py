"""The delivery tables in memory: the :class:`~shared.db.store.Store` protocol without PostgreSQL.

For unit tests of the runner, the failure policy, the dead-letter recorder and the outbox relay
(with :mod:`shared.bus.memory` in place of the broker). What it keeps of the database, because
the delivery policy relies on it:

- a transaction commits all of its writes or none (an exception inside it restores what was
  there), and transactions run one at a time, so nothing half-written is ever read;
- a step is recorded by the same rules and the same pure planning as
  :func:`shared.db.reports.record_step` (final reports take no step unless it reopens them,
  progress never goes back, ``unless_step``), hash-chained, with its notification and the
  tenant feed's next number, and the outbox rows it carries; a stage's steps planned from a
  head read earlier (:mod:`shared.db.stage_steps`) are written only while the report is still
  at that head, with the de-duplication claim, all at once or not at all, even outside a
  transaction (as the one SQL call is);
- ``processed_messages`` and ``dead_letters`` are unique on ``(message_id, stage)``; a parked
  message parks again only once replayed; a report id naming no report is kept as None;
- the outbox is claimed oldest first, without rows held back after a refusal, and with the same
  per-tenant admission as the SQL (a tenant's ``report.requested`` rows only up to its free
  slots); a commit that wrote outbox rows wakes the listeners, like NOTIFY (and so does a
  write outside a transaction, which commits on its own).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast
from uuid import UUID, uuid4

from shared.db.deadletters import ParkedMessage, failed_step, with_cause
from shared.db.outbox import ClaimedRow, OutboxRow, notification_rows
from shared.db.outbox_parking import parked_row
from shared.db.pool import Pool
from shared.db.processed_messages import Admission
from shared.db.reports import (
    AppliedStep,
    ReportHead,
    ReportNotFound,
    Step,
    plan_step,
    step_applies,
)
from shared.db.stage_steps import (
    ArtifactRow,
    NotRecorded,
    StepsCall,
    StepsPlan,
    StepsRecorded,
    TimedStep,
    duration_s,
    plan_steps,
)
from shared.events import ReportKind, ReportStatus, StatusNotification, routing
from shared.events.envelope import utcnow
from shared.messages import OutgoingMessage


@dataclass
class StoredReport:
    """A ``reports`` row."""

    id: UUID
    tenant_id: UUID
    kind: ReportKind
    status: ReportStatus = ReportStatus.PENDING
    progress_percent: int = 0
    current_step: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    processing_time_ms: int | None = None
    error_message: str | None = None
    error_details: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    retry_count: int = 0
    event_seq: int = 0
    event_hash: bytes | None = None

    def head(self) -> ReportHead:
        return ReportHead(
            tenant_id=self.tenant_id,
            kind=self.kind,
            status=self.status,
            event_seq=self.event_seq,
            event_hash=self.event_hash,
            started_at=self.started_at,
            created_at=self.created_at,
            progress_percent=self.progress_percent,
            current_step=self.current_step,
        )


@dataclass(frozen=True)
class StoredEvent:
    """A ``report_events`` row."""

    report_id: UUID
    seq: int
    at: datetime
    step: Step
    prev_hash: bytes | None
    hash: bytes


@dataclass
class StoredOutboxRow:
    """An ``outbox`` row."""

    id: int
    message_id: UUID
    routing_key: str
    body: bytes
    headers: dict[str, Any]
    admission_tenant: UUID | None
    refusals: int = 0
    last_refusal: str | None = None
    not_before: float | None = None
    """``time.monotonic()`` before which the row is held back."""


@dataclass
class StoredDeadLetter:
    """A ``dead_letters`` row."""

    id: UUID
    parked: ParkedMessage
    parked_at: datetime
    replayed_at: datetime | None = None


@dataclass
class StoredArtifact:
    media_type: str
    content: bytes
    sha256: bytes


@dataclass
class MemoryState:
    """Everything the store holds; copied at the start of a transaction, restored on failure."""

    reports: dict[UUID, StoredReport] = field(default_factory=dict)
    events: list[StoredEvent] = field(default_factory=list)
    processed: set[tuple[UUID, str]] = field(default_factory=set)
    artifacts: dict[tuple[UUID, str], StoredArtifact] = field(default_factory=dict)
    dead_letters: dict[tuple[UUID, str], StoredDeadLetter] = field(default_factory=dict)
    outbox: dict[int, StoredOutboxRow] = field(default_factory=dict)
    next_outbox_id: int = 1
    channel_heads: dict[str, int] = field(default_factory=dict)
    channel_events: list[tuple[str, int, StatusNotification]] = field(default_factory=list)

    def add_outbox_rows(self, rows: Sequence[OutboxRow]) -> None:
        for message_id, routing_key, body, headers, admission_tenant in rows:
            self.outbox[self.next_outbox_id] = StoredOutboxRow(
                self.next_outbox_id, message_id, routing_key, body, dict(headers), admission_tenant
            )
            self.next_outbox_id += 1


class MemoryReports:
    def __init__(self, tables: MemoryState) -> None:
        self._t = tables

    async def record_step(
        self,
        report_id: UUID,
        step: Step,
        *,
        unless_step: str | None = None,
        enqueue: Sequence[OutboxRow] = (),
        at: datetime | None = None,
    ) -> StatusNotification | None:
        report = self._t.reports.get(report_id)
        if report is None:
            raise ReportNotFound(str(report_id))
        head = report.head()
        if not step_applies(head, step, unless_step):
            return None
        applied = plan_step(
            report_id,
            head,
            step,
            tenant_seq=self._claim_feed_seq(f"tenant:{head.tenant_id}"),
            at=at or utcnow(),
            enqueue=enqueue,
        )
        self._apply(report, applied)
        return applied.note

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
        plan = plan_steps(report_id, head, steps)
        report = self._t.reports.get(report_id)
        if plan is None or report is None or report.event_seq != head.event_seq:
            return NotRecorded.MOVED
        if claim is not None and claim in self._t.processed:
            return NotRecorded.DUPLICATE
        before = copy.deepcopy(
            self._t
        )  # one call: all of it or nothing, even outside a transaction
        try:
            return await self._record_planned(report, plan, head, claim, enqueue, artifacts)
        except BaseException:
            self._t.__dict__.update(before.__dict__)
            raise

    async def record_calls(self, calls: Sequence[StepsCall]) -> list[StepsRecorded | NotRecorded]:
        before = copy.deepcopy(self._t)  # one statement: all of the calls or none
        try:
            return [
                await self.record_steps_at(
                    c.report_id,
                    c.head,
                    c.steps,
                    claim=c.claim,
                    enqueue=c.enqueue,
                    artifacts=c.artifacts,
                )
                for c in calls
            ]
        except BaseException:
            self._t.__dict__.update(before.__dict__)
            raise

    async def _record_planned(
        self,
        report: StoredReport,
        plan: StepsPlan,
        head: ReportHead,
        claim: tuple[UUID, str] | None,
        enqueue: Sequence[OutboxRow],
        artifacts: Sequence[ArtifactRow],
    ) -> StepsRecorded:
        if claim is not None:
            self._t.processed.add(claim)
        notes = [
            planned.note.model_copy(
                update={"tenant_seq": self._claim_feed_seq(f"tenant:{head.tenant_id}")}
            )
            for planned in plan.applied
        ]
        rows = notification_rows(notes)
        carried = len(rows) < len(notes)  # the earlier notes ride on the last one's message
        for i, (planned, note) in enumerate(zip(plan.applied, notes, strict=True)):
            last = i == len(notes) - 1
            own: tuple[OutboxRow, ...] = ()
            if last:
                own = (rows[-1], *enqueue)
            elif not carried:
                own = (rows[i],)
            self._apply(report, replace(planned, note=note, messages=own))
        for name, media_type, content in artifacts:
            await MemoryArtifacts(self._t).store(report.id, name, media_type, content)
        return StepsRecorded(tuple(notes), plan.head, duration_s(head, plan.applied[-1]))

    def _apply(self, report: StoredReport, applied: AppliedStep) -> None:
        """Write what recording ``applied`` writes (the SQL's ``_APPLY``)."""
        step = applied.step
        self._t.events.append(
            StoredEvent(report.id, applied.seq, applied.at, step, applied.prev_hash, applied.hash)
        )
        self._t.channel_events.append((applied.feed, applied.note.tenant_seq or 0, applied.note))
        self._t.add_outbox_rows(applied.messages)
        failed = step.status is ReportStatus.FAILED
        report.status = step.status
        report.progress_percent = step.progress_percent or 0
        report.current_step = step.step
        report.updated_at = applied.at
        report.started_at = applied.started_at
        report.completed_at = applied.completed_at
        report.processing_time_ms = applied.processing_time_ms
        report.error_message = step.error_message if failed else None
        report.error_details = step.error_details if failed else None
        report.result = step.result if step.result is not None else report.result
        report.retry_count += 1 if step.retry else 0
        report.event_seq = applied.seq
        report.event_hash = applied.hash

    def _claim_feed_seq(self, channel: str) -> int:
        seq = self._t.channel_heads.get(channel, 0) + 1
        self._t.channel_heads[channel] = seq
        return seq

    async def duration_s(self, report_id: UUID) -> float | None:
        report = self._t.reports.get(report_id)
        if report is None or report.completed_at is None:
            return None
        return (report.completed_at - report.created_at).total_seconds()


class MemoryProcessedMessages:
    def __init__(self, tables: MemoryState) -> None:
        self._t = tables

    async def claim(self, message_id: UUID, stage: str) -> bool:
        if (message_id, stage) in self._t.processed:
            return False
        self._t.processed.add((message_id, stage))
        return True

    async def seen_and_head(
        self, message_id: UUID, stage: str, report_id: UUID
    ) -> tuple[bool, ReportHead | None]:
        report = self._t.reports.get(report_id)
        return (message_id, stage) in self._t.processed, report.head() if report else None

    async def seen_and_heads(
        self, asks: Sequence[Admission]
    ) -> list[tuple[bool, ReportHead | None]]:
        return [await self.seen_and_head(*ask) for ask in asks]


class MemoryArtifacts:
    def __init__(self, tables: MemoryState) -> None:
        self._t = tables

    async def store(self, report_id: UUID, name: str, media_type: str, content: bytes) -> None:
        digest = hashlib.sha256(content).digest()
        self._t.artifacts[(report_id, name)] = StoredArtifact(media_type, content, digest)


class MemoryDeadLetters:
    def __init__(self, tables: MemoryState, reports: MemoryReports) -> None:
        self._t = tables
        self._reports = reports

    async def park(self, parked: ParkedMessage) -> bool:
        if parked.report_id is not None and parked.report_id not in self._t.reports:
            parked = replace(parked, report_id=None)
        key = (parked.message_id, parked.stage)
        existing = self._t.dead_letters.get(key)
        if existing is not None and existing.replayed_at is None:
            return False
        letter_id = existing.id if existing is not None else uuid4()
        self._t.dead_letters[key] = StoredDeadLetter(letter_id, parked, utcnow())
        return True

    async def park_and_fail(
        self, parked: ParkedMessage, *, working_step: str, error_details: dict[str, Any]
    ) -> bool:
        parked = with_cause(parked, error_details)
        done = await self.park(parked)
        if done and parked.report_id is not None and parked.report_id in self._t.reports:
            step = failed_step(parked, working_step, error_details)
            await self._reports.record_step(parked.report_id, step)
        return done


class MemoryOutbox:
    def __init__(self, tables: MemoryState, dead_letters: MemoryDeadLetters) -> None:
        self._t = tables
        self._dead_letters = dead_letters

    async def claim_batch(self, limit: int, *, tenant_in_flight: int = 0) -> list[ClaimedRow]:
        now = time.monotonic()
        free = self._free_slots(tenant_in_flight) if tenant_in_flight > 0 else {}
        eligible: set[int] = set()
        if tenant_in_flight > 0:
            for tenant, slots in free.items():
                rows = sorted(r.id for r in self._t.outbox.values() if r.admission_tenant == tenant)
                eligible.update(rows[: max(slots, 0)])
        claimed: list[ClaimedRow] = []
        for row in sorted(self._t.outbox.values(), key=lambda r: r.id):
            if len(claimed) == limit:
                break
            if row.not_before is not None and row.not_before > now:
                continue
            held = tenant_in_flight > 0 and row.admission_tenant is not None
            if held and row.id not in eligible:
                continue
            claimed.append(
                ClaimedRow(
                    id=row.id,
                    message=OutgoingMessage(
                        routing_key=row.routing_key,
                        body=row.body,
                        message_id=str(row.message_id),
                        headers=dict(row.headers),
                        mandatory=row.routing_key not in routing.UNROUTED_OK,
                    ),
                    refusals=row.refusals,
                )
            )
        return claimed

    def _free_slots(self, quota: int) -> dict[UUID, int]:
        """Per tenant with admission rows waiting: the quota minus its unfinished reports that
        are already past the outbox (the SQL's ``slots``)."""
        waiting: dict[UUID, int] = {}
        for row in self._t.outbox.values():
            if row.admission_tenant is not None:
                waiting[row.admission_tenant] = waiting.get(row.admission_tenant, 0) + 1
        unfinished: dict[UUID, int] = {}
        for report in self._t.reports.values():
            if not report.status.is_final:
                unfinished[report.tenant_id] = unfinished.get(report.tenant_id, 0) + 1
        return {t: quota - (unfinished.get(t, 0) - n) for t, n in waiting.items()}

    async def delete_published(self, ids: list[int]) -> None:
        for row_id in ids:
            self._t.outbox.pop(row_id, None)

    async def hold_back(self, row_id: int, hold_s: float, refusal: str) -> None:
        row = self._t.outbox.get(row_id)
        if row is not None:
            row.refusals += 1
            row.last_refusal = refusal[:500]
            row.not_before = time.monotonic() + hold_s

    async def set_aside(self, row: ClaimedRow, refusal: str, error_class: str) -> bool:
        parked = await self._dead_letters.park(parked_row(row, refusal, error_class))
        await self.delete_published([row.id])
        return parked


class MemoryTables:
    """The repositories over one :class:`Tables`."""

    def __init__(self, tables: MemoryState) -> None:
        self.reports = MemoryReports(tables)
        self.processed = MemoryProcessedMessages(tables)
        self.artifacts = MemoryArtifacts(tables)
        self.dead_letters = MemoryDeadLetters(tables, self.reports)
        self.outbox = MemoryOutbox(tables, self.dead_letters)


class _Listener:
    def __init__(self, listeners: set[_Listener], on_rows: Callable[[], None]) -> None:
        self._listeners = listeners
        self.on_rows = on_rows
        self._closed = False
        listeners.add(self)

    def is_closed(self) -> bool:
        return self._closed

    async def close(self) -> None:
        self._closed = True
        self._listeners.discard(self)


class MemoryStore:
    """The delivery tables in one process's memory (see the module's docstring)."""

    def __init__(self) -> None:
        self.tables = MemoryState()
        self._lock = asyncio.Lock()
        self._listeners: set[_Listener] = set()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[MemoryTables]:
        async with self._lock:
            before = copy.deepcopy(self.tables)
            try:
                yield MemoryTables(self.tables)
            except BaseException:
                self.tables.__dict__.update(before.__dict__)
                raise
            if self.tables.next_outbox_id != before.next_outbox_id:
                self._wake_listeners()

    def _wake_listeners(self) -> None:
        for listener in list(self._listeners):
            listener.on_rows()

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[MemoryTables]:
        async with self._lock:
            outbox_before = self.tables.next_outbox_id
            try:
                yield MemoryTables(self.tables)
            finally:
                if self.tables.next_outbox_id != outbox_before:
                    self._wake_listeners()

    async def listen_outbox(self, on_rows: Callable[[], None]) -> _Listener:
        return _Listener(self._listeners, on_rows)

    def add_report(
        self,
        tenant_id: UUID,
        kind: ReportKind = ReportKind.CODING,
        *,
        report_id: UUID | None = None,
    ) -> StoredReport:
        """A new PENDING report (what the gateway's submission inserts), outside any
        transaction."""
        report = StoredReport(id=report_id or uuid4(), tenant_id=tenant_id, kind=kind)
        self.tables.reports[report.id] = report
        return report

    def events_of(self, report_id: UUID) -> list[StoredEvent]:
        return [e for e in self.tables.events if e.report_id == report_id]


class _NoDatabase:
    """A pool stand-in for a stage context without a database: any use says so."""

    def acquire(self) -> Any:
        raise RuntimeError("No database here: this stage context runs on an in-memory store.")


def no_database() -> Pool:
    """For :class:`~shared.db.repositories.StageRepositories` in tests whose stages never use
    them: a stage that does gets a RuntimeError, not a silent answer."""
    return cast(Pool, _NoDatabase())
