"""Every query the gateway runs, in one place; routes stay thin.

Tenant isolation lives here: every read of a report is filtered by the caller's tenant, so a report
of another tenant is indistinguishable from one that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import asyncpg

from shared.db.audit import AuditCheck, check_trail
from shared.db.submissions import REPORT_COLUMNS as _REPORT_COLUMNS
from shared.db.submissions import fetch_report

if TYPE_CHECKING:
    from shared.db.pool import Connection


async def get_report(conn: Connection, tenant_id: UUID, report_id: UUID) -> asyncpg.Record | None:
    """The tenant's report, or None (also for another tenant's report)."""
    return await fetch_report(conn, tenant_id, report_id)


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
        f"""SELECT {_REPORT_COLUMNS} FROM reports WHERE {" AND ".join(conditions)}
            ORDER BY created_at DESC, id DESC LIMIT ${len(args)}""",
        *args,
    )


async def report_events(conn: Connection, report_id: UUID) -> tuple[list[asyncpg.Record], bool]:
    """The audit trail in order, and whether its hash chain is intact."""
    rows = await conn.fetch(
        """SELECT seq, at, actor, step, outcome, status, progress_percent, message, details
           FROM report_events WHERE report_id = $1 ORDER BY seq""",
        report_id,
    )
    check = await check_trail(conn, report_id)
    return rows, check is not None and check.intact


async def verify_audit(conn: Connection, report_id: UUID) -> AuditCheck | None:
    """Which audit event of the report, if any, was altered or is missing."""
    return await check_trail(conn, report_id)


async def get_artifact(conn: Connection, report_id: UUID, name: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT media_type, content, sha256 FROM artifacts WHERE report_id = $1 AND name = $2",
        report_id,
        name,
    )
