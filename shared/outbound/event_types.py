"""What a webhook or an email recipient may subscribe to: the gateway registers them, the
notifier's outbound worker sends them, so the names live here, shared by both."""

from __future__ import annotations

from typing import Literal, get_args

OutboundEventType = Literal[
    "report.completed", "report.failed", "report.alert", "batch.completed", "batch.failed"
]
OUTBOUND_EVENT_TYPES: tuple[OutboundEventType, ...] = get_args(OutboundEventType)
