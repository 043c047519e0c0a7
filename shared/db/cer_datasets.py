"""Safety-report case projections too big for a message, stored beside the report
(``cer_datasets``): FAERS cases of a drug report, MAUDE cases of a device report.

The ingestor writes them before emitting ``report.ingested`` with a :class:`DatasetRef`; the
analyzer reads them back and checks the SHA-256, so a message never carries more than a reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from pydantic import BaseModel

from shared.db.packed import NotAsPacked, pack, unpack
from shared.events.cer import DatasetRef
from shared.events.faers_case import FaersCase

if TYPE_CHECKING:
    from shared.db.pool import Connection

Case = TypeVar("Case", bound=BaseModel)


async def store_cases(conn: Connection, report_id: UUID, cases: Sequence[BaseModel]) -> DatasetRef:
    """Store (or replace, on a redelivery) the cases of ``report_id``; returns the reference."""
    packed = pack(cases)
    await conn.execute(
        """INSERT INTO cer_datasets (report_id, cases, sha256) VALUES ($1, $2, $3)
           ON CONFLICT (report_id) DO UPDATE SET cases = EXCLUDED.cases, sha256 = EXCLUDED.sha256,
                                                 created_at = now()""",
        report_id,
        packed.compressed,
        packed.sha256,
    )
    return DatasetRef(report_id=report_id, cases=packed.count, sha256=packed.sha256.hex())


class DatasetMissing(LookupError):
    pass


async def load_cases(
    conn: Connection,
    ref: DatasetRef,
    case_type: type[Case] = FaersCase,  # type: ignore[assignment]
) -> tuple[Case, ...]:
    """The cases ``ref`` points at; raises :class:`DatasetMissing` if absent or altered."""
    row = await conn.fetchrow("SELECT cases FROM cer_datasets WHERE report_id = $1", ref.report_id)
    if row is None:
        raise DatasetMissing(f"no stored cases for report {ref.report_id}")
    try:
        return unpack(row["cases"], ref.sha256, case_type)
    except NotAsPacked:
        raise DatasetMissing(
            f"stored cases of report {ref.report_id} do not match their hash"
        ) from None
