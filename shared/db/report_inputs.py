"""The raw input of a report as the client sent it (``report_inputs``): only the ingestor reads it.

The gateway stores it with the report (:mod:`shared.db.submissions`); the ingestor reads it once
per attempt; it is purged once the report has been final for the retention period, so a failed
report can still be replayed until then.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from shared.db.pool import Connection


async def load_raw_input(conn: Connection, report_id: UUID) -> bytes | None:
    """The stored body, or None when there is none (never stored, or purged)."""
    body: bytes | None = await conn.fetchval(
        "SELECT body FROM report_inputs WHERE report_id = $1", report_id
    )
    return body


async def purge_raw_inputs(conn: Connection, retention: timedelta) -> int:
    """Delete the raw input of reports that ended more than ``retention`` ago; returns how many."""
    result: str = await conn.execute(
        """DELETE FROM report_inputs i USING reports r
           WHERE r.id = i.report_id
             AND r.status IN ('COMPLETE', 'FAILED')
             AND r.completed_at < now() - $1::interval""",
        retention,
    )
    return int(result.rsplit(" ", 1)[-1])
