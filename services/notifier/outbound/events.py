"""What a webhook or an email says about an event: ids, kind, status, counts, links, the stage's
error message and a trend alert's product terms (PHI-free by construction) — never a note, a name
or a result body."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from shared.events import StatusNotification, routing
from shared.events.alerts import TrendAlertNotice
from shared.events.batch import BatchNotification
from shared.outbound.event_types import OUTBOUND_EVENT_TYPES

EVENT_TYPES = OUTBOUND_EVENT_TYPES


def describe(routing_key: str, body: bytes, base_url: str) -> tuple[str, dict[str, Any]] | None:
    """(event type, payload data) of a notification worth telling, or None."""
    try:
        if routing_key in (routing.REPORT_COMPLETED, routing.REPORT_FAILED):
            note = StatusNotification.model_validate_json(body)
            link = f"{base_url}/v1/reports/{note.report_id}"
            data: dict[str, Any] = {
                "report_id": str(note.report_id),
                "kind": note.kind.value,
                "status": note.status.value,
                "at": note.at.isoformat(),
                "links": {"self": link, "pdf": f"{link}/pdf", "events": f"{link}/events"},
            }
            if note.error is not None:
                data["error"] = {"message": note.error.get("message")}
            return ("report.completed" if note.status == "COMPLETE" else "report.failed"), data
        if routing_key == routing.REPORT_ALERT:
            alert = _alert_data(StatusNotification.model_validate_json(body), base_url)
            return None if alert is None else ("report.alert", alert)
        if routing_key == routing.BATCH_COMPLETED:
            batch = BatchNotification.model_validate_json(body)
            data = {
                "batch_id": str(batch.batch_id),
                "status": batch.status,
                "total": batch.total,
                "counts": batch.counts.model_dump(),
                "at": batch.at.isoformat(),
                "links": {"self": f"{base_url}/v1/batches/{batch.batch_id}"},
            }
            return ("batch.failed" if batch.counts.failed else "batch.completed"), data
    except ValidationError:
        return None
    return None


def _alert_data(note: StatusNotification, base_url: str) -> dict[str, Any] | None:
    """A trend alert: the subject searched and the months newly flagged (drug or device terms)."""
    if note.alert is None:
        return None
    notice = TrendAlertNotice.model_validate(note.alert)
    link = f"{base_url}/v1/reports/{note.report_id}"
    return {
        "report_id": str(note.report_id),
        "kind": notice.kind,
        "subject": notice.subject,
        "subject_label": notice.subject_label,
        "schedule_id": str(notice.schedule_id) if notice.schedule_id else None,
        "total_new": notice.total_new,
        "alerts": [
            {"term": a.term, "month": a.month, "reports": a.reports, "expected": a.expected}
            for a in notice.alerts
        ],
        "message": note.message,
        "at": note.at.isoformat(),
        "links": {"self": link, "pdf": f"{link}/pdf", "events": f"{link}/events"},
    }
