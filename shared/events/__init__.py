"""The messages that travel on the bus: the envelope, the routing keys and each payload's schema."""

from shared.events.envelope import Envelope, ReportKind, ReportStatus
from shared.events.notification import StatusNotification

__all__ = ["Envelope", "ReportKind", "ReportStatus", "StatusNotification"]
