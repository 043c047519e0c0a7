"""The notifier: live status over WebSockets, one socket for many channels.

``/v1/ws?token=KEY`` then ``{"subscribe": "report:ID" | "batch:ID" | "tenant", "since"?: N}``;
the shortcuts ``/v1/ws/reports/{id}?token=KEY[&last_event_id=N]`` (one report, closing when it
ends) and ``/v1/ws/reports?token=KEY[&kind=][&since=N]`` (the tenant's feed) stay. See
docs/api.md for the messages.

Each replica binds its own queue to the notification routing keys, so any replica can serve any
socket and replicas scale out side by side.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import asyncpg
import structlog

from services.notifier.outbound.worker import OutboundWorker
from services.notifier.server import LiveServer
from services.notifier.settings import NotifierSettings
from shared.bus.amqp import AmqpBus
from shared.db import channels
from shared.db.outage import is_outage
from shared.live.feed import LiveBinding, feed_hub
from shared.live.history import PgHistory
from shared.live.hub import Hub
from shared.runtime import Background, broker_in_background, connect_database

log = structlog.get_logger(__name__)


@asynccontextmanager
async def running_notifier(
    settings: NotifierSettings,
    host: str = "0.0.0.0",  # noqa: S104 - a service listens on all interfaces in its container
    port: int | None = None,
) -> AsyncIterator[tuple[LiveServer, int]]:
    """Serve sockets on ``host:port`` (default the configured port; 0 for any) until exit."""
    pool = await connect_database(settings)
    history = PgHistory(pool, max_backlog=settings.max_backlog)
    hub = Hub(history)
    buses: list[AmqpBus] = []
    server = LiveServer(
        settings, pool, hub, history, bus_ready=lambda: any(b.is_connected for b in buses)
    )

    workers: list[OutboundWorker] = []
    live: list[LiveBinding] = []

    async def connected(bus: AmqpBus) -> None:
        live.append(await feed_hub(bus, bus.topology, hub, "notifier"))
        worker = OutboundWorker(settings, pool, bus, bus.topology)
        workers.append(worker)
        await worker.start()
        buses.append(bus)

    background = Background()
    try:
        async with broker_in_background(settings, "clinrelay-notifier", pool, connected):
            bound = await server.start(host, settings.notifier_port if port is None else port)
            background.start(server.heartbeats(), "heartbeats")
            background.start(server.recheck_keys(), "key-recheck")
            background.start(
                server.authenticate.watch_revocations(settings.database_url), "key-revocations"
            )
            server.authenticate.on_revoked(server.key_revoked)
            background.start(_prune(pool, settings.channel_log_days), "channel-log-prune")
            log.info("notifier.listening", port=bound)
            try:
                yield server, bound
            finally:
                await background.stop()
                await server.stop()
                for binding in live:
                    await binding.close()
                await hub.close()
                for worker in workers:
                    await worker.close()
    finally:
        await pool.close()


async def _prune(pool: asyncpg.Pool, days: float) -> None:
    """Forget tenant-feed events older than ``days`` (hourly; any replica may do it)."""
    while True:
        try:
            async with pool.acquire() as conn:
                pruned = await channels.prune(conn, timedelta(days=days))
            if pruned:
                log.info("notifier.channel_log_pruned", count=pruned)
        except Exception as exc:
            if not is_outage(exc):
                raise
        await asyncio.sleep(3600)
