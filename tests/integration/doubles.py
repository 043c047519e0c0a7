"""Report fixtures for the integration tests, and the stage doubles of tests/stage_doubles.py."""

from __future__ import annotations

from uuid import UUID

from shared.db.submissions import Submission, create_report
from shared.events import ReportKind
from tests.integration.harness import Pipeline
from tests.stage_doubles import CountingAnalyzer, RecordingStage

__all__ = ["CountingAnalyzer", "RecordingStage", "new_report"]


async def new_report(pipe: Pipeline, tenant: str = "acme") -> UUID:
    pool = await pipe.pool()
    async with pool.acquire() as conn:
        tenant_id = await conn.fetchval(
            "INSERT INTO tenants (id, name) VALUES (gen_random_uuid(), $1) "
            "ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id",
            tenant,
        )
        created = await create_report(
            conn,
            tenant_id,
            Submission(kind=ReportKind.CODING, fingerprint=b"x", raw_input=b"{}"),
            None,
        )
    report_id: UUID = created.id
    return report_id
