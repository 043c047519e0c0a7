"""The raw input of a report (as the client sent it), which only the ingestor reads."""

from __future__ import annotations

from uuid import UUID

import asyncpg


async def load_raw_input(pool: asyncpg.Pool, report_id: UUID) -> bytes | None:
    """The stored body, or None when there is none (never stored, or purged)."""
    body: bytes | None = await pool.fetchval(
        "SELECT body FROM report_inputs WHERE report_id = $1", report_id
    )
    return body
