"""Webhooks, email recipients and their deliveries (migration 0042).

The gateway registers targets; the notifier's outbound worker plans one delivery per matching
target and event (a redelivered event plans nothing new) and records every attempt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import asyncpg

from shared.outbound.signing import new_secret

if TYPE_CHECKING:
    from shared.db.pool import Connection

WEBHOOK_COLUMNS = "id, url, events, created_at"
DELIVERY_COLUMNS = """id, event_id, event_type, status, attempts, history, created_at,
    updated_at, delivered_at"""


async def create_webhook(
    conn: Connection, tenant_id: UUID, url: str, events: list[str]
) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"""INSERT INTO webhooks (id, tenant_id, url, events, secret)
            VALUES ($1, $2, $3, $4, $5) RETURNING {WEBHOOK_COLUMNS}, secret""",
        uuid4(),
        tenant_id,
        url,
        events,
        new_secret(),
    )
    assert row is not None
    return row


async def list_webhooks(conn: Connection, tenant_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE tenant_id = $1 ORDER BY created_at DESC",
        tenant_id,
    )


async def get_webhook(conn: Connection, tenant_id: UUID, webhook_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1 AND tenant_id = $2",
        webhook_id,
        tenant_id,
    )


async def delete_webhook(conn: Connection, tenant_id: UUID, webhook_id: UUID) -> bool:
    result: str = await conn.execute(
        "DELETE FROM webhooks WHERE id = $1 AND tenant_id = $2", webhook_id, tenant_id
    )
    return result.endswith(" 1")


async def webhook_deliveries(
    conn: Connection, webhook_id: UUID, limit: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE webhook_id = $1
            ORDER BY created_at DESC LIMIT $2""",
        webhook_id,
        limit,
    )


async def add_recipient(
    conn: Connection, tenant_id: UUID, address: str, events: list[str]
) -> asyncpg.Record:
    row = await conn.fetchrow(
        """INSERT INTO email_recipients (id, tenant_id, address, events)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (tenant_id, address) DO UPDATE SET events = EXCLUDED.events
           RETURNING id, address, events, created_at""",
        uuid4(),
        tenant_id,
        address,
        events,
    )
    assert row is not None
    return row


async def list_recipients(conn: Connection, tenant_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT id, address, events, created_at FROM email_recipients
           WHERE tenant_id = $1 ORDER BY created_at DESC""",
        tenant_id,
    )


async def delete_recipient(conn: Connection, tenant_id: UUID, recipient_id: UUID) -> bool:
    result: str = await conn.execute(
        "DELETE FROM email_recipients WHERE id = $1 AND tenant_id = $2", recipient_id, tenant_id
    )
    return result.endswith(" 1")


async def plan_deliveries(
    conn: Connection, tenant_id: UUID, event_id: UUID, event_type: str, payload: dict[str, Any]
) -> list[UUID]:
    """One pending delivery per target of the tenant that wants ``event_type``; ids of the new
    ones (none when this event was planned before)."""
    rows = await conn.fetch(
        """INSERT INTO deliveries (id, tenant_id, webhook_id, recipient_id, event_id, event_type,
                                   payload)
           SELECT gen_random_uuid(), $1, t.webhook_id, t.recipient_id, $2, $3, $4
           FROM (SELECT id AS webhook_id, NULL::uuid AS recipient_id FROM webhooks
                 WHERE tenant_id = $1 AND $3 = ANY(events)
                 UNION ALL
                 SELECT NULL, id FROM email_recipients
                 WHERE tenant_id = $1 AND $3 = ANY(events)) t
           ON CONFLICT DO NOTHING
           RETURNING id""",
        tenant_id,
        event_id,
        event_type,
        payload,
    )
    return [row["id"] for row in rows]


async def delivery_target(conn: Connection, delivery_id: UUID) -> asyncpg.Record | None:
    """A delivery with where it goes: the webhook's URL and secret, or the recipient's address."""
    return await conn.fetchrow(
        """SELECT d.id, d.event_id, d.event_type, d.payload, d.status, d.attempts,
                  w.url, w.secret, e.address
           FROM deliveries d
           LEFT JOIN webhooks w ON w.id = d.webhook_id
           LEFT JOIN email_recipients e ON e.id = d.recipient_id
           WHERE d.id = $1""",
        delivery_id,
    )


async def record_attempt(
    conn: Connection, delivery_id: UUID, attempt: dict[str, Any], *, delivered: bool, final: bool
) -> None:
    """Append one attempt; the delivery is delivered, failed for good (``final``) or pending."""
    status = "delivered" if delivered else ("failed" if final else "pending")
    await conn.execute(
        """UPDATE deliveries SET attempts = attempts + 1, history = history || $2::jsonb,
                  status = $3, updated_at = now(),
                  delivered_at = CASE WHEN $3 = 'delivered' THEN now() END
           WHERE id = $1""",
        delivery_id,
        [attempt],
        status,
    )
