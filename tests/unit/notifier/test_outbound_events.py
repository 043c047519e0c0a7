"""What webhooks and emails say about an event, from the notification alone (no broker)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from services.notifier.outbound.email import compose
from services.notifier.outbound.events import EVENT_TYPES, describe
from services.notifier.settings import NotifierSettings
from shared.events import ReportKind, ReportStatus, StatusNotification, routing
from shared.events.alerts import TrendAlertNotice
from shared.events.openfda import TrendAlert


def _alert_note(alert: dict[str, object] | None) -> StatusNotification:
    return StatusNotification(
        report_id=uuid4(),
        tenant_id=uuid4(),
        kind=ReportKind.CER,
        event_id=4,
        status=ReportStatus.PROCESSING,
        progress_percent=40,
        current_step="analyzed",
        outcome="alert",
        message="Trend alert for Ambrisentan (active ingredient): Anaemia (2024-09: 12 reports)",
        at=datetime(2026, 12, 6, tzinfo=UTC),
        alert=alert,
    )


NOTICE = TrendAlertNotice(
    kind="cer",
    subject="ingredient:AMBRISENTAN|suspect",
    subject_label="Ambrisentan (active ingredient)",
    alerts=(
        TrendAlert(term="Anaemia", month="2024-09", reports=12, expected=2.5, upper_tail=1e-6),
        TrendAlert(term="Oedema", month="2024-10", reports=9, expected=3.0, upper_tail=1e-4),
    ),
    total_new=2,
)


def test_a_trend_alert_is_an_event_a_webhook_can_subscribe_to() -> None:
    assert "report.alert" in EVENT_TYPES
    note = _alert_note(NOTICE.model_dump(mode="json"))
    described = describe(routing.REPORT_ALERT, note.model_dump_json().encode(), "https://x")
    assert described is not None
    event_type, data = described
    assert event_type == "report.alert"
    assert data["subject_label"] == "Ambrisentan (active ingredient)"
    assert [a["term"] for a in data["alerts"]] == ["Anaemia", "Oedema"]
    assert data["links"]["self"] == f"https://x/v1/reports/{note.report_id}"


def test_an_alert_without_its_notice_is_not_sent() -> None:
    note = _alert_note(None)
    assert describe(routing.REPORT_ALERT, note.model_dump_json().encode(), "https://x") is None


def test_the_alert_email_lists_each_flagged_month() -> None:
    note = _alert_note(NOTICE.model_dump(mode="json"))
    described = describe(routing.REPORT_ALERT, note.model_dump_json().encode(), "https://x")
    assert described is not None
    message = compose(NotifierSettings(), "safety@example.org", *described)
    text = message.get_content()
    assert (
        message["Subject"] == "clinrelay: trend alert for Ambrisentan (active ingredient) (2 new)"
    )
    assert "- Anaemia: 2024-09, 12 reports (expected 2.5)" in text
    assert "- Oedema: 2024-10, 9 reports (expected 3.0)" in text
