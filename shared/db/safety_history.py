"""What each analysed safety report found (signals, trend alerts), to tell the next one what is new.

Kept per tenant, report kind (``cer`` or ``device``), subject (scope, value and roles) and signal
preset, in ``cer_signal_history``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from shared.db.pool import Connection


@dataclass(frozen=True)
class HistoryEntry:
    report_id: UUID
    generated_at: datetime
    data_last_updated: date | None
    signals: tuple[str, ...]
    trend_alerts: tuple[str, ...]


async def previous_entry(
    conn: Connection, tenant_id: UUID, kind: str, subject: str, preset: str, report_id: UUID
) -> HistoryEntry | None:
    """The latest other report's entry for this tenant, kind, subject and preset."""
    row = await conn.fetchrow(
        """SELECT report_id, generated_at, data_last_updated, signals, trend_alerts
           FROM cer_signal_history
           WHERE tenant_id = $1 AND kind = $2 AND subject = $3 AND preset = $4
             AND report_id <> $5
           ORDER BY generated_at DESC LIMIT 1""",
        tenant_id,
        kind,
        subject,
        preset,
        report_id,
    )
    if row is None:
        return None
    return HistoryEntry(
        report_id=row["report_id"],
        generated_at=row["generated_at"],
        data_last_updated=row["data_last_updated"],
        signals=tuple(row["signals"]),
        trend_alerts=tuple(row["trend_alerts"]),
    )


@dataclass(frozen=True)
class SignalRecord:
    """What one analysed safety report found, as the next report of its subject will see it."""

    report_id: UUID
    tenant_id: UUID
    kind: str
    subject: str
    preset: str
    ndc: str | None
    signals: Sequence[str]
    trend_alerts: Sequence[str]
    data_last_updated: date | None
    generated_at: datetime


async def record_entry(conn: Connection, record: SignalRecord) -> None:
    """Remember what this report found (replacing it on a redelivery)."""
    await conn.execute(
        """INSERT INTO cer_signal_history
               (report_id, tenant_id, kind, subject, ndc, preset, signals, trend_alerts,
                data_last_updated, generated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (report_id) DO UPDATE SET signals = EXCLUDED.signals,
               trend_alerts = EXCLUDED.trend_alerts,
               data_last_updated = EXCLUDED.data_last_updated,
               generated_at = EXCLUDED.generated_at""",
        record.report_id,
        record.tenant_id,
        record.kind,
        record.subject,
        record.ndc,
        record.preset,
        list(record.signals),
        list(record.trend_alerts),
        record.data_last_updated,
        record.generated_at,
    )
