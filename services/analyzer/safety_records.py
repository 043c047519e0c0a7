"""What the drug and device stages keep beside an analysis: the case line listing (for the PDF
appendix and ``cases.csv``) and the findings the next report of the same subject compares with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from services.analyzer.surveillance.monthly import alert_key
from shared.db.cer_datasets import DatasetMissing
from shared.db.safety_history import SignalRecord
from shared.events import Envelope
from shared.events.cer import DatasetRef
from shared.events.faers_case import CaseListingRef
from shared.events.openfda import TrendAlert
from shared.stage import StageContext, StageError

Case = TypeVar("Case", bound=BaseModel)
_Case_co = TypeVar("_Case_co", bound=BaseModel, covariant=True)


class _Ingested(Protocol[_Case_co]):
    @property
    def cases(self) -> tuple[_Case_co, ...]: ...

    @property
    def cases_ref(self) -> DatasetRef | None: ...


Dataset = TypeVar("Dataset", bound=BaseModel)


def ingested_dataset(event: Envelope, model: type[Dataset], kind: str) -> Dataset:
    """The ``report.ingested`` payload as ``model``; a payload that does not fit fails for good."""
    try:
        return model.model_validate(event.payload)
    except ValidationError as exc:
        raise StageError(
            f"the ingested {kind} payload is invalid ({exc.error_count()} problems)",
            permanent=True,
        ) from None


async def dataset_cases(
    ctx: StageContext, dataset: _Ingested[Any], case_type: type[Case]
) -> tuple[Case, ...]:
    """The dataset's cases: inline, or loaded from the store when the ingestor kept them there
    (a missing or altered stored dataset is a retriable failure)."""
    if dataset.cases_ref is None:
        return tuple(dataset.cases)
    try:
        return await ctx.repos.datasets.load(dataset.cases_ref, case_type)
    except DatasetMissing as exc:
        raise StageError(str(exc)) from None


@dataclass(frozen=True)
class Findings:
    kind: str
    subject: str
    preset: str
    ndc: str | None
    signals: Sequence[str]
    alerts: Sequence[TrendAlert]
    data_last_updated: date | None
    generated_at: datetime


async def keep_records(
    ctx: StageContext, event: Envelope, listing: Sequence[BaseModel], findings: Findings
) -> CaseListingRef:
    """Store the listing and the findings (both replaced on a redelivery); the listing's ref."""
    rows, digest = await ctx.repos.listings.store(event.report_id, listing)
    await ctx.repos.history.record(
        SignalRecord(
            report_id=event.report_id,
            tenant_id=event.tenant_id,
            kind=findings.kind,
            subject=findings.subject,
            preset=findings.preset,
            ndc=findings.ndc,
            signals=findings.signals,
            trend_alerts=[alert_key(a.term, a.month) for a in findings.alerts],
            data_last_updated=findings.data_last_updated,
            generated_at=findings.generated_at,
        )
    )
    return CaseListingRef(report_id=event.report_id, rows=rows, sha256=digest)
