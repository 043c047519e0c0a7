"""Routing keys on the ``<namespace>.events`` topic exchange.

Work events move a report from one stage to the next; notifications tell subscribers what happened.
"""

from typing import Final

REPORT_REQUESTED: Final = "report.requested"
REPORT_INGESTED: Final = "report.ingested"
REPORT_ANALYZED: Final = "report.analyzed"

REPORT_PROGRESS: Final = "report.progress"
REPORT_COMPLETED: Final = "report.completed"
REPORT_FAILED: Final = "report.failed"
REPORT_ALERT: Final = "report.alert"
"""A notice a stage raised beside its step (a trend alert of a scheduled safety refresh)."""

NOTIFICATIONS: Final = (REPORT_PROGRESS, REPORT_COMPLETED, REPORT_FAILED, REPORT_ALERT)
"""What subscribers are told after each recorded step of a report."""

BATCH_PROGRESS: Final = "batch.progress"
BATCH_COMPLETED: Final = "batch.completed"

BATCH_NOTIFICATIONS: Final = (BATCH_PROGRESS, BATCH_COMPLETED)
"""A batch's counts changed (shared.events.batch.BatchNotification), for the tenant's feed."""

UNROUTED_OK: Final = NOTIFICATIONS + BATCH_NOTIFICATIONS
"""Published without ``mandatory``: nobody listening (no notifier running) is not an error."""
