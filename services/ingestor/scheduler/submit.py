"""Submitting a scheduled drug or device report exactly as ``POST /v1/reports`` would.

The report row, its first audit event and ``report.requested`` are written in one transaction by
the function the gateway uses (``shared.db.submissions``), so a scheduled report is
indistinguishable downstream from one a person asked for (except ``request.schedule_id``).
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from shared.db.schedules import SafetyRequest, request_kind
from shared.db.submissions import create_report, parameters_submission
from shared.events import ReportKind


class ReportSubmitter:
    """Creates reports for the scheduler through shared.db.submissions, as the gateway does."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def __call__(self, tenant_id: UUID, request: SafetyRequest, idempotency_key: str) -> UUID:
        kind = ReportKind(request_kind(request))
        async with self._pool.acquire() as conn:
            submission = parameters_submission(kind, request.model_dump(mode="json"))
            created = await create_report(conn, tenant_id, submission, idempotency_key)
        report_id: UUID = created.id
        return report_id
