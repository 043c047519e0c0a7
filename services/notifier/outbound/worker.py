"""The outbound worker: plans deliveries when a report or batch ends, then attempts each one,
retrying through the bus's delay tiers.

It consumes ``<ns>.outbound.work`` (a quorum queue like a stage's, shared by every notifier
replica, so each event is handled once). A final notification (``report.completed``,
``report.failed``, ``batch.completed``) becomes one delivery row per matching webhook and email
recipient, and one ``outbound.attempt`` message each through the outbox — in one transaction,
so a redelivered notification plans nothing twice. An attempt message sends one delivery; a
failure is recorded and the message goes to the delay tier for that attempt, whose TTL brings it
back to the work queue, until ``CLINRELAY_OUTBOUND_MAX_ATTEMPTS``.
"""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import orjson
import structlog

from services.notifier.outbound.email import compose, send_email
from services.notifier.outbound.events import describe
from services.notifier.outbound.webhook import post_webhook
from services.notifier.settings import NotifierSettings
from shared.bus.protocol import Bus, IncomingMessage, OutgoingMessage, message_uuid
from shared.bus.topology import OUTBOUND, OUTBOUND_ATTEMPT, Topology
from shared.db import outbound, outbox
from shared.delivery.failures import ATTEMPT_HEADER, attempt_of

log = structlog.get_logger(__name__)

DELIVERY_HEADER = "x-clinrelay-delivery"


class OutboundWorker:
    def __init__(
        self, settings: NotifierSettings, pool: asyncpg.Pool, bus: Bus, topology: Topology
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.bus = bus
        self.topology = topology
        self.http = httpx.AsyncClient(
            timeout=settings.webhook_timeout_s, follow_redirects=False, trust_env=False
        )

    async def start(self) -> None:
        await self.bus.consume(self.topology.work_queue(OUTBOUND), self.on_message, prefetch=16)

    async def close(self) -> None:
        await self.http.aclose()

    async def on_message(self, message: IncomingMessage) -> None:
        delivery = message.headers.get(DELIVERY_HEADER)
        if isinstance(delivery, str):
            await self._attempt(UUID(delivery), message)
        else:
            await self._plan(message)
        await message.ack()

    async def _plan(self, message: IncomingMessage) -> None:
        described = describe(message.routing_key, message.body, self.settings.gateway_url)
        if described is None:
            return
        event_type, data = described
        event_id = message_uuid(message.message_id)
        payload = {
            "id": str(event_id),
            "type": event_type,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "data": data,
        }
        tenant_id = UUID(str(orjson.loads(message.body)["tenant_id"]))
        async with self.pool.acquire() as conn, conn.transaction():
            planned = await outbound.plan_deliveries(conn, tenant_id, event_id, event_type, payload)
            for delivery_id in planned:
                await outbox.enqueue(
                    conn,
                    message_id=delivery_id,
                    routing_key=OUTBOUND_ATTEMPT,
                    body=orjson.dumps({"delivery_id": str(delivery_id)}),
                    headers={DELIVERY_HEADER: str(delivery_id)},
                )
        if planned:
            log.info("outbound.planned", event_type=event_type, deliveries=len(planned))

    async def _attempt(self, delivery_id: UUID, message: IncomingMessage) -> None:
        async with self.pool.acquire() as conn:
            target = await outbound.delivery_target(conn, delivery_id)
        if target is None or target["status"] != "pending":
            return  # deleted with its webhook, or already settled (a redelivery)
        attempt = await self._send(target)
        delivered = "error" not in attempt
        number = target["attempts"] + 1
        final = not delivered and (
            number >= self.settings.outbound_max_attempts or attempt.get("refused", False)
        )
        async with self.pool.acquire() as conn:
            await outbound.record_attempt(
                conn, delivery_id, attempt, delivered=delivered, final=final
            )
        log.info(
            "outbound.attempt",
            delivery_id=str(delivery_id),
            attempt=number,
            delivered=delivered,
            final=final,
            status_code=attempt.get("status_code"),
        )
        if not delivered and not final:
            delay = self.settings.retry_delay_ms(attempt_of(message))
            await self.bus.send_delayed(
                self.topology.work_queue(OUTBOUND),
                delay,
                OutgoingMessage(
                    routing_key=OUTBOUND_ATTEMPT,
                    body=message.body,
                    message_id=message.message_id or str(delivery_id),
                    headers={DELIVERY_HEADER: str(delivery_id), ATTEMPT_HEADER: number + 1},
                ),
            )

    async def _send(self, target: asyncpg.Record) -> dict[str, Any]:
        payload: dict[str, Any] = target["payload"]
        if target["url"] is not None:
            return await post_webhook(
                self.http,
                target["url"],
                target["secret"],
                orjson.dumps(payload),
                {"Clinrelay-Delivery": str(target["id"]), "Clinrelay-Event": payload["type"]},
                allow_private=self.settings.webhooks_allow_private,
            )
        message = compose(self.settings, target["address"], payload["type"], payload["data"])
        return await send_email(self.settings, message)
