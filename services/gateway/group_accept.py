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

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from shared.db import submissions
from shared.db.submissions import Acceptance, Accepted, Created, PreparedReport
from shared.delivery.statement_group import StatementGroup
from shared.metrics import registry as metrics


class GroupAccept(StatementGroup[UUID, PreparedReport, Created]):
    """A tenant's POSTed reports, one lane per tenant (:mod:`shared.delivery.statement_group`)."""

    def __init__(
        self, pool: asyncpg.Pool, *, max_reports: int = 32, max_bytes: int = 4 * 1024 * 1024
    ) -> None:
        super().__init__(max_calls=max_reports)
        self._pool = pool
        self._max_bytes = max_bytes

    @property
    def reports(self) -> int:
        """Reports the statements carried (stored or found stored under their Idempotency-Key)."""
        return self.calls

    async def accept(self, tenant_id: UUID, acceptance: Acceptance) -> Created:
        """Store the report (or find the earlier one of its Idempotency-Key); returns once it is
        committed. Raises IdempotencyConflict, or what storing it raised."""
        # Prepared here, in the request's own context: its outbox rows carry its trace.
        return await self._submit(tenant_id, submissions.prepare(tenant_id, acceptance))

    def _take(self, waiting: Sequence[PreparedReport]) -> int:
        """The oldest waiting reports up to ``max_reports`` and ``max_bytes`` of raw input (at
        least one)."""
        taken, size = 0, 0
        for report in waiting:
            if taken and (taken == self._max_calls or size + report.raw_bytes > self._max_bytes):
                break
            taken, size = taken + 1, size + report.raw_bytes
        return taken

    async def _run(self, reports: list[PreparedReport]) -> list[Accepted]:
        async with self._pool.acquire() as conn:
            return await submissions.store_prepared(conn, reports)

    def _observe(self, calls: int) -> None:
        metrics.ACCEPT_GROUP_SIZE.observe(calls)
