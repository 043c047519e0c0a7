"""A person's retry of a FAILED report: the same report, run again from its first stage.

The report goes back to PENDING with a ``retried`` audit event and a new ``report.requested``
(a new message id, so every stage does its work again), in one transaction. A coding report
needs its raw input, which is purged some time after the report ended: without it the retry is
refused and the caller is told to submit again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from shared.db import outbox
from shared.db.reports import Step, record_step
from shared.events import Envelope, ReportKind, ReportStatus, routing

if TYPE_CHECKING:
    from shared.db.pool import Connection


class RetryRefused(Exception):
    """The report cannot be retried; the message says why, in words a person can act on."""


async def retry_report(conn: Connection, tenant_id: UUID, report_id: UUID, actor: str) -> bool:
    """Run the tenant's FAILED report again; False when there is no such report. Call inside a
    transaction. Raises :class:`RetryRefused` when it is not FAILED or its input is gone."""
    row = await conn.fetchrow(
        """SELECT kind, status, request,
                  EXISTS (SELECT 1 FROM report_inputs WHERE report_id = r.id) AS has_input
           FROM reports r WHERE id = $1 AND tenant_id = $2 FOR UPDATE""",
        report_id,
        tenant_id,
    )
    if row is None:
        return False
    if row["status"] != ReportStatus.FAILED:
        raise RetryRefused(f"Only a FAILED report can be retried; this one is {row['status']}.")
    kind = ReportKind(row["kind"])
    if kind is ReportKind.CODING and not row["has_input"]:
        raise RetryRefused(
            "The submitted Bundle is no longer kept (raw input is purged after the retention "
            "period); submit it again."
        )
    await record_step(
        conn,
        report_id,
        Step(
            actor=actor,
            step="accepted",
            outcome="retried",
            status=ReportStatus.PENDING,
            progress_percent=0,
            message="retried after failing",
            reopen=True,
        ),
    )
    await outbox.enqueue_event(
        conn,
        Envelope(
            type=routing.REPORT_REQUESTED,
            report_id=report_id,
            tenant_id=tenant_id,
            kind=kind,
            payload=row["request"] or {},
        ),
    )
    return True
