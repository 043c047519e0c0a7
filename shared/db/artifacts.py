"""``artifacts``: the files a stage made for a report (the PDF, the analysis behind it, the FHIR
Bundle, CSV exports), named in :mod:`shared.artifacts`."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING
from uuid import UUID

import asyncpg

if TYPE_CHECKING:
    from shared.db.pool import Connection


async def store_artifact(
    conn: Connection, report_id: UUID, name: str, media_type: str, content: bytes
) -> None:
    """Keep a file a stage made for the report (the PDF, the analysis behind it)."""
    await conn.execute(
        """INSERT INTO artifacts (report_id, name, media_type, content, sha256)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (report_id, name) DO UPDATE
             SET media_type = EXCLUDED.media_type, content = EXCLUDED.content,
                 sha256 = EXCLUDED.sha256, created_at = now()""",
        report_id,
        name,
        media_type,
        content,
        hashlib.sha256(content).digest(),
    )


async def load_artifact(conn: Connection, report_id: UUID, name: str) -> asyncpg.Record | None:
    """The artifact's ``media_type``, ``content`` and ``sha256``, or None."""
    return await conn.fetchrow(
        "SELECT media_type, content, sha256 FROM artifacts WHERE report_id = $1 AND name = $2",
        report_id,
        name,
    )
