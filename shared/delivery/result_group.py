"""Group commit for a stage's results: the results of a tenant's reports that finish while its
previous result statement is running are recorded together, in the next one.

Every result is one call of ``record_stage_steps`` (:mod:`shared.db.stage_steps`), which locks
the tenant feed's head row until it commits, so two results of one tenant never commit side by
side anyway: each waits for the other's commit. Here a tenant has at most one result statement
at a time, and what finishes meanwhile goes into the next statement, whole
(:func:`shared.db.stage_steps.record_calls`: one statement, all or nothing), so the commit and
its WAL flush, the head's lock and the round trip are paid once for several hops. There is no
gathering window: a result that finds its tenant's lane idle is recorded at once, alone, with the
statement it always had; under load a statement carries what finished during the previous one
(at most ``max_calls``).

Each delivery is acknowledged only after the statement that recorded its result returned, i.e.
committed (the caller awaits its own outcome). When a statement of several results fails for a
reason that is not an outage (a value or a trigger the database refused), each is tried again
alone, so one delivery's failure is its own and cannot fail the others; an outage fails them all,
and each delivery waits it out and comes back, as it did alone. The same as
``services/gateway/group_accept.py`` does for POSTs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from shared.db.outage import fails_all_alike
from shared.db.stage_steps import NotRecorded, StepsCall, StepsRecorded
from shared.db.store import Store
from shared.metrics import registry as metrics

Recorded = StepsRecorded | NotRecorded
Outcome = Recorded | BaseException


@dataclass
class _Lane:
    """One tenant's results waiting for a statement, and the task recording them (None: idle)."""

    waiting: list[tuple[StepsCall, asyncio.Future[Recorded]]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None


class ResultGroup:
    def __init__(self, stage: str, store: Store, *, max_calls: int = 32) -> None:
        self._size = metrics.STAGE_RESULT_GROUP.labels(stage)
        self._store = store
        self._max_calls = max_calls
        self._lanes: dict[UUID, _Lane] = {}
        self.statements = 0
        """Result statements run so far."""
        self.calls = 0
        """Results they carried."""

    async def record(self, call: StepsCall) -> Recorded:
        """Record ``call`` (as ``record_steps_at`` would); returns once it is committed. Raises
        what recording it raised."""
        tenant_id = call.head.tenant_id
        lane = self._lanes.get(tenant_id)
        if lane is None:
            lane = self._lanes[tenant_id] = _Lane()
        answer: asyncio.Future[Recorded] = asyncio.get_running_loop().create_future()
        lane.waiting.append((call, answer))
        if lane.task is None:
            lane.task = asyncio.create_task(self._drain(tenant_id, lane), name="result-group")
        return await answer

    async def _drain(self, tenant_id: UUID, lane: _Lane) -> None:
        group: list[tuple[StepsCall, asyncio.Future[Recorded]]] = []
        try:
            while lane.waiting:
                group = lane.waiting[: self._max_calls]
                del lane.waiting[: len(group)]
                outcomes = await self._record([call for call, _ in group])
                for (_, answer), outcome in zip(group, outcomes, strict=True):
                    if answer.done():  # its delivery was cancelled (shutdown)
                        continue
                    if isinstance(outcome, BaseException):
                        answer.set_exception(outcome)
                    else:
                        answer.set_result(outcome)
                group = []
        except BaseException:  # cancelled: nobody waits forever
            for _, answer in [*group, *lane.waiting]:
                answer.cancel()
            lane.waiting.clear()
            raise
        finally:
            lane.task = None
            if not lane.waiting and self._lanes.get(tenant_id) is lane:
                del self._lanes[tenant_id]

    async def _record(self, calls: list[StepsCall]) -> Sequence[Outcome]:
        try:
            return await self._statement(calls)
        except Exception as exc:
            if len(calls) == 1 or fails_all_alike(exc):
                return [exc] * len(calls)
        return [await self._alone(call) for call in calls]

    async def _alone(self, call: StepsCall) -> Outcome:
        try:
            (outcome,) = await self._statement([call])
        except Exception as exc:
            return exc
        return outcome

    async def _statement(self, calls: list[StepsCall]) -> list[Recorded]:
        async with self._store.connection() as db:
            outcomes = await db.reports.record_calls(calls)
        self.statements += 1
        self.calls += len(calls)
        self._size.observe(len(calls))
        return outcomes
