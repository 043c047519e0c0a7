"""One email notification over SMTP (aiosmtplib): a short plain-text message with ids, status and
links — never PHI (no note text, no patient, no result body)."""

from __future__ import annotations

import time
from email.message import EmailMessage
from typing import Any

import aiosmtplib

from services.notifier.settings import NotifierSettings


def compose(
    settings: NotifierSettings, to: str, event_type: str, data: dict[str, Any]
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    if event_type == "report.alert":
        what = f"trend alert for {data['subject_label']}"
        state = f"({data['total_new']} new)"
        lines = [
            f"A scheduled refresh flagged months it had not flagged before ({data['at']}):",
            "",
        ]
        lines += [
            f"- {a['term']}: {a['month']}, {a['reports']} reports (expected {a['expected']:.1f})"
            for a in data["alerts"]
        ]
        lines += ["", f"Report: {data['links']['self']}"]
    elif event_type.startswith("report."):
        what = f"{data['kind']} report {data['report_id']}"
        state = "is ready" if event_type == "report.completed" else "failed"
        lines = [f"The {what} {state} ({data['at']}).", "", f"Report: {data['links']['self']}"]
        if event_type == "report.completed":
            lines.append(f"PDF:    {data['links']['pdf']}")
        if data.get("error"):
            lines += ["", f"Reason: {data['error'].get('message')}"]
    else:
        counts = data["counts"]
        what = f"batch {data['batch_id']}"
        state = "ended"
        lines = [
            f"The {what} ended ({data['at']}): {counts['complete']} complete, "
            f"{counts['failed']} failed of {data['total']}.",
            "",
            f"Batch: {data['links']['self']}",
        ]
    message["Subject"] = f"clinrelay: {what} {state}"
    lines += ["", f"Dashboard: {settings.gateway_url}/"]
    message.set_content("\n".join(lines) + "\n")
    return message


async def send_email(settings: NotifierSettings, message: EmailMessage) -> dict[str, Any]:
    started = time.perf_counter()
    attempt: dict[str, Any] = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    if not settings.smtp_host:
        attempt["error"] = "no SMTP server is configured (CLINRELAY_SMTP_HOST)"
    else:
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=settings.smtp_password or None,
                use_tls=settings.smtp_tls == "tls",
                start_tls=settings.smtp_tls == "starttls",
                timeout=settings.smtp_timeout_s,
            )
            attempt["status_code"] = 250
        except (aiosmtplib.SMTPException, OSError) as exc:
            attempt["error"] = type(exc).__name__
    attempt["duration_ms"] = round((time.perf_counter() - started) * 1000)
    return attempt
