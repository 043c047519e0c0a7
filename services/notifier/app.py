"""The notifier: WebSocket subscriptions to a report's progress, with resume.

``/v1/ws/reports/{id}?token=KEY[&last_event_id=N]``

- A new subscriber first receives a ``snapshot`` of the report's current state.
- A subscriber that reconnects with ``last_event_id`` receives every ``event`` it missed, from the
  audit trail, then the live ones: no event is lost across a reconnect.
- The socket closes (1000) after COMPLETE or FAILED. Refusals close with 4401 (bad key) or 4404
  (no such report for this tenant) after an ``error`` message saying why.

Every message has the shape of :class:`~shared.events.StatusNotification` plus ``type``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID, uuid4

import structlog
from fastapi import FastAPI, Response, WebSocket
from pydantic import ValidationError

from clinrelay import __version__
from services.notifier.hub import Hub
from services.notifier.settings import NotifierSettings
from services.notifier.state import NotifierState
from services.notifier.stream import serve_feed, serve_subscriber
from shared import telemetry
from shared.auth import CachedAuthenticator
from shared.bus.amqp import AmqpBus
from shared.bus.protocol import IncomingMessage
from shared.events import ReportKind, StatusNotification, routing
from shared.runtime import broker_in_background, connect_database

log = structlog.get_logger(__name__)


def replica_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid4().hex[:6]}"


def create_app(settings: NotifierSettings | None = None) -> FastAPI:
    settings = settings or NotifierSettings()
    tracer = telemetry.tracer("clinrelay.notifier")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await connect_database(settings)
        state = NotifierState(
            settings=settings,
            pool=pool,
            authenticate=CachedAuthenticator(pool, settings.auth_cache_s),
            hub=Hub(settings.subscriber_buffer),
        )
        app.state.notifier = state

        async def on_notification(message: IncomingMessage) -> None:
            try:
                note = StatusNotification.model_validate_json(message.body)
            except ValidationError:
                log.warning("notifier.bad_notification", routing_key=message.routing_key)
            else:
                with (
                    telemetry.continued_from(message.headers),
                    tracer.start_as_current_span("notify") as span,
                ):
                    span.set_attribute("clinrelay.report_id", str(note.report_id))
                    state.hub.publish(note)
            await message.ack()

        async def connected(bus: AmqpBus) -> None:
            queue = bus.topology.notifier_queue(replica_name())
            await bus.bind_private_queue(
                queue, routing.NOTIFICATIONS, on_notification, prefetch=500
            )
            state.bus = bus

        try:
            async with broker_in_background(settings, "clinrelay-notifier", pool, connected):
                yield
        finally:
            await pool.close()

    app = FastAPI(title="clinrelay notifier", version=__version__, lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(response: Response) -> dict[str, Any]:
        state: NotifierState = app.state.notifier
        if state.bus is None or not state.bus.is_connected:
            response.status_code = 503
            return {"status": "unavailable", "down": {"rabbitmq": "not subscribed"}}
        return {"status": "ready", "subscribers": state.hub.subscriber_count}

    @app.websocket("/v1/ws/reports")
    async def tenant_feed(
        websocket: WebSocket, token: str | None = None, kind: ReportKind | None = None
    ) -> None:
        await serve_feed(websocket, app.state.notifier, token, kind)

    @app.websocket("/v1/ws/reports/{report_id}")
    async def report_updates(
        websocket: WebSocket,
        report_id: UUID,
        token: str | None = None,
        last_event_id: int | None = None,
    ) -> None:
        await serve_subscriber(websocket, app.state.notifier, report_id, token, last_event_id)

    return app
