"""Setting aside an outbox row the broker keeps refusing, so the rows after it can go.

The relay holds a refused row back with a growing delay (:func:`shared.db.outbox.hold_back`); a
row refused too often is parked in ``dead_letters`` under the stage ``relay`` — where operators
already look, count and replay (a replay queues the event again through the outbox) — and leaves
the outbox. Its report is left as it is: the failure is the deployment's (a missing binding, a
broker refusing), not the report's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

import orjson

from shared.db.deadletters import ParkedMessage, park_message
from shared.db.outbox import ClaimedRow, delete_published
from shared.messages import message_uuid

if TYPE_CHECKING:
    from shared.db.pool import Connection

RELAY_STAGE = "relay"


def report_of(body: bytes) -> UUID | None:
    """The report an outbox message is about (events and notifications both carry it)."""
    try:
        value = orjson.loads(body).get("report_id")
        return UUID(value) if isinstance(value, str) else None
    except (orjson.JSONDecodeError, AttributeError, ValueError):
        return None


def parked_row(row: ClaimedRow, refusal: str, error_class: str) -> ParkedMessage:
    """How a row refused once too often is kept in the dead letters."""
    refusals = row.refusals + 1
    return ParkedMessage(
        stage=RELAY_STAGE,
        message_id=message_uuid(row.message.message_id),
        report_id=report_of(row.message.body),
        routing_key=row.message.routing_key,
        body=row.message.body,
        headers=row.message.headers,
        reason="unpublishable",
        error_message=(
            f"The broker refused this {row.message.routing_key} message {refusals} times "
            f"({refusal}); it was set aside so the messages after it could be published. Fix "
            f"the cause (a queue bound to {row.message.routing_key}, the broker), then replay it."
        ),
        attempts=refusals,
        error_class=error_class,
    )


async def set_aside(conn: Connection, row: ClaimedRow, refusal: str, error_class: str) -> bool:
    """Park the row in the dead letters and delete it from the outbox (in the caller's
    transaction). False when the same message was already parked and is still open."""
    parked = await park_message(conn, parked_row(row, refusal, error_class))
    await delete_published(conn, [row.id])
    return parked
