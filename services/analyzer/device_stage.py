"""The analyzer's device (MAUDE) work, as the stage runner sees it.

Like the drug stage: reads the dataset (inline or by reference), the previous report's trend
alerts for the same tenant and subject, runs the pure analysis, stores the line listing and this
report's alerts, emits ``report.analyzed`` (DeviceAnalysis) and, for a scheduled refresh, raises a
trend alert for months newly flagged.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from services.analyzer.cer_stage import trend_alert
from services.analyzer.device.analysis import analyze_device
from services.analyzer.safety_records import (
    Findings,
    dataset_cases,
    ingested_dataset,
    keep_records,
)
from shared.events import Envelope, routing
from shared.events.device import DeviceCase, DeviceDataset
from shared.stage import NextEvent, StageContext, StageOutcome

ANALYZED_PROGRESS = 70
NO_PRESET = "-"
"""Device reports have no signal preset; the history is keyed with this instead."""


async def analyze_device_event(event: Envelope, ctx: StageContext) -> StageOutcome:
    """Analyse one ``report.ingested`` device event; emit ``report.analyzed``."""
    dataset = ingested_dataset(event, DeviceDataset, "device")
    request = dataset.request
    cases = await dataset_cases(ctx, dataset, DeviceCase)
    entry = await ctx.repos.history.previous(
        event.tenant_id, "device", request.subject_key, NO_PRESET, event.report_id
    )
    result = await asyncio.to_thread(
        analyze_device,
        dataset,
        cases,
        previous_alerts=frozenset(entry.trend_alerts) if entry else frozenset(),
        generated_at=datetime.now(UTC),
    )
    ref = await keep_records(
        ctx,
        event,
        result.listing,
        Findings(
            kind="device",
            subject=request.subject_key,
            preset=NO_PRESET,
            ndc=None,
            signals=(),
            alerts=result.analysis.trends.alerts,
            data_last_updated=result.analysis.source.meta_last_updated,
            generated_at=result.analysis.generated_at,
        ),
    )
    analysis = result.analysis.model_copy(update={"listing": ref})
    alert = (
        trend_alert(
            "device",
            request.subject_key,
            analysis.subject_label,
            analysis.trends.alerts,
            schedule_id=request.schedule_id,
            data_last_updated=analysis.source.meta_last_updated,
        )
        if request.schedule_id is not None
        else None
    )
    totals = analysis.totals
    message = (
        f"nil report: no MAUDE report for {analysis.subject_label}"
        if analysis.nil
        else (
            f"{totals.analysed} reports ({totals.deaths} deaths, {totals.injuries} injuries, "
            f"{totals.malfunctions} malfunctions), {len(analysis.trends.alerts)} trend alert(s)"
        )
    )
    return StageOutcome(
        step="analyzed",
        progress_percent=ANALYZED_PROGRESS,
        message=message,
        details={"trend_alerts": len(analysis.trends.alerts), "nil": analysis.nil},
        next_event=NextEvent(routing.REPORT_ANALYZED, analysis),
        alerts=(alert,) if alert else (),
    )
