"""The repositories a stage works with, bound to the service's one pool.

Stage code gets these through :class:`~shared.stage.StageContext` (``ctx.repos``), never the pool:
each method borrows a connection for one call and the SQL stays in the table's own module
(``report_inputs``, ``listings``, ``cer_datasets``, ``safety_history``, ``reports``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from pydantic import BaseModel

from shared.db import cer_datasets, listings, report_inputs, reports, safety_history
from shared.db.pool import Pool
from shared.events.cer import DatasetRef

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class ReportInputs:
    """``report_inputs``: what the client sent (PHI: the ingestor's alone)."""

    pool: Pool

    async def raw_body(self, report_id: UUID) -> bytes | None:
        async with self.pool.acquire() as conn:
            return await report_inputs.load_raw_input(conn, report_id)


@dataclass(frozen=True)
class Reports:
    """``reports``: what a stage may read of the report it works on."""

    pool: Pool

    async def provenance(self, report_id: UUID) -> reports.Provenance | None:
        async with self.pool.acquire() as conn:
            return await reports.provenance(conn, report_id)


@dataclass(frozen=True)
class CaseListings:
    """``cer_case_listings``: a safety report's case line listing."""

    pool: Pool

    async def store(self, report_id: UUID, rows: Sequence[BaseModel]) -> tuple[int, str]:
        async with self.pool.acquire() as conn:
            return await listings.store_listing(conn, report_id, rows)

    async def load(self, report_id: UUID, sha256: str, row_type: type[Model]) -> tuple[Model, ...]:
        async with self.pool.acquire() as conn:
            return await listings.load_listing(conn, report_id, sha256, row_type)


@dataclass(frozen=True)
class CaseDatasets:
    """``cer_datasets``: safety cases too big for a message."""

    pool: Pool

    async def store(self, report_id: UUID, cases: Sequence[BaseModel]) -> DatasetRef:
        async with self.pool.acquire() as conn:
            return await cer_datasets.store_cases(conn, report_id, cases)

    async def load(self, ref: DatasetRef, case_type: type[Model]) -> tuple[Model, ...]:
        async with self.pool.acquire() as conn:
            return await cer_datasets.load_cases(conn, ref, case_type)


@dataclass(frozen=True)
class SignalHistory:
    """``cer_signal_history``: what earlier safety reports of the same subject found."""

    pool: Pool

    async def previous(
        self, tenant_id: UUID, kind: str, subject: str, preset: str, report_id: UUID
    ) -> safety_history.HistoryEntry | None:
        async with self.pool.acquire() as conn:
            return await safety_history.previous_entry(
                conn, tenant_id, kind, subject, preset, report_id
            )

    async def record(self, record: safety_history.SignalRecord) -> None:
        async with self.pool.acquire() as conn:
            await safety_history.record_entry(conn, record)


@dataclass(frozen=True)
class StageRepositories:
    """Every repository stage code may use, on one pool."""

    inputs: ReportInputs
    reports: Reports
    listings: CaseListings
    datasets: CaseDatasets
    history: SignalHistory

    @classmethod
    def on(cls, pool: Pool) -> StageRepositories:
        return cls(
            inputs=ReportInputs(pool),
            reports=Reports(pool),
            listings=CaseListings(pool),
            datasets=CaseDatasets(pool),
            history=SignalHistory(pool),
        )
