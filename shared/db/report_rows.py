"""``reports`` rows as clients see them: one column list, one read, one listing. Every read is
filtered by the caller's tenant, so another tenant's report is indistinguishable from one that
does not exist. (State changes go through :func:`shared.db.reports.record_step`; new rows through
:mod:`shared.db.submissions`.)"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import asyncpg

if TYPE_CHECKING:
    from shared.db.pool import Connection

REPORT_COLUMNS = """id, tenant_id, kind, status, progress_percent, current_step, created_at,
    updated_at, started_at, completed_at, processing_time_ms, error_message, error_details,
    retry_count, request, result, event_seq, batch_id"""


async def fetch_report(conn: Connection, tenant_id: UUID, report_id: UUID) -> asyncpg.Record | None:
    """The tenant's report, or None (also for another tenant's report)."""
    return await conn.fetchrow(
        f"SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1 AND tenant_id = $2",
        report_id,
        tenant_id,
    )


async def list_reports(
    conn: Connection,
    tenant_id: UUID,
    *,
    status: str | None,
    kind: str | None,
    limit: int,
    after: tuple[datetime, UUID] | None,
) -> list[asyncpg.Record]:
    """Newest first; keyset pagination on (created_at, id) so pages are stable under inserts."""
    conditions = ["tenant_id = $1"]
    args: list[Any] = [tenant_id]
    if status is not None:
        args.append(status)
        conditions.append(f"status = ${len(args)}")
    if kind is not None:
        args.append(kind)
        conditions.append(f"kind = ${len(args)}")
    if after is not None:
        args.extend(after)
        conditions.append(f"(created_at, id) < (${len(args) - 1}, ${len(args)})")
    args.append(limit)
    return await conn.fetch(
        f"""SELECT {REPORT_COLUMNS} FROM reports WHERE {" AND ".join(conditions)}
            ORDER BY created_at DESC, id DESC LIMIT ${len(args)}""",
        *args,
    )
