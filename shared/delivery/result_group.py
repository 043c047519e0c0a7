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

from uuid import UUID

from shared.db.stage_steps import NotRecorded, StepsCall, StepsRecorded
from shared.db.store import Store
from shared.delivery.statement_group import StatementGroup
from shared.metrics import registry as metrics

Recorded = StepsRecorded | NotRecorded


class ResultGroup(StatementGroup[UUID, StepsCall, Recorded]):
    """A stage's results, one lane per tenant (:mod:`shared.delivery.statement_group`)."""

    def __init__(self, stage: str, store: Store, *, max_calls: int = 32) -> None:
        super().__init__(max_calls=max_calls)
        self._size = metrics.STAGE_RESULT_GROUP.labels(stage)
        self._store = store

    async def record(self, call: StepsCall) -> Recorded:
        """Record ``call`` (as ``record_steps_at`` would); returns once it is committed. Raises
        what recording it raised."""
        return await self._submit(call.head.tenant_id, call)

    async def _run(self, calls: list[StepsCall]) -> list[Recorded]:
        async with self._store.connection() as db:
            return await db.reports.record_calls(calls)

    def _observe(self, calls: int) -> None:
        self._size.observe(calls)
