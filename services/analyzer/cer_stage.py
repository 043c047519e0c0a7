"""The analyzer's CER work, as the stage runner sees it.

Reads the ingested dataset (inline, or by reference from ``cer_datasets``), the signals of the
previous report for the same tenant, NDC and preset, runs the pure analysis, records this report's
signals for the next comparison and emits ``report.analyzed`` (CerAnalysis). When signals appeared
or disappeared, the step's message says which, so subscribers are told.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from pydantic import ValidationError

from services.analyzer.faers.analysis import analyze_cer
from services.analyzer.faers.changes import PreviousSignals
from shared.db.cer_datasets import DatasetMissing, load_cases
from shared.events import Envelope, routing
from shared.events.cer import CerAnalysis, CerDataset, FaersCase
from shared.stage import NextEvent, StageContext, StageError, StageOutcome

if TYPE_CHECKING:
    from shared.db.pool import Connection

ANALYZED_PROGRESS = 70


async def previous_signals(
    conn: Connection, tenant_id: UUID, dataset: CerDataset, report_id: UUID
) -> PreviousSignals | None:
    """The signals of the latest other report for this tenant, NDC and preset."""
    row = await conn.fetchrow(
        """SELECT report_id, generated_at, data_last_updated, signals FROM cer_signal_history
           WHERE tenant_id = $1 AND ndc = $2 AND preset = $3 AND report_id <> $4
           ORDER BY generated_at DESC LIMIT 1""",
        tenant_id,
        dataset.request.ndc,
        dataset.request.signal_preset.value,
        report_id,
    )
    if row is None:
        return None
    return PreviousSignals(
        report_id=row["report_id"],
        generated_at=row["generated_at"],
        data_last_updated=row["data_last_updated"],
        signals=tuple(row["signals"]),
    )


async def record_signals(
    conn: Connection, tenant_id: UUID, report_id: UUID, analysis: CerAnalysis
) -> None:
    """Remember this report's signals (replacing them on a redelivery)."""
    await conn.execute(
        """INSERT INTO cer_signal_history
               (report_id, tenant_id, ndc, preset, signals, data_last_updated, generated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (report_id) DO UPDATE SET signals = EXCLUDED.signals,
               data_last_updated = EXCLUDED.data_last_updated,
               generated_at = EXCLUDED.generated_at""",
        report_id,
        tenant_id,
        analysis.request.ndc,
        analysis.request.signal_preset.value,
        [row.pt for row in analysis.signals],
        analysis.source.meta_last_updated,
        analysis.generated_at,
    )


def _message(analysis: CerAnalysis) -> str:
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


async def analyze_cer_event(event: Envelope, ctx: StageContext) -> StageOutcome:
    """Analyse one ``report.ingested`` CER event; emit ``report.analyzed``."""
    try:
        dataset = CerDataset.model_validate(event.payload)
    except ValidationError as exc:
        raise StageError(
            f"the ingested CER payload is invalid ({exc.error_count()} problems)", permanent=True
        ) from None
    async with ctx.db.acquire() as conn:
        cases: tuple[FaersCase, ...] = dataset.cases
        if dataset.cases_ref is not None:
            try:
                cases = await load_cases(conn, dataset.cases_ref)
            except DatasetMissing as exc:
                raise StageError(str(exc)) from None
        previous = await previous_signals(conn, event.tenant_id, dataset, event.report_id)
        analysis = analyze_cer(dataset, cases, previous=previous, generated_at=datetime.now(UTC))
        await record_signals(conn, event.tenant_id, event.report_id, analysis)
    changes = analysis.signal_changes
    return StageOutcome(
        step="analyzed",
        progress_percent=ANALYZED_PROGRESS,
        message=_message(analysis),
        details={
            "signals": [row.pt for row in analysis.signals],
            "preset": analysis.request.signal_preset.value,
            "new_signals": list(changes.new),
            "disappeared_signals": list(changes.disappeared),
            "previous_report_id": str(changes.previous_report_id)
            if changes.previous_report_id
            else None,
        },
        next_event=NextEvent(routing.REPORT_ANALYZED, analysis),
    )
