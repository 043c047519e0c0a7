"""The tables message delivery writes, as repositories behind one small protocol.

The runner, the failure policy, the dead-letter recorder and the outbox relay
(:mod:`shared.delivery`) see a :class:`Store`: a transaction (or a plain connection) that offers
one repository per table — reports and their audit trail, processed messages, artifacts, dead
letters, the outbox — and a way to hear that the outbox has rows. PostgreSQL implements it
(:mod:`shared.db.postgres`) and so does memory (:mod:`shared.db.memory`), so the delivery policy
is unit-tested without a database, the way :mod:`shared.bus.memory` stands in for the broker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from shared.db.deadletters import ParkedMessage
from shared.db.outbox import ClaimedRow, OutboxRow
from shared.db.processed_messages import Admission
from shared.db.reports import ReportHead, Step
from shared.db.stage_steps import ArtifactRow, NotRecorded, StepsCall, StepsRecorded, TimedStep
from shared.events import StatusNotification


class ReportsTable(Protocol):
    """``reports`` and its audit trail (``report_events``): every state change is a step."""

    async def record_step(
        self,
        report_id: UUID,
        step: Step,
        *,
        unless_step: str | None = None,
        enqueue: Sequence[OutboxRow] = (),
        at: datetime | None = None,
    ) -> StatusNotification | None:
        """See :func:`shared.db.reports.record_step`."""
        ...

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
        """See :func:`shared.db.stage_steps.record_steps_at`: atomic on its own, outside a
        transaction too."""
        ...

    async def record_calls(self, calls: Sequence[StepsCall]) -> list[StepsRecorded | NotRecorded]:
        """See :func:`shared.db.stage_steps.record_calls`: several :meth:`record_steps_at` in
        one round trip, all or nothing."""
        ...

    async def duration_s(self, report_id: UUID) -> float | None:
        """From creation to final status, for a report that ended (None if not final)."""
        ...


class ProcessedMessagesTable(Protocol):
    """``processed_messages``: which stage already did which message (the dedup table)."""

    async def claim(self, message_id: UUID, stage: str) -> bool:
        """Mark the message processed by ``stage``; False when it already was."""
        ...

    async def seen_and_head(
        self, message_id: UUID, stage: str, report_id: UUID
    ) -> tuple[bool, ReportHead | None]:
        """Whether ``stage`` already processed the message, and where the report stands (None
        when there is no such report)."""
        ...

    async def seen_and_heads(
        self, asks: Sequence[Admission]
    ) -> list[tuple[bool, ReportHead | None]]:
        """:meth:`seen_and_head` for several messages (message id, stage, report id) in one
        round trip, answers in order."""
        ...


class ArtifactsTable(Protocol):
    """``artifacts``: the files a stage made for a report."""

    async def store(self, report_id: UUID, name: str, media_type: str, content: bytes) -> None:
        """Keep the file (replacing one of the same name)."""
        ...


class DeadLettersTable(Protocol):
    """``dead_letters``: the parking lot."""

    async def park(self, parked: ParkedMessage) -> bool:
        """See :func:`shared.db.deadletters.park_message`."""
        ...

    async def park_and_fail(
        self, parked: ParkedMessage, *, working_step: str, error_details: dict[str, Any]
    ) -> bool:
        """See :func:`shared.db.deadletters.park_and_fail`."""
        ...


class OutboxTable(Protocol):
    """``outbox``: messages waiting for a relay."""

    async def claim_batch(self, limit: int, *, tenant_in_flight: int = 0) -> list[ClaimedRow]:
        """See :func:`shared.db.outbox.claim_batch`."""
        ...

    async def delete_published(self, ids: list[int]) -> None: ...

    async def hold_back(self, row_id: int, hold_s: float, refusal: str) -> None:
        """Count a refusal of the row and keep it out of batches for ``hold_s`` seconds."""
        ...

    async def set_aside(self, row: ClaimedRow, refusal: str, error_class: str) -> bool:
        """See :func:`shared.db.outbox_parking.set_aside`."""
        ...


class Tables(Protocol):
    """One repository per table, all on the same connection (and transaction, if any)."""

    @property
    def reports(self) -> ReportsTable: ...

    @property
    def processed(self) -> ProcessedMessagesTable: ...

    @property
    def artifacts(self) -> ArtifactsTable: ...

    @property
    def dead_letters(self) -> DeadLettersTable: ...

    @property
    def outbox(self) -> OutboxTable: ...


class OutboxListener(Protocol):
    """A subscription to "the outbox has new rows"."""

    def is_closed(self) -> bool: ...

    async def close(self) -> None: ...


class Store(Protocol):
    """Where delivery keeps its state."""

    def transaction(self) -> AbstractAsyncContextManager[Tables]:
        """The tables inside one transaction: all of it commits, or none of it (on an
        exception)."""
        ...

    def connection(self) -> AbstractAsyncContextManager[Tables]:
        """The tables for reads outside a transaction."""
        ...

    async def listen_outbox(self, on_rows: Callable[[], None]) -> OutboxListener:
        """Call ``on_rows`` whenever a transaction that wrote outbox rows commits."""
        ...
