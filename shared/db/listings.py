"""Case line listings stored beside their report (``cer_case_listings``).

The analyzer writes a report's listing (it can run to thousands of rows, too many for a message)
and puts a reference in the analysis; the renderer reads it back, checking the SHA-256, to print
the PDF appendix and write ``cases.csv``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from pydantic import BaseModel

from shared.db.packed import NotAsPacked, pack, unpack

if TYPE_CHECKING:
    from shared.db.pool import Connection

Row = TypeVar("Row", bound=BaseModel)


class ListingMissing(LookupError):
    pass


async def store_listing(
    conn: Connection, report_id: UUID, rows: Sequence[BaseModel]
) -> tuple[int, str]:
    """Store (or replace, on a redelivery) the listing of ``report_id``; (rows, SHA-256 hex)."""
    packed = pack(rows)
    await conn.execute(
        """INSERT INTO cer_case_listings (report_id, rows, sha256) VALUES ($1, $2, $3)
           ON CONFLICT (report_id) DO UPDATE SET rows = EXCLUDED.rows, sha256 = EXCLUDED.sha256,
                                                 created_at = now()""",
        report_id,
        packed.compressed,
        packed.sha256,
    )
    return packed.count, packed.sha256.hex()


async def load_listing(
    conn: Connection, report_id: UUID, sha256: str, row_type: type[Row]
) -> tuple[Row, ...]:
    """The stored listing; raises :class:`ListingMissing` if absent or altered."""
    stored = await conn.fetchrow(
        "SELECT rows FROM cer_case_listings WHERE report_id = $1", report_id
    )
    if stored is None:
        raise ListingMissing(f"no case listing stored for report {report_id}")
    try:
        return unpack(stored["rows"], sha256, row_type)
    except NotAsPacked:
        raise ListingMissing(
            f"the case listing of report {report_id} does not match its hash"
        ) from None
