"""The analyzer's CER work, as the stage runner sees it.

Reads the ingested dataset (inline, or by reference from ``cer_datasets``) and what the previous
report for the same tenant, subject and preset found, runs the pure analysis, stores the case line
listing and this report's findings for the next comparison, and emits ``report.analyzed``
(CerAnalysis). When signals appeared or disappeared, the step's message says which; when a
*scheduled* refresh's control chart flags months it had not flagged before, a trend alert is
raised beside the step (``report.alert`` on the tenant's feed).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from services.analyzer.cer.analysis import analyze_cer
from services.analyzer.cer.changes import PreviousSignals
from services.analyzer.safety_records import (
    Findings,
    dataset_cases,
    ingested_dataset,
    keep_records,
)
from shared.events import Envelope, routing
from shared.events.alerts import TrendAlertNotice
from shared.events.cer import CerAnalysis, CerDataset
from shared.events.faers_case import FaersCase
from shared.events.openfda import TrendAlert
from shared.stage import NextEvent, StageAlert, StageContext, StageOutcome

ANALYZED_PROGRESS = 70
MAX_ALERTS_IN_NOTICE = 50


def _message(analysis: CerAnalysis) -> str:
    if analysis.nil:
        return f"nil report: no FAERS report for {analysis.subject_label} in the window"
    text = (
        f"{analysis.totals.analysed} reports, {len(analysis.events)} reactions, "
        f"{len(analysis.signals)} signal(s) ({analysis.preset.label})"
    )
    changes = analysis.signal_changes
    if changes.has_previous and changes.changed:
        parts = []
        if changes.new:
            parts.append("new: " + ", ".join(changes.new))
        if changes.disappeared:
            parts.append("gone: " + ", ".join(changes.disappeared))
        text += "; signals changed since the previous report (" + "; ".join(parts) + ")"
    return text


def trend_alert(
    kind: str,
    subject: str,
    subject_label: str,
    alerts: tuple[TrendAlert, ...],
    *,
    schedule_id: Any,
    data_last_updated: Any,
) -> StageAlert | None:
    """The feed alert for the newly flagged months, or None when there are none."""
    new = [a for a in alerts if a.new]
    if not new:
        return None
    notice = TrendAlertNotice(
        kind="device" if kind == "device" else "cer",
        subject=subject,
        subject_label=subject_label,
        schedule_id=schedule_id,
        data_last_updated=data_last_updated,
        alerts=tuple(new[:MAX_ALERTS_IN_NOTICE]),
        total_new=len(new),
    )
    names = ", ".join(f"{a.term} ({a.month}: {a.reports} reports)" for a in new[:3])
    more = f" and {len(new) - 3} more" if len(new) > 3 else ""
    return StageAlert(
        message=f"Trend alert for {subject_label}: {names}{more}",
        details=notice.model_dump(mode="json"),
    )


async def analyze_cer_event(event: Envelope, ctx: StageContext) -> StageOutcome:
    """Analyse one ``report.ingested`` CER event; emit ``report.analyzed``."""
    dataset = ingested_dataset(event, CerDataset, "CER")
    request = dataset.request
    cases = await dataset_cases(ctx, dataset, FaersCase)
    entry = await ctx.repos.history.previous(
        event.tenant_id,
        "cer",
        request.subject_key,
        request.signal_preset.value,
        event.report_id,
    )
    previous = (
        PreviousSignals(
            report_id=entry.report_id,
            generated_at=entry.generated_at,
            data_last_updated=entry.data_last_updated,
            signals=entry.signals,
            trend_alerts=entry.trend_alerts,
        )
        if entry
        else None
    )
    # Fitting the EBGM prior takes seconds of CPU: off the event loop (heartbeats, other work).
    result = await asyncio.to_thread(
        analyze_cer, dataset, cases, previous=previous, generated_at=datetime.now(UTC)
    )
    ref = await keep_records(
        ctx,
        event,
        result.listing,
        Findings(
            kind="cer",
            subject=request.subject_key,
            preset=request.signal_preset.value,
            ndc=request.ndc,
            signals=[row.pt for row in result.analysis.signals],
            alerts=result.analysis.trends.alerts,
            data_last_updated=result.analysis.source.meta_last_updated,
            generated_at=result.analysis.generated_at,
        ),
    )
    analysis = result.analysis.model_copy(update={"listing": ref})
    changes = analysis.signal_changes
    alert = (
        trend_alert(
            "cer",
            request.subject_key,
            analysis.subject_label,
            analysis.trends.alerts,
            schedule_id=request.schedule_id,
            data_last_updated=analysis.source.meta_last_updated,
        )
        if request.schedule_id is not None
        else None
    )
    return StageOutcome(
        step="analyzed",
        progress_percent=ANALYZED_PROGRESS,
        message=_message(analysis),
        details={
            "signals": [row.pt for row in analysis.signals],
            "preset": request.signal_preset.value,
            "new_signals": list(changes.new),
            "disappeared_signals": list(changes.disappeared),
            "previous_report_id": str(changes.previous_report_id)
            if changes.previous_report_id
            else None,
            "trend_alerts": len(analysis.trends.alerts),
            "nil": analysis.nil,
        },
        next_event=NextEvent(routing.REPORT_ANALYZED, analysis),
        alerts=(alert,) if alert else (),
    )
