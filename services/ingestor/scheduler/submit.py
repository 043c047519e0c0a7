"""Submitting a scheduled CER exactly as ``POST /v1/reports`` would.

The report row, its first audit event and ``report.requested`` are written in one transaction by
the gateway's own repository function, so a scheduled report is indistinguishable downstream from
one a person asked for (except ``request.schedule_id``).
"""

from __future__ import annotations

import hashlib
from uuid import UUID

import asyncpg
import orjson

from services.gateway.repository import create_report
from services.gateway.submission import Submission
from shared.events import ReportKind
from shared.events.cer import CerRequest


def cer_submission(request: CerRequest) -> Submission:
    """The gateway submission of a CER request (no raw input: nothing here is PHI)."""
    parameters = request.model_dump(mode="json")
    # The same fingerprint the gateway computes (services/gateway/cer_intake.py).
    canonical = orjson.dumps({"kind": "cer", **parameters}, option=orjson.OPT_SORT_KEYS)
    return Submission(
        kind=ReportKind.CER,
        fingerprint=hashlib.sha256(canonical).digest(),
        parameters=parameters,
    )


class ReportSubmitter:
    """Creates reports for the scheduler through the gateway's repository."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def __call__(self, tenant_id: UUID, request: CerRequest, idempotency_key: str) -> UUID:
        async with self._pool.acquire() as conn:
            created = await create_report(conn, tenant_id, cer_submission(request), idempotency_key)
        report_id: UUID = created.report["id"]
        return report_id
