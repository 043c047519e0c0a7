"""What subscribers are told after each recorded step of a report."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.events.envelope import ReportKind, ReportStatus

ALERT_OUTCOME = "alert"
"""The ``outcome`` of an audit event that is an alert (routed as ``report.alert``)."""

EARLIER_NOTES_HEADER = "x-clinrelay-notes"
"""On a notification message: the notifications of the same recorded call that came before it
and ride on it instead of travelling alone (progress ones only), as a list of their JSON bodies,
oldest first. Subscribers take them before the message's own (:mod:`shared.live.feed`)."""


class StatusNotification(BaseModel):
    """One audit event of one report, as pushed to WebSocket subscribers.

    ``event_id`` is the event's sequence number within its report: a client that reconnects with
    the last one it saw receives only what came after. ``tenant_seq`` is its number on the
    tenant's feed, which numbers every event of every report of the tenant in commit order.
    """

    model_config = ConfigDict(frozen=True)

    event_id: int
    report_id: UUID
    tenant_id: UUID
    kind: ReportKind
    status: ReportStatus
    progress_percent: int
    current_step: str
    outcome: str
    message: str | None = None
    at: datetime
    error: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    tenant_seq: int | None = None
    alert: dict[str, Any] | None = None
    """Set on ``outcome: "alert"`` events: what the alert is about (e.g. a
    :class:`~shared.events.alerts.TrendAlertNotice`)."""
