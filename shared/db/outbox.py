"""The transactional outbox: messages written with the state change that caused them.

Writers call :func:`enqueue` inside their transaction; a relay (:mod:`shared.delivery.relay`)
publishes the rows with confirms and deletes them. A row is never lost: it leaves the table only
after the broker confirmed it, and a crashed relay's rows are picked up by the next.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from shared import telemetry
from shared.events import Envelope, StatusNotification, routing
from shared.events.notification import ALERT_OUTCOME, EARLIER_NOTES_HEADER
from shared.messages import OutgoingMessage

if TYPE_CHECKING:
    from shared.db.pool import Connection

NOTIFY_CHANNEL = "clinrelay_outbox"


async def enqueue(
    conn: Connection,
    *,
    message_id: UUID,
    routing_key: str,
    body: bytes,
    headers: Mapping[str, Any] | None = None,
    admission_tenant: UUID | None = None,
) -> None:
    """Add one message to the outbox, carrying the current trace context in its headers.

    ``admission_tenant`` marks the message that lets a report into the pipeline: the relay holds
    it back while that tenant has its fill of reports in flight (see :func:`claim_batch`).
    """
    all_headers = dict(headers or {})
    telemetry.inject_context(all_headers)
    await conn.execute(
        """INSERT INTO outbox (message_id, routing_key, body, headers, admission_tenant)
           VALUES ($1, $2, $3, $4, $5)""",
        message_id,
        routing_key,
        body,
        all_headers,
        admission_tenant,
    )


OutboxRow = tuple[UUID, str, bytes, dict[str, Any], UUID | None]
"""An outbox row not yet written: message id, routing key, body, headers, admission tenant."""


async def enqueue_event(
    conn: Connection, envelope: Envelope, headers: Mapping[str, Any] | None = None
) -> None:
    await enqueue(
        conn,
        message_id=envelope.message_id,
        routing_key=envelope.type,
        body=envelope.to_bytes(),
        headers=headers,
        admission_tenant=_admission_tenant(envelope),
    )


def _admission_tenant(envelope: Envelope) -> UUID | None:
    return envelope.tenant_id if envelope.type == routing.REPORT_REQUESTED else None


def event_row(envelope: Envelope, headers: Mapping[str, Any] | None = None) -> OutboxRow:
    """The outbox row that publishes ``envelope`` (with the current trace context), for
    :func:`shared.db.reports.record_step` to write with the step that caused it."""
    all_headers = dict(headers or {})
    telemetry.inject_context(all_headers)
    return (
        envelope.message_id,
        envelope.type,
        envelope.to_bytes(),
        all_headers,
        _admission_tenant(envelope),
    )


def notification_row(note: StatusNotification) -> OutboxRow:
    """The outbox row (message id, routing key, body, headers) that tells subscribers of ``note``.

    The message id is derived from the report and event number, so the same audit event always
    travels under the same id.
    """
    if note.outcome == ALERT_OUTCOME:
        key = routing.REPORT_ALERT
    elif note.status == "COMPLETE":
        key = routing.REPORT_COMPLETED
    elif note.status == "FAILED":
        key = routing.REPORT_FAILED
    else:
        key = routing.REPORT_PROGRESS
    headers: dict[str, Any] = {}
    telemetry.inject_context(headers)
    return (
        uuid5(note.report_id, f"event:{note.event_id}"),
        key,
        note.model_dump_json().encode(),
        headers,
        None,
    )


def notification_rows(notes: Sequence[StatusNotification]) -> list[OutboxRow]:
    """The outbox rows that tell subscribers of ``notes``, the notifications of one recorded
    call in order (what ``record_stage_steps``, migration 0090, writes).

    When every note but the last is a progress one, they ride on the last one's message, in its
    :data:`~shared.events.notification.EARLIER_NOTES_HEADER` header: one message instead of one
    per note. Alerts and final notifications (which the outbound worker consumes) are never
    carried; a call that has one before its last note writes a row per note."""
    rows = [notification_row(note) for note in notes]
    if len(rows) < 2 or any(row[1] != routing.REPORT_PROGRESS for row in rows[:-1]):
        return rows
    message_id, key, body, headers, tenant = rows[-1]
    riders = [row[2].decode() for row in rows[:-1]]
    return [(message_id, key, body, {**headers, EARLIER_NOTES_HEADER: riders}, tenant)]


# Rows that let a report in (report.requested) are eligible only up to the tenant's free slots:
# the quota minus its unfinished reports that are already past the outbox. Rows another relay has
# locked still count as waiting and take their rank, so concurrent relays never over-admit.
_CLAIM_FAIR = """
WITH queued AS (
    SELECT admission_tenant AS tenant, count(*) AS waiting
    FROM outbox WHERE admission_tenant IS NOT NULL GROUP BY admission_tenant
), slots AS (
    SELECT q.tenant, $2 - ((SELECT count(*) FROM reports r
                            WHERE r.tenant_id = q.tenant AND r.status IN ('PENDING', 'PROCESSING'))
                           - q.waiting) AS free
    FROM queued q
), eligible AS (
    SELECT o.id FROM slots s CROSS JOIN LATERAL (
        SELECT id FROM outbox WHERE admission_tenant = s.tenant
        ORDER BY id LIMIT GREATEST(s.free, 0)
    ) o
)
SELECT id, message_id, routing_key, body, headers, refusals FROM outbox
WHERE (admission_tenant IS NULL OR id IN (SELECT id FROM eligible))
  AND (not_before IS NULL OR not_before <= now())
ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
"""

_CLAIM_ALL = """SELECT id, message_id, routing_key, body, headers, refusals FROM outbox
   WHERE not_before IS NULL OR not_before <= now()
   ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"""


@dataclass(frozen=True)
class ClaimedRow:
    id: int
    message: OutgoingMessage
    refusals: int
    """How often the broker refused this row before (held back in between)."""


async def claim_batch(
    conn: Connection, limit: int, *, tenant_in_flight: int = 0
) -> list[ClaimedRow]:
    """Lock up to ``limit`` unpublished rows (oldest first) that no other relay holds and that
    are not held back after a refusal.

    With ``tenant_in_flight`` > 0, a tenant's report.requested rows are held back while that many
    of its reports are already admitted and unfinished (0: no admission control).
    """
    if tenant_in_flight > 0:
        rows = await conn.fetch(_CLAIM_FAIR, limit, tenant_in_flight)
    else:
        rows = await conn.fetch(_CLAIM_ALL, limit)
    return [
        ClaimedRow(
            id=row["id"],
            message=OutgoingMessage(
                routing_key=row["routing_key"],
                body=row["body"],
                message_id=str(row["message_id"]),
                headers=row["headers"] or {},
                mandatory=row["routing_key"] not in routing.UNROUTED_OK,
            ),
            refusals=row["refusals"],
        )
        for row in rows
    ]


async def delete_published(conn: Connection, ids: list[int]) -> None:
    await conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", ids)


async def hold_back(conn: Connection, row_id: int, hold_s: float, refusal: str) -> None:
    """Count a refusal of the row and keep it out of batches for ``hold_s`` seconds."""
    await conn.execute(
        """UPDATE outbox SET refusals = refusals + 1, last_refusal = $3,
                             not_before = now() + make_interval(secs => $2)
           WHERE id = $1""",
        row_id,
        hold_s,
        refusal[:500],
    )


@dataclass(frozen=True)
class OutboxBacklog:
    rows: int
    oldest_age_s: float


async def outbox_backlog(conn: Connection) -> OutboxBacklog:
    row = await conn.fetchrow(
        """SELECT count(*) AS n,
                  coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS age
           FROM outbox"""
    )
    assert row is not None
    return OutboxBacklog(rows=row["n"], oldest_age_s=row["age"])
