"""Alerts raised beside a report's steps and told to subscribers as ``report.alert`` events.

A trend alert is raised by the analyzer of a *scheduled* drug or device safety refresh when the
monthly control chart flags a month it had not flagged in the previous report for the same
subject. It travels like every status event: an audit event of the report (outcome ``alert``),
a row in the outbox, a ``report.alert`` message, and the tenant's feed; its ``alert`` field holds
a :class:`TrendAlertNotice`. Webhooks and e-mail route it by that routing key (docs/api.md).
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.events.openfda import TrendAlert


class TrendAlertNotice(BaseModel):
    """The ``alert`` of a trend-alert event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["trend_alert"] = "trend_alert"
    kind: Literal["cer", "device"]
    subject: str
    """Machine key of what was searched, e.g. ``ingredient:AMBRISENTAN|suspect``."""
    subject_label: str
    """The same for people, e.g. ``Ambrisentan (active ingredient)``."""
    schedule_id: UUID | None = None
    data_last_updated: date | None = None
    alerts: tuple[TrendAlert, ...] = Field(min_length=1, max_length=50)
    """The months newly flagged (at most 50, the interval's first)."""
    total_new: int = Field(ge=1)
