"""Group commit for ``POST /v1/reports``: the reports a tenant sends while its previous statement
is running are accepted together, in the next one.

A tenant's reports are numbered on its feed under one row lock (``channel_heads``), so two of its
statements never commit side by side anyway: each would wait for the other's commit. Here a tenant
has at most one accepting statement at a time, and what arrives meanwhile waits in its lane and
goes into the next statement, whole (:func:`shared.db.submissions.store_prepared`: one statement,
all or nothing). There is no gathering window: a report that finds its lane idle is stored at
once, alone, so a quiet gateway answers as fast as before; under load a statement carries as many
reports as arrived during the previous one (at most ``max_reports``, and ``max_bytes`` of raw
input), so the commit, its WAL flush, the head's lock and the round trip are paid once for all.

Each request still gets its 202 only after the statement that stored its report returned, i.e.
committed. When a statement of several reports fails for a reason that is not an outage (a value
the database refused), each report is tried again alone, so one bad report cannot fail the
others; an outage fails them all (each answered 503, nothing stored). A request cancelled while
its report waits (the client went away) is treated like one cancelled during its own statement:
the report may be stored, and a retry with the same Idempotency-Key finds it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg

from shared.db import submissions
from shared.db.outage import is_outage
from shared.db.submissions import Acceptance, Accepted, Created, IdempotencyConflict, PreparedReport
from shared.metrics import registry as metrics

Outcome = Accepted | BaseException


@dataclass
class _Lane:
    """One tenant's reports waiting for a statement, and the task storing them (None: idle)."""

    waiting: list[tuple[PreparedReport, asyncio.Future[Accepted]]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None


class GroupAccept:
    def __init__(
        self, pool: asyncpg.Pool, *, max_reports: int = 32, max_bytes: int = 4 * 1024 * 1024
    ) -> None:
        self._pool = pool
        self._max_reports = max_reports
        self._max_bytes = max_bytes
        self._lanes: dict[UUID, _Lane] = {}
        self.statements = 0
        """Accepting statements run so far."""
        self.reports = 0
        """Reports they carried (stored or found stored under their Idempotency-Key)."""

    async def accept(self, tenant_id: UUID, acceptance: Acceptance) -> Created:
        """Store the report (or find the earlier one of its Idempotency-Key); returns once it is
        committed. Raises IdempotencyConflict, or what storing it raised."""
        # Prepared here, in the request's own context: its outbox rows carry its trace.
        prepared = submissions.prepare(tenant_id, acceptance)
        lane = self._lanes.get(tenant_id)
        if lane is None:
            lane = self._lanes[tenant_id] = _Lane()
        answer: asyncio.Future[Accepted] = asyncio.get_running_loop().create_future()
        lane.waiting.append((prepared, answer))
        if lane.task is None:
            lane.task = asyncio.create_task(self._drain(tenant_id, lane), name="group-accept")
        outcome = await answer
        if isinstance(outcome, IdempotencyConflict):
            raise outcome
        return outcome

    async def close(self) -> None:
        """Wait for the statements under way (their requests are still waiting for them)."""
        tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _drain(self, tenant_id: UUID, lane: _Lane) -> None:
        group: list[tuple[PreparedReport, asyncio.Future[Accepted]]] = []
        try:
            while lane.waiting:
                group = self._next_group(lane)
                outcomes = await self._store(group)
                for (_, answer), outcome in zip(group, outcomes, strict=True):
                    if answer.done():  # its request was cancelled
                        continue
                    if isinstance(outcome, BaseException) and not isinstance(
                        outcome, IdempotencyConflict
                    ):
                        answer.set_exception(outcome)
                    else:
                        answer.set_result(outcome)
                group = []
        except BaseException:  # cancelled at shutdown: nobody waits forever
            for _, answer in [*group, *lane.waiting]:
                answer.cancel()
            lane.waiting.clear()
            raise
        finally:
            lane.task = None
            if not lane.waiting and self._lanes.get(tenant_id) is lane:
                del self._lanes[tenant_id]

    def _next_group(self, lane: _Lane) -> list[tuple[PreparedReport, asyncio.Future[Accepted]]]:
        """The oldest waiting reports up to the limits (at least one)."""
        taken, size = 0, 0
        for report, _ in lane.waiting:
            if taken and (taken == self._max_reports or size + report.raw_bytes > self._max_bytes):
                break
            taken, size = taken + 1, size + report.raw_bytes
        group = lane.waiting[:taken]
        del lane.waiting[:taken]
        return group

    async def _store(
        self, group: Sequence[tuple[PreparedReport, asyncio.Future[Accepted]]]
    ) -> Sequence[Outcome]:
        reports = [report for report, _ in group]
        try:
            outcomes: Sequence[Outcome] = await self._statement(reports)
        except Exception as exc:
            # asyncpg's DataError (a value it could not encode) counts as an outage elsewhere,
            # but here it is one report's doing
            if len(reports) == 1 or (is_outage(exc) and not isinstance(exc, asyncpg.DataError)):
                return [exc] * len(reports)
            outcomes = [await self._alone(report) for report in reports]
        return outcomes

    async def _alone(self, report: PreparedReport) -> Outcome:
        try:
            (outcome,) = await self._statement([report])
        except Exception as exc:
            return exc
        return outcome

    async def _statement(self, reports: list[PreparedReport]) -> list[Accepted]:
        async with self._pool.acquire() as conn:
            outcomes = await submissions.store_prepared(conn, reports)
        self.statements += 1
        self.reports += len(reports)
        metrics.ACCEPT_GROUP_SIZE.observe(len(reports))
        return outcomes
