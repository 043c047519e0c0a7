"""What the drug and device stages keep beside an analysis: the case line listing (for the PDF
appendix and ``cases.csv``) and the findings the next report of the same subject compares with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel

from services.analyzer.surveillance.monthly import alert_key
from shared.db.safety_history import SignalRecord
from shared.events import Envelope
from shared.events.cer import CaseListingRef
from shared.events.openfda import TrendAlert
from shared.stage import StageContext


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
