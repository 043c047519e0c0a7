"""A stage's admission reads, grouped: the deliveries that arrive while the previous read runs
are admitted by the next one, whole (:mod:`shared.delivery.statement_group`).

Every delivery is admitted by one read — has this stage processed the message, where does the
report stand (:func:`shared.db.processed_messages.seen_and_head`). Under load the deliveries of
a stage arrive a few at a time, spread over turns of the event loop, so gathering them within a
turn finds few together; what arrives during a read's round trip is more, and goes in the next
read (:func:`shared.db.processed_messages.seen_and_heads`: one statement). A read only looks:
the de-duplication guarantee is the claim written with the result, and the result's plan holds
only while the report is still where this read found it (:mod:`shared.db.stage_steps`).
"""

from __future__ import annotations

from shared.db.processed_messages import Admission
from shared.db.reports import ReportHead
from shared.db.store import Store
from shared.delivery.statement_group import StatementGroup

Seen = tuple[bool, ReportHead | None]


class AdmissionReads(StatementGroup[None, Admission, Seen]):
    """One lane: reads take no lock, whatever the tenant."""

    def __init__(self, store: Store, *, max_calls: int = 32) -> None:
        super().__init__(max_calls=max_calls)
        self._store = store

    async def read(self, ask: Admission) -> Seen:
        """Whether the stage processed the message, and the report's head (None: no report)."""
        return await self._submit(None, ask)

    async def _run(self, asks: list[Admission]) -> list[Seen]:
        async with self._store.connection() as db:
            return await db.processed.seen_and_heads(asks)
